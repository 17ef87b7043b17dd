import type { Kysely } from "kysely";

/**
 * Frozen in time, like 0001. Failed-login counters for names that belong to no account, keyed
 * by a keyed hash of the name (no plaintext), so that an unknown name is counted and locked
 * with the same statements, and the same cost, as an existing account.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are deliberately untyped
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await db.schema
    .createTable("login_throttle")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("failed_logins", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("lockouts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("locked_until", "bigint")
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("login_throttle_updated_idx").on("login_throttle").column("updated_at").execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable("login_throttle").execute();
}
