import type { PermissionRecord, RoleRecord } from "../ports.js";
import { UniqueViolation } from "../ports.js";
import { findUserByName } from "../accounts/admin.js";
import type { CoreContext } from "../context.js";
import { AuthError } from "../errors.js";

export type AccessProfile = { roles: RoleRecord[]; permissions: PermissionRecord[] };

/** The user's roles and the de-duplicated union of their permissions, read fresh. */
export async function accessProfile(ctx: CoreContext, userId: string): Promise<AccessProfile> {
  const [roles, permissions] = await Promise.all([ctx.store.rbac.rolesOf(userId), ctx.store.rbac.permissionsOf(userId)]);
  return { roles, permissions };
}

const NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

async function createNamed<T>(name: string, create: () => Promise<T>): Promise<T> {
  if (!NAME.test(name)) throw new AuthError("invalid_request", "names are 1-64 letters, digits or _ . : -");
  try {
    return await create();
  } catch (error) {
    if (error instanceof UniqueViolation) throw new AuthError("already_exists", name);
    throw error;
  }
}

export const createRole = (ctx: CoreContext, name: string, description: string | null) =>
  createNamed(name, () => ctx.store.rbac.createRole(name, description));

export const createPermission = (ctx: CoreContext, name: string, description: string | null) =>
  createNamed(name, () => ctx.store.rbac.createPermission(name, description));

async function requireRole(ctx: CoreContext, name: string): Promise<RoleRecord> {
  const role = await ctx.store.rbac.findRole(name);
  if (!role) throw new AuthError("role_not_found", name);
  return role;
}

export async function grantPermission(ctx: CoreContext, roleName: string, permissionName: string): Promise<void> {
  const role = await requireRole(ctx, roleName);
  const permission = await ctx.store.rbac.findPermission(permissionName);
  if (!permission) throw new AuthError("permission_not_found", permissionName);
  await ctx.store.rbac.grantPermission(role.id, permission.id);
}

export async function addUserRole(ctx: CoreContext, username: string, roleName: string): Promise<void> {
  const user = await findUserByName(ctx, username);
  const role = await requireRole(ctx, roleName);
  await ctx.store.rbac.assignRole(user.id, role.id);
}
