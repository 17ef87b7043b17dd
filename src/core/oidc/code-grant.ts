import { emit } from "../webhooks/outbox.js";
import { createHash, randomUUID } from "node:crypto";
import type { ActiveSession, AuthorizationCodeRecord, ClientRecord, SessionRecord, UserRecord } from "../ports.js";
import { audit, type CoreContext, inTransaction, type RequestMeta } from "../context.js";
import { AuthError } from "../errors.js";
import type { Grant, TokenResponse } from "../oauth/types.js";
import { userSummary } from "../oauth/grants/user-summary.js";
import { liveSession, revokeSession, startChildSession } from "../sessions/sessions.js";
import { issueAccessToken } from "../tokens/access-tokens.js";
import { mintRefreshToken } from "../tokens/refresh-tokens.js";
import { safeEqual } from "../tokens/secrets.js";
import { scopeWords } from "./claims.js";
import { signIdToken } from "./id-token.js";

const CODE_CONTEXT = "authorization-code:";
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/** A code is stored by its keyed hash: the database never holds a usable code. */
export const codeId = (ctx: CoreContext, code: string) => ctx.secretHash(CODE_CONTEXT + code);

/** RFC 7636 §4.6: BASE64URL(SHA256(verifier)) must equal the challenge. */
function verifierMatches(verifier: string | null, challenge: string): boolean {
  if (verifier === null || !VERIFIER.test(verifier)) return false;
  return safeEqual(createHash("sha256").update(verifier, "ascii").digest("base64url"), challenge);
}

/**
 * RFC 6749 §4.1.3 with PKCE (RFC 7636): a code is used once, by the client it was issued to,
 * with the redirect URI and verifier it was bound to, within its 60 seconds, while the
 * browser's session lives. Presenting a used code again revokes what its exchange issued
 * (RFC 6749 §4.1.2).
 */
export const authorizationCodeGrant: Grant = async (ctx, client, request, meta) => {
  if (!request.code) throw new AuthError("invalid_request", "code is required");
  const record = await ctx.store.authorizationCodes.findById(codeId(ctx, request.code));
  if (!record || record.clientId !== client.id) throw new AuthError("invalid_grant", "invalid authorization code");
  if (record.usedAt !== null) return replayDetected(ctx, record, meta);
  if (record.expiresAt <= ctx.now()) throw new AuthError("invalid_grant", "the authorization code has expired");
  if (request.redirectUri !== record.redirectUri) throw new AuthError("invalid_grant", "redirect_uri does not match");
  if (!verifierMatches(request.codeVerifier ?? null, record.codeChallenge))
    throw new AuthError("invalid_grant", "PKCE verification failed");
  const browser = await liveSession(ctx, record.sessionId);
  const user = browser ? await ctx.store.users.findById(record.userId) : null;
  if (!browser || !user || user.status !== "active") throw new AuthError("invalid_grant", "the session has ended");
  const opened = await openGrantSession(ctx, client, record, browser, meta);
  if (!opened) return replayDetected(ctx, (await ctx.store.authorizationCodes.findById(record.id)) ?? record, meta);
  return tokenResponse(ctx, client, user, record, opened);
};

/** Refresh tokens go to clients with that grant: first-party ones always, others with `offline_access`. */
const wantsRefreshToken = (client: ClientRecord, scope: string) =>
  client.grants.includes("refresh_token") && (client.firstParty || scopeWords(scope).includes("offline_access"));

/**
 * One transaction: the code consumed, the client's session opened under the browser's, its
 * refresh token minted. A racing second exchange either loses the consume or sees its result.
 */
async function openGrantSession(
  ctx: CoreContext,
  client: ClientRecord,
  record: AuthorizationCodeRecord,
  browser: ActiveSession,
  meta: RequestMeta,
): Promise<{ session: SessionRecord; refreshToken: string | null } | null> {
  const sessionId = randomUUID();
  return inTransaction(ctx, async (tx) => {
    if (!(await tx.store.authorizationCodes.consume(record.id, tx.now(), sessionId))) return null;
    const session = await startChildSession(tx, {
      id: sessionId,
      parent: browser,
      clientId: client.id,
      scope: record.scope,
      ttlSeconds: client.refreshTokenTtl ?? tx.settings.refreshTokenTtl,
      meta,
    });
    const refreshToken = wantsRefreshToken(client, record.scope) ? await mintRefreshToken(tx, session) : null;
    await audit(tx, { event: "code_exchange", outcome: "success", userId: record.userId, clientId: client.id, ip: meta.ip });
    await emit(tx, "session.created", { sessionId: session.id, userId: record.userId, clientId: client.id });
    return { session, refreshToken };
  });
}

async function tokenResponse(
  ctx: CoreContext,
  client: ClientRecord,
  user: UserRecord,
  record: AuthorizationCodeRecord,
  opened: { session: SessionRecord; refreshToken: string | null },
): Promise<TokenResponse> {
  const ttlSeconds = client.accessTokenTtl ?? ctx.settings.accessTokenTtl;
  const access = await issueAccessToken(ctx, { user, session: opened.session, ttlSeconds });
  const idToken = scopeWords(record.scope).includes("openid")
    ? await signIdToken(ctx, { user, client, record, accessToken: access.token })
    : null;
  return {
    access_token: access.token,
    token_type: "Bearer",
    expires_in: access.expiresIn,
    ...(opened.refreshToken ? { refresh_token: opened.refreshToken } : {}),
    ...(record.scope ? { scope: record.scope } : {}),
    ...(idToken ? { id_token: idToken } : {}),
    user: userSummary(user),
  };
}

async function replayDetected(ctx: CoreContext, record: AuthorizationCodeRecord, meta: RequestMeta): Promise<never> {
  await audit(ctx, { event: "code_reuse", outcome: "failure", userId: record.userId, clientId: record.clientId, ip: meta.ip });
  const issued = record.issuedSessionId ? await ctx.store.sessions.findActive(record.issuedSessionId) : null;
  if (issued) await revokeSession(ctx, issued, "authorization code reuse", meta.ip);
  throw new AuthError("invalid_grant", "the authorization code was already used");
}
