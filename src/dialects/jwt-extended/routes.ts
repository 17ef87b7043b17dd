import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { AuthError } from "../../core/index.js";
import { asRecord, INVALID, requireFields, stringField } from "../../http/fields.js";
import { legacyTrust, secondsUntil } from "../../http/legacy-secret.js";
import { requestMeta } from "../../http/request-meta.js";
import type { DialectOptions } from "../types.js";
import type { settings } from "./settings.js";
import { requireToken } from "./bearer.js";
import { CREDENTIALS_REQUIRED, EnvelopeRefusal } from "./errors.js";
import { SCHEMAS } from "./schemas.js";
import { ok, wirePayload } from "./translate.js";

/** Username and password, both required and non-empty; a non-string is a format error. */
function credentials(body: unknown): { username: string; password: string; record: Record<string, unknown> } {
  const record = asRecord(body);
  const { username, password } = requireFields(record, ["username", "password"], (problem) =>
    problem === null || problem.invalid.length > 0 ? new AuthError("invalid_request") : new EnvelopeRefusal(CREDENTIALS_REQUIRED),
  );
  return { username, password, record: record ?? {} };
}

export async function routes(app: FastifyInstance, { core, settings: own }: DialectOptions<typeof settings>): Promise<void> {
  // flask-jwt-extended's claims besides ours: `fresh` and a per-token `csrf` value.
  const wireClaims = () => ({ fresh: false, csrf: randomUUID() });
  // The cutover: the old server's tokens accepted, and ours signed with its secret if asked.
  const trust = legacyTrust("jwt-extended", "id", own);
  const signing = own.signWithLegacySecret ? { legacySecret: own.legacySecret } : {};

  app.post("/register", { schema: SCHEMAS.register }, async (request) => {
    const { username, password, record } = credentials(request.body);
    const email = stringField(record, "email");
    if (email === INVALID) throw new AuthError("invalid_request");
    await core.register({ username, password, email: email || null, ip: request.ip });
    return ok("注册成功");
  });

  app.post("/login", { schema: SCHEMAS.login }, async (request) => {
    const { username, password } = credentials(request.body);
    const { user, session } = await core.login({
      username,
      password,
      clientId: null,
      scope: "",
      sessionTtlSeconds: own.refreshTtl,
      meta: requestMeta(request),
    });
    const [access, refresh, profile] = await Promise.all([
      core.issueAccessToken({ user, session, ttlSeconds: own.accessTtl, claims: wireClaims(), atLogin: true, ...signing }),
      core.issueRefreshJwt({ user, session, claims: wireClaims(), atLogin: true, ...signing }),
      core.accessProfile(user.id),
    ]);
    return ok("登录成功", {
      access_token: access.token,
      refresh_token: refresh.token,
      payload: wirePayload(user, profile),
    });
  });

  // The response has no place for a new refresh token, so this dialect does not rotate it. An
  // old server's refresh token opens a Gatehouse session once, which it finds again each time
  // after; the session ends when the old token would have.
  app.post("/refresh", { schema: SCHEMAS.refresh }, async (request) => {
    const { session: found, original } = await requireToken(core, request, "refresh", trust);
    const session =
      found ??
      (original &&
        (await core.exchangeLegacyToken({
          source: "jwt-extended",
          ...original,
          oldToken: "keep",
          ttlSeconds: Math.min(own.refreshTtl, secondsUntil(original.claims.exp)),
          meta: requestMeta(request),
        })));
    const user = original?.user ?? (session && (await core.findUserById(session.userId)));
    if (!session || !user) throw new AuthError("invalid_grant");
    const access = await core.issueAccessToken({ user, session, ttlSeconds: own.accessTtl, claims: wireClaims(), ...signing });
    return ok("刷新令牌成功", { access_token: access.token });
  });

  // An old server's token is refused from now until it would have expired, on every process.
  app.post("/logout", { schema: SCHEMAS.logout }, async (request) => {
    const { session, original } = await requireToken(core, request, "any", trust);
    if (original) {
      await core.revokeLegacyToken({ source: "jwt-extended", claims: original.claims, userId: original.user.id, ip: request.ip });
    } else if (session) {
      await core.revokeSession(session, "logout", request.ip);
    }
    return ok("退出登录成功");
  });
}
