import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AuthError, type Core, type ErrorCode, type UserSummary } from "../../core/index.js";
import { requireClient } from "../client-auth.js";
import { allowClientOrigin } from "../cors.js";
import { asRecord, INVALID, MAX_FIELD_LENGTH, stringField } from "../fields.js";
import { STATUS, toErrorCode } from "../problems.js";
import { requestMeta } from "../request-meta.js";
import type { JsonSchema } from "../schemas.js";
import { INTROSPECT_SCHEMA, REVOKE_SCHEMA, tokenSchema } from "./oauth-schemas.js";

export type OAuthRouteOptions = {
  core: Core;
  /** What the enabled dialects add to a token response that carries a user's tokens. */
  tokenResponseFields: readonly ((user: UserSummary) => Record<string, unknown>)[];
  /** The schemas of those members, for the document. */
  tokenResponseProperties: Record<string, JsonSchema>;
};

/** The standard OAuth 2.0 endpoints: token (RFC 6749), introspection (7662), revocation (7009). */
export async function oauthRoutes(
  app: FastifyInstance,
  { core, tokenResponseFields, tokenResponseProperties }: OAuthRouteOptions,
): Promise<void> {
  app.setErrorHandler((error, request, reply) => renderOAuthError(error, request, reply));
  // RFC 6749 §3.2, RFC 7662 §2.1, RFC 7009 §2.1: parameters come form-urlencoded. Anything else
  // is refused before it is parsed, which also keeps these endpoints out of CORS "simple" JSON.
  app.addHook("onRequest", (request, _reply, done) => {
    const type = request.headers["content-type"];
    if (type !== undefined && !/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) {
      done(
        Object.assign(new Error("parameters must be form-urlencoded"), {
          statusCode: 415,
          code: "FST_ERR_CTP_INVALID_MEDIA_TYPE",
        }),
      );
      return;
    }
    done();
  });

  app.post("/oauth/token", { schema: tokenSchema(tokenResponseProperties) }, async (request, reply) => {
    const body = requireRecord(request.body);
    const client = await requireClient(core, request, body);
    const param = (name: string) => optionalString(body, name);
    const grantType = param("grant_type") ?? "";
    const { user, ...response } = await core.exchangeToken(
      client,
      {
        grantType,
        scope: param("scope"),
        username: param("username"),
        password: param("password"),
        refreshToken: param("refresh_token"),
        code: param("code"),
        redirectUri: param("redirect_uri"),
        codeVerifier: param("code_verifier"),
      },
      requestMeta(request),
    );
    // A dialect's extra members belong to its own front ends' grants, not to the code flow's clients.
    allowClientOrigin(request, reply, client);
    const extra = user && grantType !== "authorization_code" ? tokenResponseFields.map((fields) => fields(user)) : [];
    return reply.header("pragma", "no-cache").send(withExtraMembers(response, extra));
  });

  app.post("/oauth/introspect", { schema: INTROSPECT_SCHEMA }, async (request) => {
    const body = requireRecord(request.body);
    await requireClient(core, request, body, "confidential");
    return core.introspect(tokenParam(body));
  });

  app.post("/oauth/revoke", { schema: REVOKE_SCHEMA }, async (request, reply) => {
    const body = requireRecord(request.body);
    const client = await requireClient(core, request, body);
    await core.revokeToken(client, tokenParam(body), request.ip);
    return reply.code(200).send();
  });
}

/** RFC 6749 §5.1 allows extra members in a token response; they never replace a standard one. */
function withExtraMembers(response: object, extras: readonly Record<string, unknown>[]): Record<string, unknown> {
  const body: Record<string, unknown> = { ...response };
  for (const [name, value] of extras.flatMap((extra) => Object.entries(extra))) {
    if (!Object.hasOwn(body, name)) body[name] = value;
  }
  return body;
}

function requireRecord(body: unknown): Record<string, unknown> {
  const record = asRecord(body);
  if (!record) throw new AuthError("invalid_request", "the body must be an object of parameters");
  return record;
}

/** RFC 6749 §3.2: empty parameters count as absent; a repeated or non-string one is invalid. */
function optionalString(body: Record<string, unknown>, name: string): string | null {
  const value = stringField(body, name);
  if (value === INVALID) throw new AuthError("invalid_request", `${name} must be given once, as a string`);
  return value ? value : null;
}

/**
 * RFC 7662 §2.2 and RFC 7009 §2.2: a token that cannot be one of ours, because it is longer
 * than any we issue, is an unknown token (inactive; nothing revoked), not a malformed request.
 */
function tokenParam(body: Record<string, unknown>): string {
  const raw = body.token;
  if (typeof raw === "string" && raw.length > MAX_FIELD_LENGTH) return "";
  return requiredString(body, "token");
}

function requiredString(body: Record<string, unknown>, name: string): string {
  const value = optionalString(body, name);
  if (value === null) throw new AuthError("invalid_request", `${name} is required`);
  return value;
}

/** RFC 6749 §5.2 error body; `invalid_client` is 401 with a Basic challenge. */
export function renderOAuthError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { code, detail } = toErrorCode(error, request.log);
  // RFC 6749 §5.2 names a malformed request `invalid_request`.
  const wire: ErrorCode = code === "malformed_body" ? "invalid_request" : code;
  if (wire === "invalid_client") reply.header("www-authenticate", 'Basic realm="gatehouse", charset="UTF-8"');
  const description = detail && wire !== "server_error" ? { error_description: detail } : {};
  return reply.code(STATUS[wire]).send({ error: wire, ...description });
}
