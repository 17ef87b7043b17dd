// test-databases: postgres
// `audit tail --follow` on PostgreSQL, where a record's number is taken when it is written and
// the record shows when its transaction commits: a record numbered below one already printed,
// whose transaction commits later, is still printed, once.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { spawnCli } from "../helpers/cli.js";
import { type Client, createClient, createUser, passwordGrant } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";

describe("audit tail --follow on PostgreSQL", () => {
  let gh: TestServer;
  let client: Client;

  before(async () => {
    gh = await startServer();
    client = await createClient(gh, "follow-app");
    await createUser(gh, "mei");
  });
  after(() => gh.close());

  it("prints a record whose transaction commits after a later-numbered one was printed", async () => {
    const running = spawnCli(["audit", "tail", "--follow", "--json"], gh.env);
    const writer = new pg.Client({ connectionString: gh.databaseUrl });
    await writer.connect();
    try {
      await running.waitFor(/"event":"register"/);
      await writer.query("begin");
      const inserted = await writer.query<{ id: string }>(
        "insert into audit_events (at, event, outcome, detail) values ($1, 'login', 'success', 'late-commit') returning id",
        [Date.now()],
      );
      const lateId = Number(inserted.rows[0]?.id);

      const refused = await passwordGrant(gh, client, "mei", "not her password 123");
      assert.equal(refused.status, 400, refused.text);
      const printed = await running.waitFor(/"outcome":"failure"/);
      const failure = printed
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line))
        .find((record) => record.outcome === "failure");
      assert.ok(Number(failure.id) > lateId, "the refused login took a later number");

      await writer.query("commit");
      const all = (await running.waitFor(/late-commit/))
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line));
      const ids = all.map((record) => record.id);
      assert.equal(new Set(ids).size, ids.length, "no record printed twice");
      assert.equal(all.at(-1).id, String(lateId));
    } finally {
      await writer.end();
      const ended = await running.stop("SIGINT");
      assert.deepEqual([ended.code, ended.signal], [0, null], ended.stderr);
    }
  });
});
