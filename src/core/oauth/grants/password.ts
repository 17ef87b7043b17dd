import { login } from "../../accounts/login.js";
import { AuthError, isAuthError } from "../../errors.js";
import { issueAccessToken } from "../../tokens/access-tokens.js";
import { resolveScope } from "../scope.js";
import type { Grant } from "../types.js";
import { userSummary } from "./user-summary.js";

/** RFC 6749 §4.3, for first-party clients configured for it. */
export const passwordGrant: Grant = async (ctx, client, request, meta) => {
  if (!request.username || !request.password) throw new AuthError("invalid_request", "username and password are required");
  const scope = resolveScope(request.scope, client.scopes.join(" "));
  let result: Awaited<ReturnType<typeof login>>;
  try {
    result = await login(ctx, {
      username: request.username,
      password: request.password,
      clientId: client.id,
      scope,
      sessionTtlSeconds: client.refreshTokenTtl ?? ctx.settings.refreshTokenTtl,
      withRefreshToken: client.grants.includes("refresh_token"),
      meta,
      door: "oauth_password",
    });
  } catch (error) {
    // Unknown user, wrong password and disabled account are one answer here.
    if (isAuthError(error) && (error.code === "invalid_credentials" || error.code === "account_disabled")) {
      throw new AuthError("invalid_grant", "用户名或密码错误");
    }
    throw error;
  }
  const { user, session, refreshToken } = result;
  const ttlSeconds = client.accessTokenTtl ?? ctx.settings.accessTokenTtl;
  const access = await issueAccessToken(ctx, { user, session, ttlSeconds, atLogin: true });
  return {
    access_token: access.token,
    token_type: "Bearer",
    expires_in: access.expiresIn,
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
    ...(scope ? { scope } : {}),
    user: userSummary(user),
  };
};
