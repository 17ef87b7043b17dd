import { type Kysely, sql } from "kysely";

/**
 * Frozen in time: takes `Kysely<any>` and imports no application code. Serves SQLite and
 * PostgreSQL alike. Times are epoch milliseconds in `bigint` columns.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are deliberately untyped
type Db = Kysely<any>;

const isPostgres = (db: Db): boolean => db.getExecutor().adapter.constructor.name === "PostgresAdapter";

/** An auto-incrementing integer primary key in either database. */
const serialKey = (db: Db) => (isPostgres(db) ? sql`bigserial primary key` : sql`integer primary key autoincrement`);

export async function up(db: Db): Promise<void> {
  await db.schema
    .createTable("users")
    .addColumn("seq", serialKey(db))
    .addColumn("id", "text", (c) => c.notNull().unique())
    .addColumn("username", "text", (c) => c.notNull())
    .addColumn("username_canonical", "text", (c) => c.notNull().unique())
    .addColumn("display_name", "text")
    .addColumn("email", "text")
    .addColumn("email_canonical", "text", (c) => c.unique())
    .addColumn("email_verified", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("phone", "text")
    .addColumn("attributes", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("status", "text", (c) => c.notNull().defaultTo("active"))
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addColumn("last_login_at", "bigint")
    .addColumn("failed_logins", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("lockouts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("locked_until", "bigint")
    .execute();

  await db.schema
    .createTable("roles")
    .addColumn("id", serialKey(db))
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("description", "text")
    .execute();

  await db.schema
    .createTable("permissions")
    .addColumn("id", serialKey(db))
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("description", "text")
    .execute();

  await db.schema
    .createTable("user_roles")
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("role_id", "bigint", (c) => c.notNull().references("roles.id").onDelete("cascade"))
    .addPrimaryKeyConstraint("user_roles_pk", ["user_id", "role_id"])
    .execute();

  await db.schema
    .createTable("role_permissions")
    .addColumn("role_id", "bigint", (c) => c.notNull().references("roles.id").onDelete("cascade"))
    .addColumn("permission_id", "bigint", (c) => c.notNull().references("permissions.id").onDelete("cascade"))
    .addPrimaryKeyConstraint("role_permissions_pk", ["role_id", "permission_id"])
    .execute();

  await createSessionTables(db);
  await createServerTables(db);
  await createCodeTables(db);

  await db
    .insertInto("roles")
    .values([
      { name: "ADMIN", description: "管理员" },
      { name: "USER", description: "普通用户" },
    ])
    .execute();
}

async function createSessionTables(db: Db): Promise<void> {
  await db.schema
    .createTable("sessions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.references("users.id").onDelete("cascade"))
    .addColumn("client_id", "text")
    .addColumn("scope", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("terminal", "text")
    .addColumn("ip", "text")
    .addColumn("user_agent", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("last_used_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("refresh_until", "bigint", (c) => c.notNull())
    .addColumn("generation", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("revoked_at", "bigint")
    .execute();
  await db.schema.createIndex("sessions_user_idx").on("sessions").columns(["user_id", "terminal"]).execute();

  await db.schema
    .createTable("refresh_tokens")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("session_id", "text", (c) => c.notNull().references("sessions.id").onDelete("cascade"))
    .addColumn("secret_hash", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("used_at", "bigint")
    .execute();
  await db.schema.createIndex("refresh_tokens_session_idx").on("refresh_tokens").column("session_id").execute();
}

async function createServerTables(db: Db): Promise<void> {
  await db.schema
    .createTable("signing_keys")
    .addColumn("kid", "text", (c) => c.primaryKey())
    .addColumn("alg", "text", (c) => c.notNull())
    .addColumn("public_jwk", "text", (c) => c.notNull())
    .addColumn("private_jwk", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("oauth_clients")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("secret_hash", "text")
    .addColumn("grants", "text", (c) => c.notNull())
    .addColumn("scopes", "text", (c) => c.notNull())
    .addColumn("access_token_ttl", "integer")
    .addColumn("refresh_token_ttl", "integer")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("server_secrets")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("audit_events")
    .addColumn("id", serialKey(db))
    .addColumn("at", "bigint", (c) => c.notNull())
    .addColumn("event", "text", (c) => c.notNull())
    .addColumn("outcome", "text", (c) => c.notNull())
    .addColumn("user_id", "text")
    .addColumn("client_id", "text")
    .addColumn("ip", "text")
    .addColumn("detail", "text")
    .execute();
}

async function createCodeTables(db: Db): Promise<void> {
  await db.schema
    .createTable("verification_codes")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("purpose", "text", (c) => c.notNull())
    .addColumn("target", "text", (c) => c.notNull())
    .addColumn("code_hash", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("sent_at", "bigint")
    .addColumn("consumed_at", "bigint")
    .addColumn("superseded_at", "bigint")
    .execute();
  await db.schema.createIndex("verification_codes_target_idx").on("verification_codes").columns(["purpose", "target"]).execute();

  await db.schema
    .createTable("code_throttle")
    .addColumn("purpose", "text", (c) => c.notNull())
    .addColumn("target", "text", (c) => c.notNull())
    .addColumn("last_sent_at", "bigint", (c) => c.notNull())
    .addColumn("window_start", "bigint", (c) => c.notNull())
    .addColumn("window_count", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("code_throttle_pk", ["purpose", "target"])
    .execute();
}

export async function down(db: Db): Promise<void> {
  for (const table of [
    "code_throttle",
    "verification_codes",
    "audit_events",
    "server_secrets",
    "oauth_clients",
    "signing_keys",
    "refresh_tokens",
    "sessions",
    "role_permissions",
    "user_roles",
    "permissions",
    "roles",
    "users",
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
