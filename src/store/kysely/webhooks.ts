import { type Kysely, type Selectable, sql } from "kysely";
import type {
  ClaimedDelivery,
  DeliveryRecord,
  DeliveryStatus,
  WebhookEndpointRecord,
  WebhookRepository,
} from "../../core/webhooks/ports.js";
import type { Database } from "./database.js";

type EndpointRow = Selectable<Database["webhook_endpoints"]>;

const toEndpoint = (row: EndpointRow, events: string[]): WebhookEndpointRecord => ({
  id: row.id,
  url: row.url,
  description: row.description,
  secretBox: row.secret_box,
  events,
  createdAt: Number(row.created_at),
  consecutiveFailures: Number(row.consecutive_failures),
  failingSince: row.failing_since === null ? null : Number(row.failing_since),
  lastSuccessAt: row.last_success_at === null ? null : Number(row.last_success_at),
  lastFailureAt: row.last_failure_at === null ? null : Number(row.last_failure_at),
});

const toDelivery = (row: Selectable<Database["webhook_deliveries"]>): DeliveryRecord => ({
  id: Number(row.id),
  messageId: row.message_id,
  endpointId: row.endpoint_id,
  eventType: row.event_type,
  createdAt: Number(row.created_at),
  status: row.status as DeliveryStatus,
  attempts: Number(row.attempts),
  nextAttemptAt: Number(row.next_attempt_at),
  lastAttemptAt: row.last_attempt_at === null ? null : Number(row.last_attempt_at),
  lastStatus: row.last_status === null ? null : Number(row.last_status),
  lastError: row.last_error,
  deliveredAt: row.delivered_at === null ? null : Number(row.delivered_at),
});

const isPostgres = (db: Kysely<Database>) => db.getExecutor().adapter.constructor.name === "PostgresAdapter";

/** Due: pending, its time come, and no lease running on it. */
const due = (now: number) => sql<boolean>`status = 'pending' and next_attempt_at <= ${now}
  and (claimed_until is null or claimed_until <= ${now})`;

