import { type Kysely, type Selectable } from "kysely";
import {
  MissingReference,
  type NewUser,
  type PermissionRecord,
  type RbacRepository,
  type RoleRecord,
  type TransactionRepositories,
  UniqueViolation,
  type UserRecord,
  type UserStatus,
} from "../../core/ports.js";
import type { Database } from "./database.js";
import { countFailure, liftExpiredLock, peekSlot, takeSlot } from "./login-reservations.js";
import { precompiled } from "./precompiled.js";
import { revokeAllOfUser } from "./sessions.js";

type UserRow = Selectable<Database["users"]>;

export const toUser = (row: UserRow): UserRecord => ({
  id: row.id,
  seq: Number(row.seq),
  username: row.username,
  usernameCanonical: row.username_canonical,
  displayName: row.display_name,
  email: row.email,
  emailVerified: Boolean(Number(row.email_verified)),
  phone: row.phone,
  attributes: JSON.parse(row.attributes) as Record<string, unknown>,
  status: row.status as UserStatus,
  passwordHash: row.password_hash,
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
  lastLoginAt: row.last_login_at === null ? null : Number(row.last_login_at),
  lockouts: Number(row.lockouts),
});

/** Maps a driver's unique-constraint error (SQLite or PostgreSQL) to `UniqueViolation`, naming the column. */
export function asUniqueViolation(error: unknown): UniqueViolation | null {
  const { code, message = "", constraint = "" } = error as { code?: string; message?: string; constraint?: string };
  if (code !== "SQLITE_CONSTRAINT_UNIQUE" && code !== "SQLITE_CONSTRAINT_PRIMARYKEY" && code !== "23505") return null;
  const where = `${message} ${constraint}`;
  if (where.includes("username_canonical")) return new UniqueViolation("username");
  if (where.includes("email_canonical")) return new UniqueViolation("email");
  return new UniqueViolation("other");
}

/** Maps a driver's foreign-key error (a row named by the write is gone) to `MissingReference`. */
export function asMissingReference(error: unknown): MissingReference | null {
  const { code } = error as { code?: string };
  return code === "SQLITE_CONSTRAINT_FOREIGNKEY" || code === "23503" ? new MissingReference() : null;
}

/** Runs an insert whose rows name others that a concurrent delete may have removed. */
async function referencing(insert: () => Promise<unknown>): Promise<void> {
  try {
    await insert();
  } catch (error) {
    throw asMissingReference(error) ?? error;
  }
}

const selectUser = (column: "id" | "username_canonical" | "email_canonical") =>
  precompiled((db, value: string) => db.selectFrom("users").selectAll().where(column, "=", value));
const selectUserBy = {
  id: selectUser("id"),
  username_canonical: selectUser("username_canonical"),
  email_canonical: selectUser("email_canonical"),
};

/** The user repository's methods that run inside their caller's transaction. */
export type UserStatements = TransactionRepositories["users"];

