import { audit, type CoreContext, type RequestMeta } from "../context.js";
import { checkNewPassword } from "../passwords/policy.js";
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
  await ctx.store.users.changePassword(user.id, hash, ctx.now(), input.keepSessionId ?? null);
  await audit(ctx, { event: "password_changed", outcome: "success", userId: user.id, ip: input.meta.ip });
}

/**
 * Deletes the caller's own account after checking its password: credentials, personal data,
 * sessions and tokens go (by cascade); the audit trail keeps only the opaque user id.
 */
export async function deleteAccount(ctx: CoreContext, username: string, password: string, meta: RequestMeta): Promise<void> {
  const user = await verifyCredentials(ctx, username, password, meta);
  await ctx.store.users.delete(user.id);
  await audit(ctx, { event: "account_deleted", outcome: "success", userId: user.id, ip: meta.ip });
}
