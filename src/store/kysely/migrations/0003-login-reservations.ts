import type { Kysely } from "kysely";

/**
 * Frozen in time, like 0001. A login attempt holds a reservation on its failure counter (an
 * account's, or an unknown name's) while its password is verified, so that the attempts in
 * flight never outnumber the failures an account has left before it locks. Each reservation
 * ends with its attempt, or expires (a process that died while holding one).
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are deliberately untyped
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await db.schema
    .createTable("login_reservations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("counter_key", "text", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("login_reservations_counter_idx")
    .on("login_reservations")
    .columns(["counter_key", "expires_at"])
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable("login_reservations").execute();
}
