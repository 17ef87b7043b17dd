import { type Kysely, sql } from "kysely";

/**
 * Frozen in time, like 0001. The admin API: its permission, granted to the role `ADMIN`; who
 * made each administrative change (`audit_events.actor`); and the indexes its searches need at a
 * million users: users by status and by role in number order, and by prefix of the canonical
 * username and address (on PostgreSQL in byte order, so a prefix is an index range whatever the
 * database's collation), a user's audit records newest first, and the records of a time span.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are deliberately untyped
type Db = Kysely<any>;

const isPostgres = (db: Db): boolean => db.getExecutor().adapter.constructor.name === "PostgresAdapter";

export async function up(db: Db): Promise<void> {
  await db
    .insertInto("permissions")
    .values({ name: "gatehouse:admin", description: "Administers Gatehouse through the admin API" })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
  await sql`insert into role_permissions (role_id, permission_id)
    select roles.id, permissions.id from roles, permissions
    where roles.name = 'ADMIN' and permissions.name = 'gatehouse:admin'
    on conflict do nothing`.execute(db);
  await db.schema.alterTable("audit_events").addColumn("actor", "text").execute();
  await db.schema.createIndex("users_status_idx").on("users").columns(["status", "seq"]).execute();
  await db.schema.createIndex("user_roles_role_idx").on("user_roles").columns(["role_id", "user_id"]).execute();
  await db.schema.createIndex("audit_events_user_idx").on("audit_events").columns(["user_id", "id"]).execute();
  await db.schema.createIndex("audit_events_at_idx").on("audit_events").column("at").execute();
  if (isPostgres(db)) {
    await sql`create index users_username_prefix_idx on users (username_canonical collate "C")`.execute(db);
    await sql`create index users_email_prefix_idx on users (email_canonical collate "C")`.execute(db);
  }
}

export async function down(db: Db): Promise<void> {
  if (isPostgres(db)) {
    await db.schema.dropIndex("users_email_prefix_idx").execute();
    await db.schema.dropIndex("users_username_prefix_idx").execute();
  }
  for (const index of ["audit_events_at_idx", "audit_events_user_idx", "user_roles_role_idx", "users_status_idx"]) {
    await db.schema.dropIndex(index).execute();
  }
  await db.schema.alterTable("audit_events").dropColumn("actor").execute();
  await db.deleteFrom("permissions").where("name", "=", "gatehouse:admin").execute();
}
