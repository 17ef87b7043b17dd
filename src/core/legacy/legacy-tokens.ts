import { emit } from "../webhooks/outbox.js";
import type { ActiveSession, SessionRecord, UserRecord } from "../ports.js";
import { audit, type CoreContext, inTransaction, type RequestMeta } from "../context.js";
import { AuthError } from "../errors.js";
import { liveSession, revokeSession, startSession } from "../sessions/sessions.js";
import { checkSessionOf } from "../tokens/access-tokens.js";
import type { TokenKind, VerifiedJwt, VerifyFailure } from "../tokens/jwt.js";
import { type LegacyClaims, legacyKeyFor, verifyLegacyJwt } from "./legacy-jwt.js";

/**
 * The cutover from an original server: while a front door holds that server's HS256 secret,
 * the tokens it issued keep working until they expire, and Gatehouse's own tokens may be signed
 * with the same secret for the services that verify with it.
 */

/** What a front door trusts of its original server. */
export type LegacyTrust = {
  /** The front door whose original issued the tokens; the namespace of their `jti`s. */
  source: string;
  secret: string;
  /** What the original's `sub` names: the user's id, or the user's number (`seq`). */
  subject: "id" | "seq";
};

export type LegacyTokenCheck =
  | { ok: false; reason: VerifyFailure }
  /** Well signed and unexpired, but logged out, or its user is unknown, disabled or deleted. */
  | { ok: false; reason: "revoked"; claims: LegacyClaims }
  /** One of our own tokens signed with the legacy secret: checked against its session. */
  | { ok: true; origin: "gatehouse"; kind: TokenKind; claims: VerifiedJwt["claims"]; session: ActiveSession }
  /** A token the original issued; `session` is the one opened for it earlier, if any. */
  | { ok: true; origin: "original"; claims: LegacyClaims; user: UserRecord; session: ActiveSession | null };

/**
 * Verifies a token signed with the legacy secret. One carrying a `sid` is ours (the original
 * never wrote one) and lives exactly as its session does; any other is the original's, refused
 * once logged out (by `jti`, on every process) or when its user is not an active account.
 */
export async function checkLegacyJwt(ctx: CoreContext, token: string, trust: LegacyTrust): Promise<LegacyTokenCheck> {
  const verified = await verifyLegacyJwt(legacyKeyFor(trust.secret), token);
  if (!verified.ok) return verified;
  const { claims } = verified;
  if (claims.sid !== undefined) {
    const kind = claims.type === "access" || claims.type === "refresh" ? claims.type : null;
    if (kind === null || typeof claims.sid !== "string") return { ok: false, reason: "invalid_claims" };
    const checked = await checkSessionOf(ctx, kind, { ...claims, sid: claims.sid });
    return checked.ok ? { ...checked, origin: "gatehouse" } : { ok: false, reason: "revoked", claims };
  }
  const revoked = { ok: false, reason: "revoked", claims } as const;
  const record = await ctx.store.legacyTokens.find(trust.source, claims.jti);
  if (record?.deniedAt !== null && record?.deniedAt !== undefined) return revoked;
  const user = await userNamedBy(ctx, trust.subject, claims.sub);
  if (!user || user.status !== "active") return revoked;
  if (!record?.sessionId) return { ok: true, origin: "original", claims, user, session: null };
  // Its session was revoked (logged out, the password changed, the user disabled): so is the token.
  const session = await liveSession(ctx, record.sessionId);
  return session ? { ok: true, origin: "original", claims, user, session } : revoked;
}

async function userNamedBy(ctx: CoreContext, subject: LegacyTrust["subject"], sub: string | number): Promise<UserRecord | null> {
  if (subject === "id") return ctx.store.users.findById(String(sub));
  const seq = typeof sub === "number" ? sub : /^[1-9]\d{0,15}$/.test(sub) ? Number(sub) : null;
  if (seq === null || !Number.isSafeInteger(seq)) return null;
  const id = await ctx.store.legacyTokens.userIdBySeq(seq);
  return id === null ? null : ctx.store.users.findById(id);
}

export type LegacyExchange = {
  source: string;
  claims: LegacyClaims;
  user: UserRecord;
  /**
   * `keep`: the old token goes on working and always finds this session (a refresh token that
   * the original never consumed); `consume`: the old token dies now (a refresh that replaced it).
   */
  oldToken: "keep" | "consume";
  ttlSeconds: number;
  refreshWindowSeconds?: number;
  meta: RequestMeta;
};

/** Raised inside the transaction when another request claimed the old token first. */
class ClaimedElsewhere extends Error {}

/**
 * Opens a Gatehouse session for the user of a verified old token, with no password (the old
 * token is the proof), audited as `legacy_token_exchanged`, and records what became of the old
 * token in the same transaction. Of concurrent exchanges of one token, one opens the session:
 * with `keep`, the others get that session; with `consume`, they are refused.
 */
export async function exchangeLegacyToken(ctx: CoreContext, input: LegacyExchange): Promise<SessionRecord> {
  const { source, claims, user, meta } = input;
  const expiresAt = claims.exp * 1000;
  try {
    return await inTransaction(ctx, async (tx) => {
      const session = await startSession(tx, {
        user,
        clientId: null,
        scope: "",
        terminal: null,
        ttlSeconds: input.ttlSeconds,
        ...(input.refreshWindowSeconds === undefined ? {} : { refreshWindowSeconds: input.refreshWindowSeconds }),
        meta,
      });
      const claimed =
        input.oldToken === "keep"
          ? await tx.store.legacyTokens.bind(source, claims.jti, session.id, expiresAt)
          : await tx.store.legacyTokens.deny(source, claims.jti, expiresAt, ctx.now());
      if (!claimed) throw new ClaimedElsewhere();
      const detail = `${source}, old token ${input.oldToken === "keep" ? "kept" : "consumed"}`;
      await audit(tx, { event: "legacy_token_exchanged", outcome: "success", userId: user.id, ip: meta.ip, detail });
      await emit(tx, "session.created", { sessionId: session.id, userId: user.id, clientId: null });
      return session;
    });
  } catch (error) {
    if (!(error instanceof ClaimedElsewhere)) throw error;
    const record = await ctx.store.legacyTokens.find(source, claims.jti);
    const winner = input.oldToken === "keep" && record?.deniedAt === null && record.sessionId !== null;
    const session = winner && record.sessionId ? await liveSession(ctx, record.sessionId) : null;
    if (!session) throw new AuthError("invalid_grant", "the old token was already exchanged or logged out");
    return session;
  }
}

/**
 * Logs an old token out: refused on every process until it would have expired, and the session
 * opened for it (if any) revoked with it. Audited as `legacy_token_revoked` once.
 */
export async function revokeLegacyToken(
  ctx: CoreContext,
  input: { source: string; claims: LegacyClaims; userId: string; ip: string | null },
): Promise<void> {
  const { source, claims } = input;
  await inTransaction(ctx, async (tx) => {
    const record = await tx.store.legacyTokens.find(source, claims.jti);
    const denied = await tx.store.legacyTokens.deny(source, claims.jti, claims.exp * 1000, ctx.now());
    const session = record?.sessionId ? await tx.store.sessions.findActive(record.sessionId) : null;
    if (session) await revokeSession(tx, session, "logout", input.ip);
    if (denied) {
      await audit(tx, { event: "legacy_token_revoked", outcome: "success", userId: input.userId, ip: input.ip, detail: source });
    }
  });
}
