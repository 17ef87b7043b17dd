import { AuthError } from "../../errors.js";
import { startClientSession } from "../../sessions/sessions.js";
import { issueAccessToken } from "../../tokens/access-tokens.js";
import { resolveScope } from "../scope.js";
import type { Grant } from "../types.js";

/**
 * RFC 6749 §4.4: a confidential client acting on its own behalf. The token's `sub` is the
 * client id; it is backed by a session of the client's own, so revocation works as for users.
 * No refresh token (§4.4.3).
 */
export const clientCredentialsGrant: Grant = async (ctx, client, request, meta) => {
  if (client.secretHash === null) throw new AuthError("unauthorized_client", "public clients cannot use client_credentials");
  const scope = resolveScope(request.scope, client.scopes.join(" "));
  const ttlSeconds = client.accessTokenTtl ?? ctx.settings.accessTokenTtl;
  const session = await startClientSession(ctx, { clientId: client.id, scope, ttlSeconds, meta });
  const access = await issueAccessToken(ctx, { user: null, session, ttlSeconds, atLogin: true });
  return {
    access_token: access.token,
    token_type: "Bearer",
    expires_in: access.expiresIn,
    ...(scope ? { scope } : {}),
    user: null,
  };
};
