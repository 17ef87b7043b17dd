import { MissingReference, type PermissionRecord, type RoleRecord } from "../ports.js";
import { type CoreContext, inTransaction } from "../context.js";
import { AuthError } from "../errors.js";
import { DEFAULT_ROLE } from "../accounts/register.js";
import { createPermission, createRole } from "../rbac/rbac.js";
import { ADMIN_PERMISSION, type AdminActor, auditAdmin } from "./authorize.js";

export type RoleDetail = RoleRecord & { permissions: PermissionRecord[] };

/** Roles and the permission the server itself relies on: they cannot be deleted. */
const BUILT_IN_ROLES = new Set([DEFAULT_ROLE, "ADMIN"]);

export async function requireRole(ctx: CoreContext, name: string): Promise<RoleRecord> {
  const role = name.length <= 64 ? await ctx.store.rbac.findRole(name) : null;
  if (!role) throw new AuthError("role_not_found", name);
  return role;
}

async function requirePermission(ctx: CoreContext, name: string): Promise<PermissionRecord> {
  const permission = name.length <= 64 ? await ctx.store.rbac.findPermission(name) : null;
  if (!permission) throw new AuthError("permission_not_found", name);
  return permission;
}

const withPermissions = async (ctx: CoreContext, role: RoleRecord): Promise<RoleDetail> => ({
  ...role,
  permissions: await ctx.store.admin.permissionsOfRole(role.id),
});

export async function listRoles(ctx: CoreContext): Promise<RoleDetail[]> {
  const roles = await ctx.store.admin.listRoles();
  return Promise.all(roles.map((role) => withPermissions(ctx, role)));
}

export async function roleDetail(ctx: CoreContext, name: string): Promise<RoleDetail> {
  return withPermissions(ctx, await requireRole(ctx, name));
}

export async function createRoleAsAdmin(ctx: CoreContext, actor: AdminActor, name: string, description: string | null) {
  const role = await inTransaction(ctx, async (tx) => {
    const created = await createRole(tx, name, description);
    await auditAdmin(tx, actor, { event: "role_created", detail: created.name });
    return created;
  });
  return withPermissions(ctx, role);
}

export async function updateRole(ctx: CoreContext, actor: AdminActor, name: string, description: string | null) {
  const role = await requireRole(ctx, name);
  await inTransaction(ctx, async (tx) => {
    if (!(await tx.store.admin.setRoleDescription(role.id, description))) throw new AuthError("role_not_found", name);
    await auditAdmin(tx, actor, { event: "role_updated", detail: role.name });
  });
  return roleDetail(ctx, name);
}

/** Deletes a role; its holders lose it and what it granted (by cascade), at their next request. */
export async function deleteRole(ctx: CoreContext, actor: AdminActor, name: string): Promise<void> {
  if (BUILT_IN_ROLES.has(name)) throw new AuthError("conflict", `${name} is built in and cannot be deleted`);
  const role = await requireRole(ctx, name);
  await inTransaction(ctx, async (tx) => {
    if (!(await tx.store.admin.deleteRole(role.id))) throw new AuthError("role_not_found", name);
    await auditAdmin(tx, actor, { event: "role_deleted", detail: role.name });
  });
}

export async function grantRolePermission(ctx: CoreContext, actor: AdminActor, roleName: string, permissionName: string) {
  const [role, permission] = [await requireRole(ctx, roleName), await requirePermission(ctx, permissionName)];
  try {
    await inTransaction(ctx, async (tx) => {
      await tx.store.rbac.grantPermission(role.id, permission.id);
      await auditAdmin(tx, actor, { event: "permission_granted", detail: `${role.name} ${permission.name}` });
    });
  } catch (error) {
    if (error instanceof MissingReference) throw new AuthError("conflict", "the role or the permission was deleted meanwhile");
    throw error;
  }
}

export async function revokeRolePermission(ctx: CoreContext, actor: AdminActor, roleName: string, permissionName: string) {
  const [role, permission] = [await requireRole(ctx, roleName), await requirePermission(ctx, permissionName)];
  await inTransaction(ctx, async (tx) => {
    if (!(await tx.store.admin.revokePermission(role.id, permission.id))) {
      throw new AuthError("not_found", "the role does not hold the permission");
    }
    await auditAdmin(tx, actor, { event: "permission_revoked", detail: `${role.name} ${permission.name}` });
  });
}

export const listPermissions = (ctx: CoreContext): Promise<PermissionRecord[]> => ctx.store.admin.listPermissions();

export async function createPermissionAsAdmin(ctx: CoreContext, actor: AdminActor, name: string, description: string | null) {
  return inTransaction(ctx, async (tx) => {
    const permission = await createPermission(tx, name, description);
    await auditAdmin(tx, actor, { event: "permission_created", detail: permission.name });
    return permission;
  });
}

export async function deletePermission(ctx: CoreContext, actor: AdminActor, name: string): Promise<void> {
  if (name === ADMIN_PERMISSION) throw new AuthError("conflict", `${name} is built in and cannot be deleted`);
  const permission = await requirePermission(ctx, name);
  await inTransaction(ctx, async (tx) => {
    if (!(await tx.store.admin.deletePermission(permission.id))) throw new AuthError("permission_not_found", name);
    await auditAdmin(tx, actor, { event: "permission_deleted", detail: permission.name });
  });
}
