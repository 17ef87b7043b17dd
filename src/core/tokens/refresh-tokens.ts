import { emit } from "../webhooks/outbox.js";
import type { ActiveSession, RefreshTokenRecord, SessionRecord } from "../ports.js";
import { audit, type CoreContext, inTransaction, type StatementContext } from "../context.js";
import { AuthError } from "../errors.js";
import { isLive, revokeSession } from "../sessions/sessions.js";
import { randomToken, safeEqual, splitOpaqueToken } from "./secrets.js";

/** Creates an opaque `id.secret` refresh token for the session; only the secret's hash is stored. */
export async function mintRefreshToken(ctx: StatementContext, session: SessionRecord): Promise<string> {
  const { token, record } = newRefreshToken(ctx, session);
  await ctx.store.refreshTokens.insert(record);
  return token;
}

function newRefreshToken(ctx: StatementContext, session: SessionRecord): { token: string; record: RefreshTokenRecord } {
  const id = randomToken(16);
  const secret = randomToken(32);
  const record = {
    id,
    sessionId: session.id,
    secretHash: ctx.secretHash(secret),
    createdAt: ctx.now(),
    // Idle limit: a token unused for `refreshTokenIdleTtl` dies; rotation slides it, but never
    // past the session's absolute end.
    expiresAt: Math.min(session.expiresAt, ctx.now() + ctx.settings.refreshTokenIdleTtl * 1000),
    usedAt: null,
  };
  return { token: `${id}.${secret}`, record };
}

export type RefreshTokenState = { record: RefreshTokenRecord; session: ActiveSession };

/** The stored token and its live session, or `null` for anything unknown, forged or dead. */
export async function findRefreshToken(ctx: CoreContext, token: string): Promise<RefreshTokenState | null> {
  const parts = splitOpaqueToken(token);
  if (!parts) return null;
  const record = await ctx.store.refreshTokens.findById(parts.id);
  if (!record || !safeEqual(record.secretHash, ctx.secretHash(parts.secret))) return null;
  const session = await ctx.store.sessions.findActive(record.sessionId);
  return session ? { record, session } : null;
}

/**
 * Exchanges a refresh token for its successor. Presenting a token that was already rotated
 * (a replay, or the loser of a race) revokes the whole session: RFC 9700 §4.14.2.
 * `check` runs before anything is consumed: a request it refuses leaves the token usable.
 */
export async function rotateRefreshToken(
  ctx: CoreContext,
  token: string,
  clientId: string | null,
  check: (session: ActiveSession) => void = () => {},
  ip: string | null = null,
): Promise<{ session: ActiveSession; refreshToken: string }> {
  const found = await findRefreshToken(ctx, token);
  if (!found || found.session.clientId !== clientId) throw new AuthError("invalid_grant", "invalid refresh token");
  const { record, session } = found;
  if (record.usedAt !== null) return replayDetected(ctx, session, ip);
  if (record.expiresAt <= ctx.now() || !isLive(ctx, session)) {
    throw new AuthError("invalid_grant", "refresh token expired or revoked");
  }
  check(session);
  const successor = newRefreshToken(ctx, session);
  // One transaction: the old token used, its successor stored and the session touched.
  if (!(await ctx.store.refreshTokens.rotate(record.id, successor.record, ctx.now()))) {
    return replayDetected(ctx, session, ip);
  }
  return { session, refreshToken: successor.token };
}

async function replayDetected(ctx: CoreContext, session: SessionRecord, ip: string | null): Promise<never> {
  const { userId, clientId } = session;
  await inTransaction(ctx, async (tx) => {
    await audit(tx, { event: "refresh_token_reuse", outcome: "failure", userId, clientId, ip });
    await emit(tx, "refresh_token.reuse_detected", { sessionId: session.id, userId, clientId });
    await revokeSession(tx, session, "refresh token reuse", ip);
  });
  ctx.metrics.refreshReuse();
  throw new AuthError("invalid_grant", "refresh token already used");
}
