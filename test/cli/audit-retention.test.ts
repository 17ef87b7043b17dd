// test-databases: each
// Audit retention and archiving: the housekeeping deletes audit records older than
// `AUDIT_RETENTION_DAYS` in bounded batches and keeps the rest (`0` keeps everything), and
// `audit export` writes a window of the log as JSON Lines, oldest first, in the admin API's shape.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AUDIT_PRUNE_BATCH } from "../../src/core/housekeeping.js";
import { runCli } from "../helpers/cli.js";
import { queryDatabase, testDatabase, writeDatabase } from "../helpers/database.js";
import { type Client, cli, createClient, createUser, login, passwordGrant } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";

const DAY_MS = 86_400_000;

/** Writes `count` audit records `daysAgo` days old in one statement, as an old log would hold them. */
function insertOldRecords(gh: TestServer, count: number, daysAgo: number): Promise<number> {
  const at = Date.now() - daysAgo * DAY_MS;
  const postgres = testDatabase() === "postgres";
  const numbers = postgres
    ? "select generate_series(1, ?::integer) as n"
    : "with recursive numbers(n) as (select 1 union all select n + 1 from numbers where n < ?) select n from numbers";
  const start = postgres ? "?::bigint" : "?";
  return writeDatabase(
    gh.databaseUrl,
    `insert into audit_events (at, event, outcome, detail) select ${start} + n, 'login', 'failure', 'old' from (${numbers}) as numbers`,
    [at, count],
  );
}

const countAudit = async (gh: TestServer, where = "1 = 1") =>
  Number((await queryDatabase<{ n: number }>(gh.databaseUrl, `select count(*) as n from audit_events where ${where}`))[0]?.n);

describe("audit retention", () => {
  let gh: TestServer;
  let client: Client;

  before(async () => {
    gh = await startServer({ AUDIT_RETENTION_DAYS: "30" });
    client = await createClient(gh, "retention-app");
    await createUser(gh, "recent");
  });
  after(() => gh.close());

  it("deletes the records past the retention, in batches, and keeps the recent ones", async () => {
    const old = AUDIT_PRUNE_BATCH + 7;
    assert.equal(await insertOldRecords(gh, old, 31), old);
    assert.equal(await insertOldRecords(gh, 5, 29), 5);
    await login(gh, client, "recent");
    const recent = await countAudit(gh, "at > " + String(Date.now() - DAY_MS));
    assert.ok(recent >= 2, "the user's creation and login are recorded");

    // One batch is bounded: the oldest `AUDIT_PRUNE_BATCH` go first.
    const cutoff = Date.now() - 30 * DAY_MS;
    assert.equal(await gh.server.store.housekeeping.pruneAudit(cutoff, AUDIT_PRUNE_BATCH), AUDIT_PRUNE_BATCH);
    assert.equal(await countAudit(gh, `at < ${cutoff}`), 7);

    await gh.server.core.purgeEnded();
    assert.equal(await countAudit(gh, `at < ${cutoff}`), 0, "every record past the retention is gone");
    assert.equal(await countAudit(gh, `at >= ${cutoff} and detail = 'old'`), 5, "records inside the retention stay");
    assert.equal(await countAudit(gh, "at > " + String(Date.now() - DAY_MS)), recent);
  });
});

describe("AUDIT_RETENTION_DAYS=0", () => {
  let gh: TestServer;
  before(async () => {
    gh = await startServer({ AUDIT_RETENTION_DAYS: "0" });
  });
  after(() => gh.close());

  it("keeps every record however old", async () => {
    await insertOldRecords(gh, 3, 5000);
    await gh.server.core.purgeEnded();
    assert.equal(await countAudit(gh, "detail = 'old'"), 3);
  });
});

describe("audit export", () => {
  let gh: TestServer;
  let client: Client;
  let started: number;

  before(async () => {
    gh = await startServer();
    client = await createClient(gh, "export-app");
    await insertOldRecords(gh, 3, 400);
    started = Date.now();
    await createUser(gh, "exported");
    await createUser(gh, "other");
    await login(gh, client, "exported");
    await passwordGrant(gh, client, "exported", "not the password 123");
  });
  after(() => gh.close());

  const exported = async (args: string[]) => {
    const { stdout } = await cli(gh, ["audit", "export", ...args]);
    return stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  };

  it("writes the window as JSON Lines, oldest first, in the admin API's shape", async () => {
    const all = await exported([]);
    assert.equal(all.length, await countAudit(gh));
    const ids = all.map((record) => Number(record.id));
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
      "oldest first",
    );
    assert.deepEqual(Object.keys(all[0]).sort(), [
      "actor",
      "at",
      "client_id",
      "detail",
      "event",
      "id",
      "ip",
      "outcome",
      "user_id",
    ]);

    const since = new Date(started - 1000).toISOString();
    const windowed = await exported(["--since", since]);
    assert.ok(windowed.every((record) => Date.parse(record.at) >= started - 1000));
    assert.equal(windowed.filter((record) => record.detail === "old").length, 0);
    const old = await exported(["--until", "30d"]);
    assert.equal(old.length, 3);
    assert.ok(old.every((record) => record.detail === "old"));
  });

  it("filters by user and event", async () => {
    const logins = await exported(["--user", "exported", "--event", "login"]);
    assert.deepEqual(
      logins.map((record) => record.outcome),
      ["success", "failure"],
    );
    assert.equal(await exported(["--user", "other", "--event", "login"]).then((records) => records.length), 0);
  });

  it("refuses a bad time or an empty window in one line with exit status 2, before opening the database", async () => {
    for (const args of [
      ["--since", "yesterday"],
      ["--since", "2026-13-45"],
      ["--since", "2026-02-01", "--until", "2026-01-01"],
    ]) {
      const result = await runCli(["audit", "export", ...args], gh.env);
      assert.equal(result.code, 2, result.stderr);
      assert.equal(result.stdout, "");
      assert.match(result.stderr.split("\n")[0] ?? "", /^error: --(since|until) must be/);
    }
  });
});
