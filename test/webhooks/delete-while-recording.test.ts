// test-databases: postgres
// Deleting an endpoint while a dispatcher records an attempt of one of its deliveries: the
// dispatcher locks the delivery, then the endpoint (its health counters); the deletion takes
// them in the same order, so the two wait for each other in turn instead of deadlocking.
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { queryDatabase } from "../helpers/database.js";
import { cli, PASSWORD } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";

describe("webhooks: deleting an endpoint while an attempt is being recorded", () => {
  let gh: TestServer;
  before(async () => {
    gh = await startServer({ WEBHOOK_ALLOW_PRIVATE: "true" });
  });
  after(() => gh.close());

  it("waits for the attempt's transaction, then deletes the endpoint and its deliveries", async () => {
    const created = await cli(gh, ["webhook", "create", "--url", "http://127.0.0.1:9/hook", "--events", "user.created"]);
    const id = /created webhook endpoint (ep_[0-9a-f]+)/.exec(created.stdout)?.[1] ?? "";
    await gh.server.core.register({ username: "held", password: PASSWORD });

    const recorder = new pg.Client({ connectionString: gh.databaseUrl });
    await recorder.connect();
    try {
      // What the dispatcher's record of an attempt does, held open: the delivery, then the endpoint.
      await recorder.query("begin");
      const held = await recorder.query("update webhook_deliveries set last_error = 'held' where endpoint_id = $1", [id]);
      assert.equal(held.rowCount, 1);
      const deleting = gh.server.core.deleteWebhook(id);
      await sleep(300);
      await recorder.query("update webhook_endpoints set consecutive_failures = consecutive_failures + 1 where id = $1", [id]);
      await recorder.query("commit");
      await deleting;
    } finally {
      await recorder.end();
    }
    const left = async (table: string, column: string) =>
      (await queryDatabase(gh.databaseUrl, `select 1 from ${table} where ${column} = ?`, [id])).length;
    assert.equal(await left("webhook_endpoints", "id"), 0);
    assert.equal(await left("webhook_deliveries", "endpoint_id"), 0);
  });
});
