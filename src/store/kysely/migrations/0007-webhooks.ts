import { type Kysely, sql } from "kysely";

/**
 * Frozen in time, like 0001. Webhooks: the endpoints (their signing secret encrypted with a
 * server key), the event types each is subscribed to (one row a type, so that an event's
 * fan-out is one indexed `INSERT ... SELECT`), and the outbox: one delivery per event and
 * endpoint, written in the transaction of the change it reports, claimed by one dispatcher at a
 * time through a lease (`claimed_by`, `claimed_until`).
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are deliberately untyped
type Db = Kysely<any>;

const isPostgres = (db: Db): boolean => db.getExecutor().adapter.constructor.name === "PostgresAdapter";
const serialKey = (db: Db) => (isPostgres(db) ? sql`bigserial primary key` : sql`integer primary key autoincrement`);

export async function up(db: Db): Promise<void> {
  await db.schema
    .createTable("webhook_endpoints")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("secret_box", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("consecutive_failures", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("failing_since", "bigint")
    .addColumn("last_success_at", "bigint")
    .addColumn("last_failure_at", "bigint")
    .execute();
  await db.schema
    .createTable("webhook_subscriptions")
    .addColumn("event_type", "text", (c) => c.notNull())
    .addColumn("endpoint_id", "text", (c) => c.notNull().references("webhook_endpoints.id").onDelete("cascade"))
    .addPrimaryKeyConstraint("webhook_subscriptions_pk", ["event_type", "endpoint_id"])
    .execute();
  await db.schema
    .createTable("webhook_deliveries")
    .addColumn("id", serialKey(db))
    .addColumn("message_id", "text", (c) => c.notNull())
    .addColumn("endpoint_id", "text", (c) => c.notNull().references("webhook_endpoints.id").onDelete("cascade"))
    .addColumn("event_type", "text", (c) => c.notNull())
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "bigint", (c) => c.notNull())
    .addColumn("claimed_by", "text")
    .addColumn("claimed_until", "bigint")
    .addColumn("last_attempt_at", "bigint")
    .addColumn("last_status", "integer")
    .addColumn("last_error", "text")
    .addColumn("recent_attempts", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("delivered_at", "bigint")
    .execute();
  await db.schema
    .createIndex("webhook_deliveries_message_idx")
    .on("webhook_deliveries")
    .columns(["message_id", "endpoint_id"])
    .unique()
    .execute();
  await db.schema
    .createIndex("webhook_deliveries_due_idx")
    .on("webhook_deliveries")
    .columns(["status", "next_attempt_at"])
    .execute();
  await db.schema.createIndex("webhook_deliveries_created_idx").on("webhook_deliveries").column("created_at").execute();
  await db.schema.createIndex("webhook_deliveries_endpoint_idx").on("webhook_deliveries").column("endpoint_id").execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable("webhook_deliveries").execute();
  await db.schema.dropTable("webhook_subscriptions").execute();
  await db.schema.dropTable("webhook_endpoints").execute();
}
