import type { UserRecord } from "../../store/ports.js";
import { audit, type CoreContext } from "../context.js";
import { AuthError } from "../errors.js";
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
  await ctx.store.users.setStatus(user.id, enabled ? "active" : "disabled", ctx.now());
  if (!enabled) await ctx.store.sessions.revokeAllOfUser(user.id, ctx.now());
  await audit(ctx, { event: enabled ? "user_enabled" : "user_disabled", outcome: "success", userId: user.id });
  return user;
}

/** Deletes the account with its sessions and tokens (by cascade); the audit trail keeps only the id. */
export async function deleteUser(ctx: CoreContext, username: string): Promise<void> {
  const user = await findUserByName(ctx, username);
  await ctx.store.users.delete(user.id);
  await audit(ctx, { event: "user_deleted", outcome: "success", userId: user.id });
}
