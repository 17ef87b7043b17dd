import { randomUUID } from "node:crypto";
import type { ActiveSession, SessionRecord, UserRecord } from "../../store/ports.js";
import { audit, type CoreContext, type RequestMeta } from "../context.js";

export type StartSession = {
  user: UserRecord;
  clientId: string | null;
  scope: string;
  terminal: string | null;
  ttlSeconds: number;
  meta: RequestMeta;
};

const clip = (value: string | null, max: number) => (value === null ? null : value.slice(0, max));

/** One login is one session; its tokens carry its id, so revoking it kills them all. */
export async function startSession(ctx: CoreContext, input: StartSession): Promise<SessionRecord> {
  const now = ctx.now();
  const session: SessionRecord = {
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
    revokedAt: null,
  };
  await ctx.store.sessions.insert(session);
  return session;
}

/** A session that is not revoked, not expired and whose user is active; otherwise `null`. */
export async function liveSession(ctx: CoreContext, sessionId: string): Promise<ActiveSession | null> {
  const session = await ctx.store.sessions.findActive(sessionId);
  if (session?.userStatus !== "active" || session.expiresAt <= ctx.now()) return null;
  return session;
}

export async function revokeSession(ctx: CoreContext, session: SessionRecord, reason: string): Promise<void> {
  if (await ctx.store.sessions.revoke(session.id, ctx.now())) {
    await audit(ctx, {
      event: "session_revoked",
      outcome: "success",
      userId: session.userId,
      clientId: session.clientId,
      detail: reason,
    });
  }
}
