// test-databases: sqlite
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import type { Database } from "../../src/store/kysely/database.js";
import { createGroupCommit, type GroupCommit } from "../../src/store/kysely/group-commit.js";

// Group commit on a real SQLite file: units queued together share one transaction, each is
// answered only after the commit, and a unit that throws fails alone.
describe("SQLite group commit", () => {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-group-commit-"));
  const path = join(dir, "g.db");
  let raw: SQLite.Database;
  let db: Kysely<Database>;
  let groupCommit: GroupCommit;

  before(() => {
    raw = new SQLite(path);
    raw.pragma("journal_mode = WAL");
    raw.exec("create table t (id integer primary key, v text not null unique)");
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
    groupCommit = createGroupCommit(db, raw);
  });
  after(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const insert = (v: string) => () => raw.prepare("insert into t (v) values (?)").run(v).changes;

  it("answers every unit with its own result, once it is committed", async () => {
    const rowsBefore = raw.prepare("select count(*) as n from t").get() as { n: number };
    const results = await Promise.all(["a", "b", "c", "d"].map((v) => groupCommit(insert(v))));
    assert.deepEqual(results, [1, 1, 1, 1]);
    // Durable and visible to a separate connection once answered.
    const other = new SQLite(path, { readonly: true });
    const { n } = other.prepare("select count(*) as n from t").get() as { n: number };
    other.close();
    assert.equal(n, rowsBefore.n + 4);
  });

  it("fails a throwing unit alone; the others of its batch commit", async () => {
    const outcomes = await Promise.allSettled([groupCommit(insert("e")), groupCommit(insert("a")), groupCommit(insert("f"))]);
    assert.equal(outcomes[0].status, "fulfilled");
    assert.equal(outcomes[1].status, "rejected", "a duplicate of the unique column must fail");
    assert.equal(outcomes[2].status, "fulfilled");
    const values = (raw.prepare("select v from t order by v").all() as { v: string }[]).map((row) => row.v);
    assert.deepEqual(values, ["a", "b", "c", "d", "e", "f"]);
  });

  it("keeps Kysely's own transactions out while a batch runs", async () => {
    const kyselyWrite = db.transaction().execute(async (trx) => {
      await trx
        .insertInto("t" as never)
        .values({ v: "k" } as never)
        .execute();
    });
    const batched = groupCommit(insert("g"));
    await Promise.all([kyselyWrite, batched]);
    const { n } = raw.prepare("select count(*) as n from t where v in ('g', 'k')").get() as { n: number };
    assert.equal(n, 2);
  });

  it("runs asynchronous units of Kysely statements in savepoints of their own", async () => {
    const insertWithKysely = (connection: Kysely<Database>, v: string) =>
      connection
        .insertInto("t" as never)
        .values({ v } as never)
        .execute();
    const outcomes = await Promise.allSettled([
      groupCommit(async (connection) => {
        await insertWithKysely(connection, "p");
        await insertWithKysely(connection, "q");
      }),
      groupCommit(async (connection) => {
        await insertWithKysely(connection, "r");
        throw new Error("second unit fails after a write");
      }),
      groupCommit(insert("s")),
    ]);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ["fulfilled", "rejected", "fulfilled"],
    );
    const values = (raw.prepare("select v from t where v in ('p', 'q', 'r', 's') order by v").all() as { v: string }[]).map(
      (row) => row.v,
    );
    assert.deepEqual(values, ["p", "q", "s"], "the failed unit's write is undone, its neighbours' are kept");
  });

  it("waits for another connection's write lock without blocking the event loop", async () => {
    const other = new SQLite(path);
    other.exec("BEGIN IMMEDIATE");
    other.prepare("insert into t (v) values ('held')").run();
    let settled = false;
    const waiting = groupCommit(insert("w")).finally(() => (settled = true));
    // Reads and timers go on meanwhile: the wait happens between turns of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const readWhileLocked = await db
      .selectFrom("t" as never)
      .select(({ fn }) => fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    assert.ok(Number(readWhileLocked.n) > 0);
    assert.equal(settled, false, "the batch must not commit while the other connection holds the lock");
    other.exec("COMMIT");
    other.close();
    assert.equal(await waiting, 1);
    const values = (raw.prepare("select v from t where v in ('held', 'w') order by v").all() as { v: string }[]).map(
      (row) => row.v,
    );
    assert.deepEqual(values, ["held", "w"]);
  });

  it("fails with SQLITE_BUSY once the lock has been held for longer than the wait", async () => {
    const impatient = createGroupCommit(db, raw, { lockWaitMs: 150 });
    const other = new SQLite(path);
    other.exec("BEGIN IMMEDIATE");
    const started = Date.now();
    try {
      await assert.rejects(impatient(insert("never")), (error: { code?: string }) => error.code === "SQLITE_BUSY");
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    const waited = Date.now() - started;
    assert.ok(waited >= 150 && waited < 2_000, `waited ${waited} ms`);
    assert.equal(raw.inTransaction, false, "the connection is left outside any transaction");
    assert.equal(await impatient(insert("after")), 1, "the next batch commits once the lock is free");
    assert.equal(raw.prepare("select count(*) as n from t where v = 'never'").pluck().get(), 0);
  });
});
