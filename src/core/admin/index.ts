import type { CoreContext } from "../context.js";
import { rotateSigningKey } from "../tokens/rotate-key.js";
import { type AdminActor, actorName, authorizeAdmin } from "./authorize.js";
import {
  clientView,
  createClientAsAdmin,
  deleteClientAsAdmin,
  listClientViews,
  rotateClientSecret,
  updateClientAsAdmin,
} from "./clients.js";
import { adminStats, auditAfter, searchAudit } from "./audit-log.js";
import {
  createPermissionAsAdmin,
  createRoleAsAdmin,
  deletePermission,
  deleteRole,
  grantRolePermission,
  listPermissions,
  listRoles,
  revokeRolePermission,
  roleDetail,
  updateRole,
} from "./roles.js";
import { revokeSessionById, revokeSessionsOfUser, sessionsOfUser } from "./sessions.js";
import { addRole, createUser, deleteUserById, removeRole, searchUsers, setPassword, updateUser, userDetail } from "./users.js";

/** A signing key rotation through the admin API, audited with the admin who asked for it. */
const rotateKeyAsAdmin = (ctx: CoreContext, actor: AdminActor) =>
  rotateSigningKey(ctx, { actor: actorName(actor), ip: actor.ip });

/** The admin API's use cases, bound to the core like every other. */
export const useCases = {
  authorizeAdmin,
  searchUsers,
  userDetail,
  createUser,
  updateUser,
  deleteUserById,
  addRole,
  removeRole,
  setPassword,
  sessionsOfUser,
  revokeSessionsOfUser,
  revokeSessionById,
  listRoles,
  roleDetail,
  createRoleAsAdmin,
  updateRole,
  deleteRole,
  grantRolePermission,
  revokeRolePermission,
  listPermissions,
  createPermissionAsAdmin,
  deletePermission,
  listClientViews,
  clientView,
  createClientAsAdmin,
  updateClientAsAdmin,
  deleteClientAsAdmin,
  rotateClientSecret,
  rotateKeyAsAdmin,
  searchAudit,
  auditAfter,
  adminStats,
};

export { ADMIN_PERMISSION, type AdminActor } from "./authorize.js";
export type { ClientView } from "./clients.js";
export type { AuditRecord } from "./ports.js";
