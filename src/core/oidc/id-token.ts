import type { AuthorizationCodeRecord, ClientRecord, UserRecord } from "../ports.js";
import type { CoreContext } from "../context.js";
import { accessTokenHash, userClaims } from "./claims.js";

/** How long an ID token is valid: it proves a sign-in happened, it grants nothing. */
const ID_TOKEN_TTL_SECONDS = 300;

const seconds = (ms: number) => Math.floor(ms / 1000);

/**
 * The ID token of a code exchange (OIDC Core §2, §3.1.3.6): signed with the current key, `sub`
 * the user's id, `aud` the client, `sid` the browser's session (the one RP-initiated logout
 * ends), and the claims the granted scopes allow.
 */
export function signIdToken(
  ctx: CoreContext,
  input: { user: UserRecord; client: ClientRecord; record: AuthorizationCodeRecord; accessToken: string },
): Promise<string> {
  const { user, client, record } = input;
  const issuedAt = seconds(ctx.now());
  return ctx.jwt.signIdToken(
    (alg) => ({
      ...userClaims(user, record.scope),
      aud: client.id,
      auth_time: seconds(record.authTime),
      sid: record.sessionId,
      at_hash: accessTokenHash(input.accessToken, alg),
      ...(record.nonce === null ? {} : { nonce: record.nonce }),
    }),
    { issuedAt, expiresAt: issuedAt + ID_TOKEN_TTL_SECONDS },
  );
}