export function createUserRepository(db: Kysely<Database>): UserStatements {
  const byColumn = async (column: keyof typeof selectUserBy, value: string) => {
    const [row] = await selectUserBy[column](db, value);
    return row ? toUser(row) : null;
  };
  return {
    insertInTransaction: (user, roleNames) => insertUser(db, user, roleNames),
    findById: (id) => byColumn("id", id),
    findByCanonicalName: (canonical) => byColumn("username_canonical", canonical),
    findByCanonicalEmail: (canonical) => byColumn("email_canonical", canonical),
    async setStatus(id, status, at) {
      const result = await db.updateTable("users").set({ status, updated_at: at }).where("id", "=", id).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async setPasswordHash(id, hash, at) {
      await db.updateTable("users").set({ password_hash: hash, updated_at: at }).where("id", "=", id).execute();
    },
    async recordLogin(id, at) {
      await db.updateTable("users").set({ last_login_at: at }).where("id", "=", id).execute();
    },
    async admitLoginAttempt(id, now, threshold, reservation) {
      const row = await db
        .updateTable("users")
        .set(liftExpiredLock(now, "users"))
        .where("id", "=", id)
        .returning(["failed_logins", "locked_until"])
        .executeTakeFirst();
      return takeSlot(db, `user:${id}`, row, { threshold, now, reservation });
    },
    async peekLoginAttempt(id, now, threshold) {
      const row = await db.selectFrom("users").select(["failed_logins", "locked_until"]).where("id", "=", id).executeTakeFirst();
      return peekSlot(db, `user:${id}`, row, { threshold, now });
    },
    async recordLoginFailure(id, now, threshold, lockMs) {
      const row = await db
        .updateTable("users")
        .set(countFailure(now, threshold, lockMs))
        .where("id", "=", id)
        .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", now)]))
        .returning("locked_until")
        .executeTakeFirst();
      return row !== undefined && row.locked_until !== null;
    },
    async clearLoginFailures(id) {
      const result = await db
        .updateTable("users")
        .set({ failed_logins: 0, lockouts: 0, locked_until: null })
        .where("id", "=", id)
        .where("status", "=", "active")
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async delete(id) {
      const result = await db.deleteFrom("users").where("id", "=", id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

/** The `users` row of a new user, but for its number (the database's next one unless set). */
export const newUserRow = (user: NewUser, updatedAt: number) => ({
  id: user.id,
  username: user.username,
  username_canonical: user.usernameCanonical,
  display_name: user.displayName,
  email: user.email,
  email_canonical: user.emailCanonical,
  email_verified: user.emailVerified ? 1 : 0,
  phone: user.phone,
  attributes: JSON.stringify(user.attributes),
  status: user.status,
  password_hash: user.passwordHash,
  created_at: user.createdAt,
  updated_at: updatedAt,
});

/**
 * `UserRepository.insert` on a transaction's connection: the user and its roles. A unique
 * constraint that fails (the database decides which name or address is taken) is a
 * `UniqueViolation`, which undoes the transaction.
 */
export async function insertUser(trx: Kysely<Database>, user: NewUser, roleNames: string[]): Promise<UserRecord> {
  try {
    const row = await trx.insertInto("users").values(newUserRow(user, user.createdAt)).returningAll().executeTakeFirstOrThrow();
    if (roleNames.length > 0) {
      const roles = await trx.selectFrom("roles").select("id").where("name", "in", roleNames).execute();
      if (roles.length > 0) {
        await trx
          .insertInto("user_roles")
          .values(roles.map((role) => ({ user_id: user.id, role_id: role.id })))
          .execute();
      }
    }
    return toUser(row);
  } catch (error) {
    throw asUniqueViolation(error) ?? error;
  }
}

/** `UserRepository.changePassword` on a transaction's connection. */
export async function changePassword(
  trx: Kysely<Database>,
  id: string,
  hash: string,
  at: number,
  keepSessionId: string | null,
): Promise<void> {
  await trx.updateTable("users").set({ password_hash: hash, updated_at: at }).where("id", "=", id).execute();
  await revokeAllOfUser(trx, id, at, keepSessionId);
}

export const toRole = (row: { id: number; name: string; description: string | null }): RoleRecord & PermissionRecord => ({
  id: Number(row.id),
  name: row.name,
  description: row.description,
});

export function createRbacRepository(db: Kysely<Database>): RbacRepository {
  const insertNamed = async (table: "roles" | "permissions", name: string, description: string | null) => {
    try {
      const row = await db.insertInto(table).values({ name, description }).returningAll().executeTakeFirstOrThrow();
      return toRole(row);
    } catch (error) {
      throw asUniqueViolation(error) ?? error;
    }
  };
  const findNamed = async (table: "roles" | "permissions", name: string) => {
    const row = await db.selectFrom(table).selectAll().where("name", "=", name).executeTakeFirst();
    return row ? toRole(row) : null;
  };
  return {
    createRole: (name, description) => insertNamed("roles", name, description),
    createPermission: (name, description) => insertNamed("permissions", name, description),
    findRole: (name) => findNamed("roles", name),
    findPermission: (name) => findNamed("permissions", name),
    async grantPermission(roleId, permissionId) {
      await referencing(() =>
        db
          .insertInto("role_permissions")
          .values({ role_id: roleId, permission_id: permissionId })
          .onConflict((oc) => oc.doNothing())
          .execute(),
      );
    },
    async assignRole(userId, roleId) {
      await referencing(() =>
        db
          .insertInto("user_roles")
          .values({ user_id: userId, role_id: roleId })
          .onConflict((oc) => oc.doNothing())
          .execute(),
      );
    },
    async rolesOf(userId) {
      const rows = await db
        .selectFrom("roles")
        .innerJoin("user_roles", "user_roles.role_id", "roles.id")
        .select(["roles.id", "roles.name", "roles.description"])
        .where("user_roles.user_id", "=", userId)
        .orderBy("roles.id")
        .execute();
      return rows.map(toRole);
    },
    async permissionsOf(userId) {
      const rows = await db
        .selectFrom("permissions")
        .innerJoin("role_permissions", "role_permissions.permission_id", "permissions.id")
        .innerJoin("user_roles", "user_roles.role_id", "role_permissions.role_id")
        .select(["permissions.id", "permissions.name", "permissions.description"])
        .where("user_roles.user_id", "=", userId)
        .distinct()
        .orderBy("permissions.id")
        .execute();
      return rows.map(toRole);
    },
  };
}
