import type { Kysely } from "kysely";

/**
 * Frozen in time, like 0001. Tokens an original server issued before the cutover, by the
 * source that issued them and their `jti`: the Gatehouse session opened for one, and whether it
 * was logged out. A row matters only until the old token's own expiry (`expires_at`), after
 * which housekeeping deletes it.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are deliberately untyped
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await db.schema
    .createTable("legacy_tokens")
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("jti", "text", (c) => c.notNull())
    .addColumn("session_id", "text")
    .addColumn("denied_at", "bigint")
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("legacy_tokens_pk", ["source", "jti"])
    .execute();
  await db.schema.createIndex("legacy_tokens_expires_idx").on("legacy_tokens").column("expires_at").execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable("legacy_tokens").execute();
}
