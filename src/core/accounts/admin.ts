import type { UserRecord } from "../ports.js";
import { audit, type CoreContext, inTransaction } from "../context.js";
import { AuthError } from "../errors.js";
import { BY_CLI } from "../webhooks/catalogue.js";
import { emit } from "../webhooks/outbox.js";
import { REVOKED_ALL, revokeAllSessions } from "../sessions/sessions.js";
import { lookupUsername } from "./identifiers.js";

/** Administrative use cases (CLI and admin API): no password checks, always audited. */

export async function findUserByName(ctx: CoreContext, username: string): Promise<UserRecord> {
  const canonical = lookupUsername(username);
  const user = canonical === null ? null : await ctx.store.users.findByCanonicalName(canonical);
  if (!user) throw new AuthError("user_not_found", username);
  return user;
}

/** Disabling revokes every session at once; enabling does not bring them back. */
export async function setUserEnabled(ctx: CoreContext, username: string, enabled: boolean): Promise<UserRecord> {
  const user = await findUserByName(ctx, username);
  // The status first: a login whose password check is under way either sees it (and opens no
  // session) or, on PostgreSQL, holds the account's row until its session is committed, so
  // that the revocation after it sees that session (see `withRecordedSuccess`).
  await inTransaction(ctx, async (tx) => {
    await tx.store.users.setStatus(user.id, enabled ? "active" : "disabled", ctx.now());
    if (!enabled) await revokeAllSessions(tx, user.id, REVOKED_ALL.userDisabled);
    await audit(tx, { event: enabled ? "user_enabled" : "user_disabled", outcome: "success", userId: user.id });
    await emit(tx, enabled ? "user.enabled" : "user.disabled", { userId: user.id, by: BY_CLI });
  });
  return user;
}

/** Deletes the account with its sessions and tokens (by cascade); the audit trail keeps only the id. */
export async function deleteUser(ctx: CoreContext, username: string): Promise<void> {
  const user = await findUserByName(ctx, username);
  await inTransaction(ctx, async (tx) => {
    if (!(await tx.store.users.delete(user.id))) throw new AuthError("user_not_found", username);
    await audit(tx, { event: "user_deleted", outcome: "success", userId: user.id });
    await emit(tx, "user.deleted", { userId: user.id, by: BY_CLI });
  });
}
