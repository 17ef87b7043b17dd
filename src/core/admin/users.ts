import { MissingReference, UniqueViolation, type RoleRecord, type UserRecord, type UserStatus } from "../ports.js";
import { type CoreContext, inTransaction } from "../context.js";
import { AuthError } from "../errors.js";
import { canonicalEmail, checkAttributes, checkDisplayName, checkPhone } from "../accounts/identifiers.js";
import { hashNewPassword, register } from "../accounts/register.js";
import { type AdminActor, actorName, auditAdmin } from "./authorize.js";
import { emit } from "../webhooks/outbox.js";
import { REVOKED_ALL, revokeAllSessions } from "../sessions/sessions.js";
import { requireRole } from "./roles.js";
import { decodeCursor, fetchPage, type Page } from "./cursor.js";
import type { ProfileChanges } from "./ports.js";

export type UserSearch = {
  query: string | null;
  status: UserStatus | null;
  role: string | null;
  limit: number;
  cursor: string | null;
};

/** Users by number (the order they were created in), filtered, one page at a time. */
export async function searchUsers(ctx: CoreContext, search: UserSearch): Promise<Page<UserRecord>> {
  const afterSeq = decodeCursor("user", search.cursor);
  const role = search.role === null ? null : await requireRole(ctx, search.role);
  // The stored forms are NFKC and lower case: so is the prefix looked for.
  const prefix = search.query ? search.query.normalize("NFKC").toLowerCase() : null;
  const filter = { prefix, status: search.status, roleId: role?.id ?? null };
  return fetchPage(
    "user",
    search.limit,
    (limit) => ctx.store.admin.searchUsers(filter, afterSeq, limit),
    (user) => user.seq,
  );
}

export async function requireUser(ctx: CoreContext, id: string): Promise<UserRecord> {
  const user = id.length <= 64 ? await ctx.store.users.findById(id) : null;
  if (!user) throw new AuthError("user_not_found", id);
  return user;
}

export type UserDetail = { user: UserRecord; roles: RoleRecord[] };

export async function userDetail(ctx: CoreContext, id: string): Promise<UserDetail> {
  const user = await requireUser(ctx, id);
  return { user, roles: await ctx.store.rbac.rolesOf(user.id) };
}

export type NewAccount = {
  username: string;
  email: string | null;
  password: string | null;
  displayName: string | null;
  phone: string | null;
  roles: string[];
  status: UserStatus;
};

/** Creates an account under the registration rules; named roles must exist. */
export async function createUser(ctx: CoreContext, actor: AdminActor, input: NewAccount): Promise<UserDetail> {
  for (const role of input.roles) await requireRole(ctx, role);
  const user = await register(ctx, {
    ...input,
    phone: checkPhone(input.phone),
    auditAs: { event: "user_created", actor: actorName(actor), ip: actor.ip },
  });
  return userDetail(ctx, user.id);
}

export type UserChanges = Omit<ProfileChanges, "emailCanonical">;

/** The changes checked and in stored form (the canonical address beside the address). */
function checkedChanges(changes: UserChanges): ProfileChanges {
  const checked: ProfileChanges = { ...changes };
  if (changes.email !== undefined) {
    checked.email = changes.email === "" ? null : changes.email;
    checked.emailCanonical = checked.email === null ? null : canonicalEmail(checked.email);
  }
  if (changes.displayName !== undefined) checked.displayName = checkDisplayName(changes.displayName);
  if (changes.phone !== undefined) checked.phone = checkPhone(changes.phone);
  if (changes.attributes !== undefined) checked.attributes = checkAttributes(changes.attributes);
  return checked;
}

/**
 * Changes a profile; `status: "disabled"` revokes every session of the user in the same
 * transaction, so no token of theirs is accepted once the answer is sent.
 */
export async function updateUser(ctx: CoreContext, actor: AdminActor, id: string, changes: UserChanges): Promise<UserDetail> {
  const before = await requireUser(ctx, id);
  const checked = checkedChanges(changes);
  try {
    await inTransaction(ctx, async (tx) => {
      const user = await tx.store.admin.updateProfile(id, checked, ctx.now());
      if (!user) throw new AuthError("user_not_found", id);
      if (checked.status === "disabled") await revokeAllSessions(tx, id, REVOKED_ALL.userDisabled);
      const fields = Object.keys(changes).sort().join(",");
      await auditAdmin(tx, actor, { event: "user_updated", userId: id, detail: fields });
      await emit(tx, "user.updated", { userId: id, fields: Object.keys(changes).sort(), by: actorName(actor) });
      // A change of status is an event of its own, as on the command line.
      if (checked.status && checked.status !== before.status) {
        await auditAdmin(tx, actor, { event: `user_${checked.status === "active" ? "enabled" : "disabled"}`, userId: id });
        await emit(tx, checked.status === "active" ? "user.enabled" : "user.disabled", { userId: id, by: actorName(actor) });
      }
    });
  } catch (error) {
    if (error instanceof UniqueViolation) throw new AuthError("email_taken");
    throw error;
  }
  return userDetail(ctx, id);
}

/** Deletes the account with its sessions and tokens (by cascade); the audit trail keeps the id. */
export async function deleteUserById(ctx: CoreContext, actor: AdminActor, id: string): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    if (id.length > 64 || !(await tx.store.users.delete(id))) throw new AuthError("user_not_found", id);
    await auditAdmin(tx, actor, { event: "user_deleted", userId: id });
    await emit(tx, "user.deleted", { userId: id, by: actorName(actor) });
  });
}

/** Gives the user a role (nothing changes if they hold it); a role or user deleted meanwhile is a conflict. */
export async function addRole(ctx: CoreContext, actor: AdminActor, id: string, roleName: string): Promise<void> {
  const [user, role] = [await requireUser(ctx, id), await requireRole(ctx, roleName)];
  try {
    await inTransaction(ctx, async (tx) => {
      await tx.store.rbac.assignRole(user.id, role.id);
      await auditAdmin(tx, actor, { event: "user_role_added", userId: user.id, detail: role.name });
    });
  } catch (error) {
    if (error instanceof MissingReference) throw new AuthError("conflict", "the user or the role was deleted meanwhile");
    throw error;
  }
}

export async function removeRole(ctx: CoreContext, actor: AdminActor, id: string, roleName: string): Promise<void> {
  const [user, role] = [await requireUser(ctx, id), await requireRole(ctx, roleName)];
  await inTransaction(ctx, async (tx) => {
    if (!(await tx.store.admin.removeRole(user.id, role.id))) throw new AuthError("not_found", "the user does not hold the role");
    await auditAdmin(tx, actor, { event: "user_role_removed", userId: user.id, detail: role.name });
  });
}

/** Sets a password under the policy; every session of the user is revoked with it. */
export async function setPassword(ctx: CoreContext, actor: AdminActor, id: string, password: string): Promise<void> {
  const user = await requireUser(ctx, id);
  const hash = await hashNewPassword(ctx, password, user.username);
  await inTransaction(ctx, async (tx) => {
    await tx.store.users.setPasswordHash(user.id, hash, ctx.now());
    await revokeAllSessions(tx, user.id, REVOKED_ALL.passwordSet);
    await auditAdmin(tx, actor, { event: "password_set", userId: user.id });
    await emit(tx, "user.password_changed", { userId: user.id, by: actorName(actor), reason: "set" });
  });
}
