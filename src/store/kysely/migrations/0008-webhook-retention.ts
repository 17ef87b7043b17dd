import type { Kysely } from "kysely";

/**
 * Frozen in time, like 0001. The housekeeping's purge of settled webhook deliveries
 * (`status in ('delivered', 'failed') and created_at < ?`) as one index range per status. With
 * only `webhook_deliveries_due_idx` (status, next_attempt_at) and `webhook_deliveries_created_idx`
 * (created_at), SQLite, which is never given statistics, takes the first and walks every settled
 * delivery of the retention window at each run, even when none is old enough (PostgreSQL did
 * much the same before its first ANALYZE of the table).
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are deliberately untyped
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await db.schema
    .createIndex("webhook_deliveries_settled_idx")
    .on("webhook_deliveries")
    .columns(["status", "created_at"])
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropIndex("webhook_deliveries_settled_idx").execute();
}
