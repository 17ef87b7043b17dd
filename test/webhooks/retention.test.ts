// test-databases: each
// Webhook retention: the housekeeping deletes settled (delivered, failed) deliveries older than
// `WEBHOOK_RETENTION_DAYS` in bounded batches, keeps pending ones however old (a replay requeues
// old events) and recent ones, and finds the old settled ones by an index.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { WEBHOOK_PURGE_BATCH } from "../../src/core/housekeeping.js";
import { queryDatabase, testDatabase, writeDatabase } from "../helpers/database.js";
import { startServer, type TestServer } from "../helpers/server.js";

const DAY_MS = 86_400_000;
const RETENTION_DAYS = 3;
/** Far enough ahead that no dispatcher touches the pending rows during the test. */
const NEVER = Date.now() + 365 * DAY_MS;

/** Writes `count` deliveries `daysAgo` days old with `status`, in one statement, as an old outbox would hold them. */
function insertDeliveries(gh: TestServer, endpointId: string, count: number, daysAgo: number, status: string) {
  const postgres = testDatabase() === "postgres";
  const numbers = postgres
    ? "select generate_series(1, ?::integer) as n"
    : "with recursive numbers(n) as (select 1 union all select n + 1 from numbers where n < ?) select n from numbers";
  const [text, big] = postgres ? ["?::text", "?::bigint"] : ["?", "?"];
  return writeDatabase(
    gh.databaseUrl,
    `insert into webhook_deliveries (message_id, endpoint_id, event_type, payload, created_at, status, next_attempt_at)
     select ${text} || n, ${text}, 'user.created', '{}', ${big} + n, ${text}, ${big} from (${numbers}) as numbers`,
    [`msg_${status}_${daysAgo}_`, endpointId, Date.now() - daysAgo * DAY_MS, status, NEVER, count],
  );
}

const count = async (gh: TestServer, where: string) =>
  Number(
    (await queryDatabase<{ n: number }>(gh.databaseUrl, `select count(*) as n from webhook_deliveries where ${where}`))[0]?.n,
  );

describe("webhook retention", () => {
  let gh: TestServer;
  let endpointId: string;

  before(async () => {
    gh = await startServer({ WEBHOOK_ALLOW_PRIVATE: "true", WEBHOOK_RETENTION_DAYS: String(RETENTION_DAYS) });
    // Nothing listens there; no row below is due, so no attempt is made.
    endpointId = (await gh.server.core.createWebhook({ url: "http://127.0.0.1:9/hooks", events: ["user.created"] })).endpoint.id;
  });
  after(() => gh.close());

  it("deletes settled deliveries past the retention in bounded batches, keeps pending and recent ones", async () => {
    const oldDelivered = WEBHOOK_PURGE_BATCH + 7;
    assert.equal(await insertDeliveries(gh, endpointId, oldDelivered, RETENTION_DAYS + 1, "delivered"), oldDelivered);
    assert.equal(await insertDeliveries(gh, endpointId, 3, RETENTION_DAYS + 1, "failed"), 3);
    assert.equal(await insertDeliveries(gh, endpointId, 2, RETENTION_DAYS + 30, "pending"), 2);
    assert.equal(await insertDeliveries(gh, endpointId, 4, RETENTION_DAYS - 1, "delivered"), 4);
    assert.equal(await insertDeliveries(gh, endpointId, 5, RETENTION_DAYS - 1, "failed"), 5);
    const cutoff = Date.now() - RETENTION_DAYS * DAY_MS;
    const oldSettled = `status in ('delivered', 'failed') and created_at < ${cutoff}`;

    // One batch is bounded.
    assert.equal(await gh.server.store.housekeeping.purgeWebhookDeliveries(cutoff, WEBHOOK_PURGE_BATCH), WEBHOOK_PURGE_BATCH);
    assert.equal(await count(gh, oldSettled), oldDelivered + 3 - WEBHOOK_PURGE_BATCH);

    const logsBefore = gh.logs.length;
    await gh.server.core.purgeEnded();
    assert.equal(await count(gh, oldSettled), 0, "every settled delivery past the retention is gone");
    assert.equal(await count(gh, "status = 'pending'"), 2, "pending ones stay however old");
    assert.equal(await count(gh, `created_at >= ${cutoff}`), 9, "recent ones stay");
    const logged = gh.logs
      .slice(logsBefore)
      .map((line) => JSON.parse(line))
      .find((entry) => entry.msg === "housekeeping");
    assert.equal(logged?.deleted?.webhookDeliveries, oldDelivered + 3 - WEBHOOK_PURGE_BATCH);

    // A run with nothing left to delete deletes nothing.
    await gh.server.core.purgeEnded();
    assert.equal(await count(gh, "1 = 1"), 11);
  });

  it("an index on (status, created_at) serves the purge", async () => {
    const postgres = testDatabase() === "postgres";
    const indexes = await queryDatabase<{ definition: string }>(
      gh.databaseUrl,
      postgres
        ? "select indexdef as definition from pg_indexes where indexname = 'webhook_deliveries_settled_idx'"
        : "select sql as definition from sqlite_master where name = 'webhook_deliveries_settled_idx'",
    );
    assert.match(indexes[0]?.definition ?? "", /\(\s*"?status"?\s*,\s*"?created_at"?\s*\)/);
    if (postgres) return; // PostgreSQL's choice depends on its statistics; SQLite, never given any, must take it.
    const plan = await queryDatabase<{ detail: string }>(
      gh.databaseUrl,
      "explain query plan select id from webhook_deliveries where status in ('delivered', 'failed') and created_at < ? limit ?",
      [Date.now(), WEBHOOK_PURGE_BATCH],
    );
    assert.match(plan.map((step) => step.detail).join("\n"), /USING COVERING INDEX webhook_deliveries_settled_idx/);
  });
});
