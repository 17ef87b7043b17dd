import { emit } from "../webhooks/outbox.js";
import { randomUUID } from "node:crypto";
import type { ActiveSession, SessionRecord, UserRecord } from "../ports.js";
import {
  audit,
  type CoreContext,
  joinTransaction,
  type RequestMeta,
  type StatementContext,
  type TransactionContext,
} from "../context.js";
import { AuthError } from "../errors.js";

export type SessionPolicy = "per-terminal" | "single" | "unlimited";

export type StartSession = {
  user: UserRecord;
  clientId: string | null;
  scope: string;
  /** A device id chosen by the client; `per-terminal` keeps one session per user and terminal. */
  terminal: string | null;
  /** When the session and all its tokens die. */
  ttlSeconds: number;
  /** How long new tokens may be issued for it (default: its whole life). */
  refreshWindowSeconds?: number;
  meta: RequestMeta;
};

const clip = (value: string | null, max: number) => (value === null ? null : value.slice(0, max));

/**
 * One login is one session; its tokens carry its id, so revoking it kills them all. After the
 * insert, the session policy revokes older peers and the per-user cap evicts the oldest; both
 * are single conditional updates, so concurrent logins cannot leave more than the policy allows.
 */
export async function startSession(ctx: StatementContext, input: StartSession): Promise<SessionRecord & { userId: string }> {
  const now = ctx.now();
  const session: SessionRecord & { userId: string } = {
    id: randomUUID(),
    userId: input.user.id,
    clientId: input.clientId,
    scope: input.scope,
    terminal: clip(input.terminal, 128),
    ip: input.meta.ip,
    userAgent: clip(input.meta.userAgent, 512),
    createdAt: now,
    lastUsedAt: now,
    expiresAt: now + input.ttlSeconds * 1000,
    refreshUntil: now + (input.refreshWindowSeconds ?? input.ttlSeconds) * 1000,
    generation: 0,
    revokedAt: null,
    parentId: null,
  };
  await ctx.store.sessions.insert(session);
  const { sessionPolicy, maxSessionsPerUser } = ctx.settings;
  if (sessionPolicy === "single") await ctx.store.sessions.revokePeers(session, false, now);
  if (sessionPolicy === "per-terminal" && session.terminal !== null) await ctx.store.sessions.revokePeers(session, true, now);
  await ctx.store.sessions.evictOldest(session.userId, maxSessionsPerUser, now);
  return session;
}

/** A new, unused session: what every kind of session starts as, the caller's fields given. */
function freshSession(
  now: number,
  meta: RequestMeta,
  fields: Pick<SessionRecord, "id" | "userId" | "clientId" | "scope" | "expiresAt" | "refreshUntil" | "parentId">,
): SessionRecord {
  const clipped = clip(meta.userAgent, 512);
  return {
    terminal: null,
    ip: meta.ip,
    userAgent: clipped,
    createdAt: now,
    lastUsedAt: now,
    generation: 0,
    revokedAt: null,
    ...fields,
  };
}

/** A client's own session (client_credentials): no user, no policy, lives as long as its token. */
export async function startClientSession(
  ctx: CoreContext,
  input: { clientId: string; scope: string; ttlSeconds: number; meta: RequestMeta },
): Promise<SessionRecord> {
  const now = ctx.now();
  const session = freshSession(now, input.meta, {
    id: randomUUID(),
    userId: null,
    clientId: input.clientId,
    scope: input.scope,
    expiresAt: now + input.ttlSeconds * 1000,
    refreshUntil: now,
    parentId: null,
  });
  await ctx.store.sessions.insert(session);
  return session;
}

/**
 * A client's session opened by a code exchange under the browser's session: it lives only
 * while that one is unrevoked (the store's reads see to it) and never longer, and no session
 * policy counts it as a login of its own.
 */
export async function startChildSession(
  ctx: StatementContext,
  input: { id: string; parent: SessionRecord; clientId: string; scope: string; ttlSeconds: number; meta: RequestMeta },
): Promise<SessionRecord> {
  const now = ctx.now();
  const expiresAt = Math.min(now + input.ttlSeconds * 1000, input.parent.expiresAt);
  const session = freshSession(now, input.meta, {
    id: input.id,
    userId: input.parent.userId,
    clientId: input.clientId,
    scope: input.scope,
    expiresAt,
    refreshUntil: expiresAt,
    parentId: input.parent.id,
  });
  await ctx.store.sessions.insert(session);
  return session;
}

/** A session that is not revoked, not expired and whose user is active; otherwise `null`. */
export async function liveSession(ctx: CoreContext, sessionId: string): Promise<ActiveSession | null> {
  const session = await ctx.store.sessions.findActive(sessionId);
  return session && isLive(ctx, session) ? session : null;
}

/** An unrevoked session (as `findActive` returns it) is live while its user is active and it has not expired. */
export const isLive = (ctx: CoreContext, session: ActiveSession) =>
  session.userStatus === "active" && session.expiresAt > ctx.now();

/** Revokes a session; `ip` is the address of the request that caused it, for the audit trail. */
export async function revokeSession(
  ctx: CoreContext | TransactionContext,
  session: SessionRecord,
  reason: string,
  ip: string | null = null,
): Promise<void> {
  await joinTransaction(ctx, async (tx) => {
    if (!(await tx.store.sessions.revoke(session.id, ctx.now()))) return;
    const { userId, clientId } = session;
    await audit(tx, { event: "session_revoked", outcome: "success", userId, clientId, ip, detail: reason });
    await emit(tx, "session.revoked", { sessionId: session.id, userId, clientId, reason, count: 1 });
  });
}

/** Why every session of a user was revoked at once, as `session.revoked` reports it. */
export const REVOKED_ALL = {
  byAdministrator: "revoked by an administrator",
  userDisabled: "user disabled",
  passwordChanged: "password changed",
  passwordSet: "password set by an administrator",
  passwordReset: "password reset",
} as const;

/**
 * Revokes every live session of the user (but `keepSessionId`) in the caller's transaction and,
 * when there was one, reports them in one `session.revoked` with `sessionId` null and their
 * `count`, as an administrator's revoke-all does. Returns the count.
 */
export async function revokeAllSessions(
  tx: TransactionContext,
  userId: string,
  reason: (typeof REVOKED_ALL)[keyof typeof REVOKED_ALL],
  keepSessionId: string | null = null,
): Promise<number> {
  const count = await tx.store.sessions.revokeAllOfUser(userId, tx.now(), keepSessionId);
  if (count > 0) await emit(tx, "session.revoked", { sessionId: null, userId, clientId: null, reason, count });
  return count;
}

/** The user's live sessions, newest first. */
export const listSessions = (ctx: CoreContext, userId: string): Promise<SessionRecord[]> =>
  ctx.store.sessions.listLive(userId, ctx.now());

/** Revokes one of the user's own sessions; someone else's, or an unknown id, is `not_found`. */
export async function revokeOwnSession(
  ctx: CoreContext,
  userId: string,
  sessionId: string,
  ip: string | null = null,
): Promise<void> {
  const session = await ctx.store.sessions.findActive(sessionId);
  if (!session || session.userId !== userId) throw new AuthError("not_found", "no such session");
  await revokeSession(ctx, session, "revoked by its user", ip);
}
