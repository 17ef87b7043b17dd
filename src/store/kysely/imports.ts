import { CompiledQuery, type Expression, type Insertable, type Kysely, type SqlBool, sql } from "kysely";
import { type ImportedUser, type ImportRepository } from "../../core/ports.js";
import type { Database } from "./database.js";
import { revokeAllOfUser } from "./sessions.js";
import { asUniqueViolation, newUserRow } from "./users.js";

/** The statements of `gatehouse import` (src/core/import/), on the database or a transaction. */

/** Rows per INSERT: far below either database's limit on bound parameters (14 a row). */
const ROWS_PER_STATEMENT = 250;

const isPostgres = (db: Kysely<Database>): boolean => db.getExecutor().adapter.constructor.name === "PostgresAdapter";

const userRow = (user: ImportedUser): Insertable<Database["users"]> => ({
  ...(user.seq === null ? {} : { seq: user.seq }),
  ...newUserRow(user, user.updatedAt),
  last_login_at: user.lastLoginAt,
});

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

/**
 * PostgreSQL's identity counter does not follow numbers inserted explicitly: move it to at least
 * `highest` first, so that a registration running meanwhile gets a number above every imported
 * one. `nextval` is atomic, so only a counter still below `highest` is set. (SQLite's
 * AUTOINCREMENT follows the largest number inserted by itself.)
 */
async function keepCounterAhead(db: Kysely<Database>, highest: number): Promise<void> {
  const counter = sql`pg_get_serial_sequence('users', 'seq')`;
  await sql`select case when nextval(${counter}) < ${highest} then setval(${counter}, ${highest}) end`.execute(db);
}

const USER_COLUMNS = [
  "id",
  "username",
  "username_canonical",
  "display_name",
  "email",
  "email_canonical",
  "email_verified",
  "phone",
  "attributes",
  "status",
  "password_hash",
  "created_at",
  "updated_at",
  "last_login_at",
] as const;

const userValues = (user: ImportedUser): unknown[] => [
  user.id,
  user.username,
  user.usernameCanonical,
  user.displayName,
  user.email,
  user.emailCanonical,
  user.emailVerified ? 1 : 0,
  user.phone,
  JSON.stringify(user.attributes),
  user.status,
  user.passwordHash,
  user.createdAt,
  user.updatedAt,
  user.lastLoginAt,
];

/** The SQL of a multi-row INSERT, by table, columns and row count: built once, then reused. */
const insertSql = new Map<string, string>();

/**
 * Runs `insert into table (columns) values (...), (...)` with the rows' values bound. Written
 * out rather than built with Kysely's query builder, whose parsing of every value costs more
 * than SQLite's insert of it; the text is the same on both databases but for the placeholders.
 */
async function insertRows(db: Kysely<Database>, table: string, columns: readonly string[], rows: unknown[][]): Promise<void> {
  const postgres = isPostgres(db);
  const key = `${postgres}:${table}:${columns.join(",")}:${rows.length}`;
  let text = insertSql.get(key);
  if (text === undefined) {
    let index = 0;
    const row = () => `(${columns.map(() => (postgres ? `$${++index}` : "?")).join(", ")})`;
    text = `insert into "${table}" (${columns.map((column) => `"${column}"`).join(", ")}) values ${rows.map(row).join(", ")}`;
    insertSql.set(key, text);
  }
  await db.executeQuery(CompiledQuery.raw(text, rows.flat()));
}

