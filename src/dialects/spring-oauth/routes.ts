import type { FastifyInstance, FastifyRequest } from "fastify";
import { type FrontDoorCore, isAuthError } from "../../core/index.js";
import { requireClient } from "../../http/client-auth.js";
import { asRecord, mergedInput, requireFields } from "../../http/fields.js";
import { requestMeta } from "../../http/request-meta.js";
import type { DialectOptions } from "../types.js";
import { FULL_AUTHENTICATION, SpringFailure, TOKEN_EXPIRED, TOKEN_NOT_RECOGNISED } from "./errors.js";
import { SCHEMAS } from "./schemas.js";
import type { settings } from "./settings.js";
import { account, ok, refused } from "./translate.js";

/** Query and body merged; the named fields are required, non-empty strings. */
function fields<K extends string>(request: FastifyRequest, names: readonly K[]) {
  const values = requireFields(mergedInput(request.query, request.body), names, (problem) =>
    problem === null || problem.invalid.length > 0
      ? new SpringFailure("参数格式错误")
      : new SpringFailure(`缺少参数：${problem.missing.join(", ")}`),
  );
  return { values };
}

/** An access token and its session, or the reason it is not active (`expired` or anything else). */
async function activeToken(core: FrontDoorCore, token: string) {
  const checked = await core.checkJwt(token);
  if (checked.ok && checked.kind === "access") return checked;
  throw checked.ok || checked.reason !== "expired" ? TOKEN_NOT_RECOGNISED : TOKEN_EXPIRED;
}

/** An id with `@` could never log in here: `/oauth/login` reads such an id as an email. */
function loginId(id: string): string {
  if (id.includes("@")) throw new SpringFailure("用户id不合法：不能包含@");
  return id;
}

export async function routes(app: FastifyInstance, { core, settings: own }: DialectOptions<typeof settings>): Promise<void> {
  app.post("/sendCode", { schema: SCHEMAS.sendCode }, async (request) => {
    const { email } = fields(request, ["email"] as const).values;
    await core.sendRegistrationCode(email);
    // Differs: the code itself is never returned, only mailed.
    return ok("验证码发送成功");
  });

  app.post("/checkUserId", { schema: SCHEMAS.checkUserId }, async (request) => {
    const { id } = fields(request, ["id"] as const).values;
    return (await core.isUsernameAvailable(loginId(id))) ? ok("用户id合法") : refused("用户id被占用");
  });

  app.post("/register", { schema: SCHEMAS.register }, async (request) => {
    const { id, username, password, email, code } = fields(request, [
      "id",
      "username",
      "password",
      "email",
      "code",
    ] as const).values;
    await core.registerWithCode({ username: loginId(id), displayName: username, password, email, code, ip: request.ip });
    return ok("注册成功");
  });

  app.post("/login", { schema: SCHEMAS.login }, async (request) => {
    const { id, password } = fields(request, ["id", "password"] as const).values;
    const { user, session, refreshToken } = await core.login({
      username: id,
      password,
      identifierMayBeEmail: true,
      clientId: own.clientId,
      scope: "all",
      sessionTtlSeconds: own.refreshTtl,
      withRefreshToken: true,
      meta: requestMeta(request),
    });
    const access = await core.issueAccessToken({ user, session, ttlSeconds: own.accessTtl, atLogin: true });
    return ok("成功", {
      access_token: access.token,
      token_type: "bearer",
      refresh_token: refreshToken,
      expires_in: access.expiresIn,
      scope: "all",
      ...account(user),
    });
  });

  const checkToken = async (request: FastifyRequest) => {
    const { values } = fields(request, ["token"] as const);
    if (!own.checkTokenOpen) {
      // Client credentials only from the header or the body, never the query string. Only a
      // refused client is Spring's 401; a database failure stays what it is (503).
      await requireClient(core, request, asRecord(request.body) ?? {}, "confidential").catch((error: unknown) => {
        throw isAuthError(error) ? FULL_AUTHENTICATION : error;
      });
    }
    const { claims, session } = await activeToken(core, values.token);
    const user = await core.findUserById(session.userId);
    const names = user ? { user_name: account(user).username, ...account(user) } : {};
    const scope = session.scope.split(" ").filter(Boolean);
    return { ...names, scope, active: true, exp: claims.exp, client_id: session.clientId };
  };
  app.get("/check_token", { schema: SCHEMAS.checkTokenGet }, checkToken);
  app.post("/check_token", { schema: SCHEMAS.checkTokenPost }, checkToken);

  const removeToken = async (request: FastifyRequest) => {
    const { access_token: token } = fields(request, ["access_token"] as const).values;
    const checked = await core.checkJwt(token);
    if (!checked.ok || checked.kind !== "access") return refused("注销失败");
    await core.revokeSession(checked.session, "removeToken", request.ip);
    return ok("注销成功");
  };
  app.get("/removeToken", { schema: SCHEMAS.removeTokenGet }, removeToken);
  app.post("/removeToken", { schema: SCHEMAS.removeTokenPost }, removeToken);
}
