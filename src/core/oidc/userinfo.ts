import type { CoreContext } from "../context.js";
import { checkJwt } from "../tokens/access-tokens.js";
import { scopeWords, userClaims } from "./claims.js";

/** RFC 6750 §3.1's refusals, as the UserInfo endpoint answers them. */
export type UserInfoResult = { claims: Record<string, unknown> } | { error: "invalid_token" | "insufficient_scope" };

/**
 * OIDC Core §5.3: the signed-in user's claims, as the access token's scope allows; the token
 * must be a live access token for a user, granted `openid`.
 */
export async function userInfo(ctx: CoreContext, accessToken: string): Promise<UserInfoResult> {
  const check = await checkJwt(ctx, accessToken);
  if (!check.ok || check.kind !== "access" || check.session.userId === null) return { error: "invalid_token" };
  const scope = typeof check.claims.scope === "string" ? check.claims.scope : "";
  if (!scopeWords(scope).includes("openid")) return { error: "insufficient_scope" };
  const user = await ctx.store.users.findById(check.session.userId);
  if (!user || user.status !== "active") return { error: "invalid_token" };
  return { claims: userClaims(user, scope) };
}