async function insertUserRows(db: Kysely<Database>, users: ImportedUser[]): Promise<void> {
  const numbered = users.filter((user) => user.seq !== null);
  if (numbered.length > 0 && isPostgres(db)) await keepCounterAhead(db, Math.max(...numbered.map((user) => user.seq ?? 0)));
  // Rows with and without a number apart: PostgreSQL needs the column absent, not null, to count.
  const unnumbered = users.filter((user) => user.seq === null);
  for (const part of chunks(numbered, ROWS_PER_STATEMENT)) {
    await insertRows(
      db,
      "users",
      ["seq", ...USER_COLUMNS],
      part.map((user) => [user.seq, ...userValues(user)]),
    );
  }
  for (const part of chunks(unnumbered, ROWS_PER_STATEMENT)) await insertRows(db, "users", USER_COLUMNS, part.map(userValues));
  const grants = users.flatMap((user) => user.roleIds.map((roleId) => [user.id, roleId]));
  for (const part of chunks(grants, ROWS_PER_STATEMENT * 4)) await insertRows(db, "user_roles", ["user_id", "role_id"], part);
}

export function createImportRepository(db: Kysely<Database>): ImportRepository {
  return {
    async findClashes({ ids, seqs, usernames, emails }) {
      if (ids.length + seqs.length + usernames.length + emails.length === 0) return [];
      const rows = await db
        .selectFrom("users")
        .select(["id", "seq", "username_canonical", "email_canonical"])
        .where((eb) => {
          const any: Expression<SqlBool>[] = [];
          if (ids.length > 0) any.push(eb("id", "in", ids));
          if (seqs.length > 0) any.push(eb("seq", "in", seqs));
          if (usernames.length > 0) any.push(eb("username_canonical", "in", usernames));
          if (emails.length > 0) any.push(eb("email_canonical", "in", emails));
          return eb.or(any);
        })
        .execute();
      return rows.map((row) => ({
        id: row.id,
        seq: Number(row.seq),
        usernameCanonical: row.username_canonical,
        emailCanonical: row.email_canonical,
      }));
    },
    async roleIds(names) {
      if (names.length === 0) return new Map();
      const rows = await db.selectFrom("roles").select(["id", "name"]).where("name", "in", names).execute();
      return new Map(rows.map((row) => [row.name, Number(row.id)]));
    },
    async upsertRole(role) {
      const roleId = await upsertNamed(db, "roles", role.name, role.description);
      for (const permission of role.permissions) {
        const permissionId = await upsertNamed(db, "permissions", permission.name, permission.description);
        await db
          .insertInto("role_permissions")
          .values({ role_id: roleId.id, permission_id: permissionId.id })
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      return roleId.created;
    },
    async insertUsers(users) {
      try {
        await insertUserRows(db, users);
      } catch (error) {
        throw asUniqueViolation(error) ?? error;
      }
    },
    async updateUser(user) {
      // Never the id or the number: tokens and other services know the user by them.
      const { id: _id, password_hash, ...columns } = userRow({ ...user, seq: null, passwordHash: user.passwordHash ?? "" });
      try {
        await db
          .updateTable("users")
          .set({ ...columns, ...(user.passwordHash === null ? {} : { password_hash }) })
          .where("id", "=", user.id)
          .execute();
      } catch (error) {
        throw asUniqueViolation(error) ?? error;
      }
      await db.deleteFrom("user_roles").where("user_id", "=", user.id).execute();
      const grants = user.roleIds.map((roleId) => ({ user_id: user.id, role_id: roleId }));
      if (grants.length > 0) await db.insertInto("user_roles").values(grants).execute();
      // A disabled account keeps no session, as when an administrator disables it.
      if (user.status === "disabled") await revokeAllOfUser(db, user.id, user.updatedAt, null);
    },
  };
}

/** A role or permission by name: created, or its description replaced when one is given. */
async function upsertNamed(
  db: Kysely<Database>,
  table: "roles" | "permissions",
  name: string,
  description: string | null,
): Promise<{ id: number; created: boolean }> {
  const existing = await db.selectFrom(table).select("id").where("name", "=", name).executeTakeFirst();
  if (existing) {
    if (description !== null) await db.updateTable(table).set({ description }).where("id", "=", existing.id).execute();
    return { id: Number(existing.id), created: false };
  }
  const row = await db.insertInto(table).values({ name, description }).returning("id").executeTakeFirstOrThrow();
  return { id: Number(row.id), created: true };
}