export function createWebhookRepository(db: Kysely<Database>): WebhookRepository {
  const withEvents = async (rows: EndpointRow[]) => {
    if (rows.length === 0) return [];
    const subscriptions = await db
      .selectFrom("webhook_subscriptions")
      .selectAll()
      .where(
        "endpoint_id",
        "in",
        rows.map((row) => row.id),
      )
      .orderBy("event_type")
      .execute();
    return rows.map((row) =>
      toEndpoint(
        row,
        subscriptions.filter((s) => s.endpoint_id === row.id).map((s) => s.event_type),
      ),
    );
  };
  return {
    async insertEndpoint(endpoint) {
      await db
        .insertInto("webhook_endpoints")
        .values({
          id: endpoint.id,
          url: endpoint.url,
          description: endpoint.description,
          secret_box: endpoint.secretBox,
          created_at: endpoint.createdAt,
        })
        .execute();
      await db
        .insertInto("webhook_subscriptions")
        .values(endpoint.events.map((type) => ({ event_type: type, endpoint_id: endpoint.id })))
        .execute();
    },
    async listEndpoints() {
      return withEvents(await db.selectFrom("webhook_endpoints").selectAll().orderBy("created_at").orderBy("id").execute());
    },
    async findEndpoint(id) {
      const [endpoint] = await withEvents(await db.selectFrom("webhook_endpoints").selectAll().where("id", "=", id).execute());
      return endpoint ?? null;
    },
    async deleteEndpoint(id) {
      // Its deliveries first, then the endpoint: the order in which a dispatcher recording an
      // attempt locks them (the delivery, then its endpoint's health). The cascade alone would
      // lock the endpoint first, and the two could deadlock on PostgreSQL.
      await db.deleteFrom("webhook_deliveries").where("endpoint_id", "=", id).execute();
      const result = await db.deleteFrom("webhook_endpoints").where("id", "=", id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async setEndpointSecret(id, secretBox) {
      const result = await db
        .updateTable("webhook_endpoints")
        .set({ secret_box: secretBox })
        .where("id", "=", id)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async enqueue({ messageId, type, payload, at }) {
      // One statement whatever the number of endpoints; none subscribed: no row written.
      const result = await db
        .insertInto("webhook_deliveries")
        .columns(["message_id", "endpoint_id", "event_type", "payload", "created_at", "status", "next_attempt_at"])
        .expression((eb) =>
          eb
            .selectFrom("webhook_subscriptions")
            .select([
              sql.val(messageId).as("message_id"),
              "endpoint_id",
              sql.val(type).as("event_type"),
              sql.val(payload).as("payload"),
              sql.val(at).as("created_at"),
              sql.lit("pending").as("status"),
              sql.val(at).as("next_attempt_at"),
            ])
            .where("event_type", "=", type),
        )
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0);
    },
    async hasDue(now) {
      const row = await db.selectFrom("webhook_deliveries").select("id").where(due(now)).limit(1).executeTakeFirst();
      return row !== undefined;
    },
    async claim(now, leaseMs, claimant, limit) {
      // PostgreSQL: rows another dispatcher is claiming are skipped, not waited for. SQLite: the
      // single statement holds the write lock, so no other process claims meanwhile.
      const lock = isPostgres(db) ? sql`for update skip locked` : sql``;
      const { rows } = await sql<Record<string, unknown>>`
        update webhook_deliveries
        set claimed_by = ${claimant}, claimed_until = ${now + leaseMs}, attempts = attempts + 1
        where id in (select id from webhook_deliveries where ${due(now)} order by next_attempt_at limit ${limit} ${lock})
        returning id, message_id, endpoint_id, event_type, payload, created_at, attempts, recent_attempts,
          (select url from webhook_endpoints e where e.id = endpoint_id) as url,
          (select secret_box from webhook_endpoints e where e.id = endpoint_id) as secret_box`.execute(db);
      return rows.map((row): ClaimedDelivery => ({
        id: Number(row.id),
        messageId: String(row.message_id),
        endpointId: String(row.endpoint_id),
        eventType: String(row.event_type),
        payload: String(row.payload),
        createdAt: Number(row.created_at),
        attempts: Number(row.attempts),
        recentAttempts: String(row.recent_attempts),
        url: String(row.url),
        secretBox: String(row.secret_box),
      }));
    },
    async recordAttempt(deliveryId, claimant, attempt) {
      const status: DeliveryStatus = attempt.delivered ? "delivered" : attempt.nextAttemptAt === null ? "failed" : "pending";
      const updated = await db
        .updateTable("webhook_deliveries")
        .set({
          status,
          claimed_by: null,
          claimed_until: null,
          last_attempt_at: attempt.at,
          last_status: attempt.lastStatus,
          last_error: attempt.lastError,
          recent_attempts: attempt.recentAttempts,
          ...(attempt.nextAttemptAt === null ? {} : { next_attempt_at: attempt.nextAttemptAt }),
          ...(attempt.delivered ? { delivered_at: attempt.at } : {}),
        })
        .where("id", "=", deliveryId)
        .where("claimed_by", "=", claimant)
        .returning("endpoint_id")
        .executeTakeFirst();
      if (!updated) return false;
      const endpoint = db.updateTable("webhook_endpoints").where("id", "=", updated.endpoint_id);
      if (attempt.delivered) {
        await endpoint.set({ consecutive_failures: 0, failing_since: null, last_success_at: attempt.at }).execute();
      } else {
        await endpoint
          .set({
            consecutive_failures: sql`consecutive_failures + 1`,
            last_failure_at: attempt.at,
            failing_since: sql`case when consecutive_failures + 1 >= ${attempt.failingAfter}
              then coalesce(failing_since, ${attempt.at}) else failing_since end`,
          })
          .execute();
      }
      return true;
    },
    async outboxDepth() {
      const row = await db
        .selectFrom("webhook_deliveries")
        .select((eb) => eb.fn.countAll<number>().as("depth"))
        .where("status", "=", "pending")
        .executeTakeFirstOrThrow();
      return Number(row.depth);
    },
    async requeueSince(since, endpointId, now) {
      let query = db
        .updateTable("webhook_deliveries")
        .set({ status: "pending", next_attempt_at: now, claimed_by: null, claimed_until: null, delivered_at: null })
        .where("created_at", ">=", since);
      if (endpointId !== null) query = query.where("endpoint_id", "=", endpointId);
      return Number((await query.executeTakeFirst()).numUpdatedRows);
    },
    async recentDeliveries(endpointId, limit) {
      let query = db.selectFrom("webhook_deliveries").selectAll().orderBy("id", "desc").limit(limit);
      if (endpointId !== null) query = query.where("endpoint_id", "=", endpointId);
      return (await query.execute()).map(toDelivery);
    },
  };
}
