import type { SessionRecord } from "../ports.js";
import { type CoreContext, inTransaction } from "../context.js";
import { AuthError } from "../errors.js";
import { type AdminActor, auditAdmin } from "./authorize.js";
import { requireUser } from "./users.js";
import { emit } from "../webhooks/outbox.js";
import { REVOKED_ALL, revokeAllSessions } from "../sessions/sessions.js";

/** The user's live sessions, newest first. */
export async function sessionsOfUser(ctx: CoreContext, id: string): Promise<SessionRecord[]> {
  const user = await requireUser(ctx, id);
  return ctx.store.sessions.listLive(user.id, ctx.now());
}

/** Revokes every session of the user at once (and with them every token). */
export async function revokeSessionsOfUser(ctx: CoreContext, actor: AdminActor, id: string): Promise<number> {
  const user = await requireUser(ctx, id);
  return inTransaction(ctx, async (tx) => {
    const count = await revokeAllSessions(tx, user.id, REVOKED_ALL.byAdministrator);
    await auditAdmin(tx, actor, { event: "sessions_revoked", userId: user.id, detail: String(count) });
    return count;
  });
}

/** Revokes one session, whoever's; an unknown or already revoked one is `not_found`. */
export async function revokeSessionById(ctx: CoreContext, actor: AdminActor, sessionId: string): Promise<void> {
  const session = sessionId.length <= 64 ? await ctx.store.admin.findSession(sessionId) : null;
  if (!session) throw new AuthError("not_found", "no such session");
  await inTransaction(ctx, async (tx) => {
    if (!(await tx.store.sessions.revoke(session.id, ctx.now())))
      throw new AuthError("not_found", "the session was already revoked");
    await auditAdmin(tx, actor, {
      event: "session_revoked",
      userId: session.userId,
      clientId: session.clientId,
      detail: "revoked by an administrator",
    });
    const { userId, clientId } = session;
    await emit(tx, "session.revoked", {
      sessionId: session.id,
      userId,
      clientId,
      reason: REVOKED_ALL.byAdministrator,
      count: 1,
    });
  });
}
