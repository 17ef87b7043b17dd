import { AuthError } from "../../errors.js";
import { issueAccessToken } from "../../tokens/access-tokens.js";
import { rotateRefreshToken } from "../../tokens/refresh-tokens.js";
import { resolveScope } from "../scope.js";
import type { Grant } from "../types.js";
import { userSummary } from "./user-summary.js";

/** RFC 6749 §6 with rotation: every refresh returns a new refresh token and kills the old one. */
export const refreshTokenGrant: Grant = async (ctx, client, request, meta) => {
  if (!request.refreshToken) throw new AuthError("invalid_request", "refresh_token is required");
  // A refresh may narrow the session's scope, never widen it.
  let scope = "";
  const { session, refreshToken } = await rotateRefreshToken(
    ctx,
    request.refreshToken,
    client.id,
    (live) => {
      scope = resolveScope(request.scope, live.scope);
    },
    meta.ip,
  );
  const user = session.userId === null ? null : await ctx.store.users.findById(session.userId);
  if (!user) throw new AuthError("invalid_grant", "refresh token revoked");
  const ttlSeconds = client.accessTokenTtl ?? ctx.settings.accessTokenTtl;
  const access = await issueAccessToken(ctx, { user, session, scope, ttlSeconds });
  return {
    access_token: access.token,
    token_type: "Bearer",
    expires_in: access.expiresIn,
    refresh_token: refreshToken,
    ...(scope ? { scope } : {}),
    user: userSummary(user),
  };
};
