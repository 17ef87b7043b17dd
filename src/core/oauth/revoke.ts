import type { ClientRecord, SessionRecord } from "../ports.js";
import type { CoreContext } from "../context.js";
import { revokeSession } from "../sessions/sessions.js";
import { checkJwt } from "../tokens/access-tokens.js";
import { findRefreshToken } from "../tokens/refresh-tokens.js";

/**
 * RFC 7009: revokes the session behind an access or refresh token issued to this client, which
 * kills every token of that grant. Unknown tokens and other clients' tokens are silently
 * ignored; storage failures propagate (never a false 200).
 */
export async function revokeToken(
  ctx: CoreContext,
  client: ClientRecord,
  token: string,
  ip: string | null = null,
): Promise<void> {
  const session = await sessionOf(ctx, token);
  if (session && session.clientId === client.id) await revokeSession(ctx, session, "revocation endpoint", ip);
}

async function sessionOf(ctx: CoreContext, token: string): Promise<SessionRecord | null> {
  if (token.length === 0 || token.length > 4096) return null;
  if (token.split(".").length === 3) {
    const checked = await checkJwt(ctx, token);
    return checked.ok ? checked.session : null;
  }
  return (await findRefreshToken(ctx, token))?.session ?? null;
}
