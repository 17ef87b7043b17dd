import type { FastifyInstance } from "fastify";
import { AuthError } from "../../core/errors.js";
import type { Core } from "../../core/index.js";
import type { ResetIdentifier } from "../../core/accounts/password-reset.js";
import { jsonObject, text } from "../admin/input.js";
import { requestMeta } from "../request-meta.js";
import { BODY_TYPES, empty, json, nativeErrors, object, type RouteSchema, STRING, transportStatuses } from "../schemas.js";
import { renderOAuthError } from "./oauth.js";

/** The one answer to every reset request, whether or not the account exists. */
export const RESET_ACCEPTED = { status: "accepted" } as const;

const IDENTIFIER = {
  email: { ...STRING, description: "the account's email address (or give `username`)" },
  username: { ...STRING, description: "the account's username (or give `email`)" },
};
const ERRORS = nativeErrors(transportStatuses({ body: true }));

const REQUEST_SCHEMA: RouteSchema = {
  tags: ["self-service"],
  summary: "Mail a password reset code",
  description:
    "Always 202 with the same body, whether or not the account exists, is disabled or has an address; a mail " +
    "with a 6-digit code goes to the account's address when it can be reset.",
  consumes: BODY_TYPES,
  body: object(IDENTIFIER, ["email", "username"]),
  response: { 202: json("accepted", object({ status: { type: "string", enum: ["accepted"] } })), ...ERRORS },
};

const CONFIRM_SCHEMA: RouteSchema = {
  tags: ["self-service"],
  summary: "Set a new password with a mailed reset code",
  description:
    "A wrong, used or expired code, an unknown or a disabled account all answer `code_invalid` (or `code_expired`); " +
    "the new password passes the password policy; every session of the user is revoked.",
  consumes: BODY_TYPES,
  body: object({ ...IDENTIFIER, code: STRING, new_password: STRING }, ["email", "username"]),
  response: { 204: empty("the password is changed"), ...ERRORS },
};

/** Exactly one of `email` and `username`. */
function identifierOf(body: Record<string, unknown>): ResetIdentifier {
  const email = text(body, "email");
  const username = text(body, "username");
  if ((email ? 1 : 0) + (username ? 1 : 0) !== 1) throw new AuthError("invalid_request", "give one of email and username");
  return email ? { email } : { username: username as string };
}

function requiredField(body: Record<string, unknown>, name: string): string {
  const value = text(body, name);
  if (!value) throw new AuthError("invalid_request", `${name} is required`);
  return value;
}

/** Password reset on the native API (README, "Password reset"). */
export async function passwordResetRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  app.setErrorHandler((error, request, reply) => renderOAuthError(error, request, reply));

  app.post("/v1/password-reset", { schema: REQUEST_SCHEMA }, async (request, reply) => {
    const body = jsonObject(request.body, ["email", "username"]);
    await core.requestPasswordReset(identifierOf(body));
    return reply.code(202).send(RESET_ACCEPTED);
  });

  app.post("/v1/password-reset/confirm", { schema: CONFIRM_SCHEMA }, async (request, reply) => {
    const body = jsonObject(request.body, ["email", "username", "code", "new_password"]);
    await core.confirmPasswordReset({
      identifier: identifierOf(body),
      code: requiredField(body, "code"),
      newPassword: requiredField(body, "new_password"),
      meta: requestMeta(request),
    });
    return reply.code(204).send();
  });
}
