import type { Kysely } from "kysely";
import type { AdminRepository, ProfileChanges } from "../../core/admin/ports.js";
import type { Database } from "./database.js";
import { queryAudit, queryAuditAfter, stats } from "./admin-reads.js";
import { toSession } from "./sessions.js";
import { searchUsers } from "./user-search.js";
import { asUniqueViolation, toRole, toUser } from "./users.js";

/** The `users` columns a profile change sets. */
function profileColumns(changes: ProfileChanges, at: number) {
  return {
    updated_at: at,
    ...(changes.email !== undefined ? { email: changes.email, email_canonical: changes.emailCanonical ?? null } : {}),
    ...(changes.emailVerified !== undefined ? { email_verified: changes.emailVerified ? 1 : 0 } : {}),
    ...(changes.phone !== undefined ? { phone: changes.phone } : {}),
    ...(changes.displayName !== undefined ? { display_name: changes.displayName } : {}),
    ...(changes.attributes !== undefined ? { attributes: JSON.stringify(changes.attributes) } : {}),
    ...(changes.status !== undefined ? { status: changes.status } : {}),
  };
}

const changed = (result: { numDeletedRows?: bigint; numUpdatedRows?: bigint }) =>
  Number(result.numDeletedRows ?? result.numUpdatedRows ?? 0) > 0;

export function createAdminRepository(db: Kysely<Database>): AdminRepository {
  const listNamed = async (table: "roles" | "permissions") =>
    (await db.selectFrom(table).selectAll().orderBy("id").execute()).map(toRole);
  return {
    searchUsers: (filter, afterSeq, limit) => searchUsers(db, filter, afterSeq, limit),
    async updateProfile(id, changes, at) {
      try {
        const row = await db
          .updateTable("users")
          .set(profileColumns(changes, at))
          .where("id", "=", id)
          .returningAll()
          .executeTakeFirst();
        return row ? toUser(row) : null;
      } catch (error) {
        throw asUniqueViolation(error) ?? error;
      }
    },
    async removeRole(userId, roleId) {
      return changed(
        await db.deleteFrom("user_roles").where("user_id", "=", userId).where("role_id", "=", roleId).executeTakeFirst(),
      );
    },
    listRoles: () => listNamed("roles"),
    listPermissions: () => listNamed("permissions"),
    async permissionsOfRole(roleId) {
      const rows = await db
        .selectFrom("permissions")
        .innerJoin("role_permissions", "role_permissions.permission_id", "permissions.id")
        .select(["permissions.id", "permissions.name", "permissions.description"])
        .where("role_permissions.role_id", "=", roleId)
        .orderBy("permissions.id")
        .execute();
      return rows.map(toRole);
    },
    async setRoleDescription(roleId, description) {
      return changed(await db.updateTable("roles").set({ description }).where("id", "=", roleId).executeTakeFirst());
    },
    async deleteRole(roleId) {
      return changed(await db.deleteFrom("roles").where("id", "=", roleId).executeTakeFirst());
    },
    async deletePermission(permissionId) {
      return changed(await db.deleteFrom("permissions").where("id", "=", permissionId).executeTakeFirst());
    },
    async revokePermission(roleId, permissionId) {
      const result = await db
        .deleteFrom("role_permissions")
        .where("role_id", "=", roleId)
        .where("permission_id", "=", permissionId)
        .executeTakeFirst();
      return changed(result);
    },
    async deleteClient(id) {
      return changed(await db.deleteFrom("oauth_clients").where("id", "=", id).executeTakeFirst());
    },
    async revokeSessionsOfClient(clientId, at) {
      const result = await db
        .updateTable("sessions")
        .set({ revoked_at: at })
        .where("client_id", "=", clientId)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async setClientSecret(id, secretHash) {
      const result = await db
        .updateTable("oauth_clients")
        .set({ secret_hash: secretHash })
        .where("id", "=", id)
        .where("secret_hash", "is not", null)
        .executeTakeFirst();
      return changed(result);
    },
    async findSession(id) {
      const row = await db.selectFrom("sessions").selectAll().where("id", "=", id).executeTakeFirst();
      return row ? toSession(row) : null;
    },
    queryAudit: (filter, beforeId, limit) => queryAudit(db, filter, beforeId, limit),
    queryAuditAfter: (filter, afterId, limit) => queryAuditAfter(db, filter, afterId, limit),
    stats: (now) => stats(db, now),
  };
}
