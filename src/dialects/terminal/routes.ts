import type { FastifyInstance, FastifyRequest } from "fastify";
import { AuthError, lookupUsername } from "../../core/index.js";
import { asRecord, requireFields } from "../../http/fields.js";
import { requestMeta } from "../../http/request-meta.js";
import type { DialectOptions } from "../types.js";
import { INVALID_TOKEN, TerminalFailure } from "./errors.js";
import { SCHEMAS } from "./schemas.js";
import type { settings } from "./settings.js";

const OK = { message: "ok" };

/** The named string fields, all required: a missing one is a 401 saying which. */
function fields<K extends string>(request: FastifyRequest, names: readonly K[]): Record<K, string> {
  return requireFields(asRecord(request.body), names, (problem) =>
    problem === null || problem.invalid.length > 0
      ? new AuthError("invalid_request")
      : new TerminalFailure(401, `${problem.missing.join(", ")} required`),
  );
}

export async function routes(app: FastifyInstance, { core, settings: own }: DialectOptions<typeof settings>): Promise<void> {
  app.post("/register", { schema: SCHEMAS.register }, async (request) => {
    const { username, password } = fields(request, ["username", "password"] as const);
    await core.register({ username, password, ip: request.ip });
    return OK;
  });

  app.post("/unregister", { schema: SCHEMAS.unregister }, async (request) => {
    const { username, password } = fields(request, ["username", "password"] as const);
    await core.deleteAccount(username, password, requestMeta(request));
    return OK;
  });

  // The session policy (SESSION_POLICY, per terminal by default) applies to each login.
  app.post("/login", { schema: SCHEMAS.login }, async (request) => {
    const { username, password, terminal } = fields(request, ["username", "password", "terminal"] as const);
    const { user, session } = await core.login({
      username,
      password,
      clientId: null,
      scope: "",
      terminal,
      sessionTtlSeconds: own.tokenTtl,
      meta: requestMeta(request),
    });
    const issued = await core.issueAccessToken({ user, session, ttlSeconds: own.tokenTtl, atLogin: true });
    return { message: "ok", token: issued.token };
  });

  app.post("/password", { schema: SCHEMAS.password }, async (request) => {
    const input = fields(request, ["username", "oldPassword", "newPassword"] as const);
    await core.changePassword({
      username: input.username,
      currentPassword: input.oldPassword,
      newPassword: input.newPassword,
      meta: requestMeta(request),
    });
    return OK;
  });

  app.post("/logout", { schema: SCHEMAS.logout }, async (request) => {
    const header = request.headers.token;
    const checked = typeof header === "string" && header.length > 0 ? await core.checkJwt(header) : null;
    if (!checked?.ok || checked.kind !== "access") throw new TerminalFailure(401, INVALID_TOKEN);
    const username = asRecord(request.body)?.username;
    const user = await core.findUserById(checked.session.userId);
    const sameUser = typeof username === "string" && user !== null && lookupUsername(username) === user.usernameCanonical;
    if (!sameUser) throw new TerminalFailure(401, INVALID_TOKEN);
    await core.revokeSession(checked.session, "logout", request.ip);
    return OK;
  });
}
