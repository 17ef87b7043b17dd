import { audit, type CoreContext, inTransaction, type RequestMeta } from "../context.js";
import { checkNewPassword } from "../passwords/policy.js";
import { BY_SELF } from "../webhooks/catalogue.js";
import { emit } from "../webhooks/outbox.js";
import { REVOKED_ALL, revokeAllSessions } from "../sessions/sessions.js";
import { verifyCredentials } from "./authenticate.js";

export type PasswordChange = {
  username: string;
  currentPassword: string;
  newPassword: string;
  /** The caller's own session, kept alive when the change comes from inside one. */
  keepSessionId?: string | null;
  meta: RequestMeta;
};

/**
 * Changes a password after checking the current one (a wrong one is a failed login). The new
 * password passes the same policy as at registration; the new hash and the revocation of every
 * other session are one transaction.
 */
export async function changePassword(ctx: CoreContext, input: PasswordChange): Promise<void> {
  const user = await verifyCredentials(ctx, input.username, input.currentPassword, input.meta);
  const password = checkNewPassword(input.newPassword, ctx.settings.passwordPolicy, {
    username: user.username,
    serviceName: ctx.settings.serviceName,
  });
  const hash = await ctx.hasher.hash(password);
  await inTransaction(ctx, async (tx) => {
    await tx.store.users.setPasswordHash(user.id, hash, ctx.now());
    await revokeAllSessions(tx, user.id, REVOKED_ALL.passwordChanged, input.keepSessionId ?? null);
    await audit(tx, { event: "password_changed", outcome: "success", userId: user.id, ip: input.meta.ip });
    await emit(tx, "user.password_changed", { userId: user.id, by: BY_SELF, reason: "changed" });
  });
}

/**
 * Deletes the caller's own account after checking its password: credentials, personal data,
 * sessions and tokens go (by cascade); the audit trail keeps only the opaque user id.
 */
export async function deleteAccount(ctx: CoreContext, username: string, password: string, meta: RequestMeta): Promise<void> {
  const user = await verifyCredentials(ctx, username, password, meta);
  await inTransaction(ctx, async (tx) => {
    await tx.store.users.delete(user.id);
    await audit(tx, { event: "account_deleted", outcome: "success", userId: user.id, ip: meta.ip });
    await emit(tx, "user.deleted", { userId: user.id, by: BY_SELF });
  });
}
