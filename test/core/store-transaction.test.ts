// test-databases: each
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Kysely, SqliteDialect } from "kysely";
import SQLite from "better-sqlite3";
import { type CoreContext, inTransaction, type StatementContext, type TransactionContext } from "../../src/core/context.js";
import { openStore } from "../../src/store/kysely/connect.js";
import type { Database } from "../../src/store/kysely/database.js";
import { precompiled } from "../../src/store/kysely/precompiled.js";
import type { NewUser, Store } from "../../src/core/ports.js";
import { createPostgresDatabase, type PostgresDatabase, testDatabase } from "../helpers/database.js";

// `Store.transaction` on the database under test (SQLite, where it joins the group commit, or
// PostgreSQL): what one transaction writes commits together, or not at all.
describe(`store transactions (${testDatabase()})`, () => {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-store-tx-"));
  let postgres: PostgresDatabase | null = null;
  let store: Store;

  before(async () => {
    if (testDatabase() === "postgres") postgres = await createPostgresDatabase();
    const databaseUrl = postgres ? postgres.url : `sqlite:${join(dir, "g.db")}`;
    const opened = await openStore({ databaseUrl, dbPoolSize: 4, dbStatementTimeoutMs: 5_000 });
    await opened.migrate();
    store = opened.store;
  });
  after(async () => {
    await store.close();
    await postgres?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A live reservation for an admission under `key`. */
  const reservation = (key: string) => ({ id: `${key}-${randomUUID()}`, expiresAt: Date.now() + 60_000 });

  /**
   * Whether a throttle counter for `key` holds a reservation: an admission writes its counter and
   * its reservation, and needs no other row. At threshold 1, only a counter holding none admits.
   */
  const counterExists = async (key: string) => {
    const admission = await store.loginThrottle.admit(key, Date.now(), 1, reservation(key));
    return admission !== "admitted";
  };

  it("commits every write of a transaction that returns", async () => {
    const result = await store.transaction(async (tx) => {
      await tx.loginThrottle.admit("kept-1", Date.now(), 5, reservation("kept-1"));
      await tx.loginThrottle.admit("kept-2", Date.now(), 5, reservation("kept-2"));
      return "done";
    });
    assert.equal(result, "done");
    assert.equal(await counterExists("kept-1"), true);
    assert.equal(await counterExists("kept-2"), true);
  });

  it("rolls back every write of a transaction that throws, and passes the error on", async () => {
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.loginThrottle.admit("undone-1", Date.now(), 5, reservation("undone-1"));
        await tx.audit.record({ at: Date.now(), event: "test_event", outcome: "success", detail: "undone" });
        throw new Error("abandoned");
      }),
      /abandoned/,
    );
    assert.equal(await counterExists("undone-1"), false);
  });

  it("refuses a transaction opened inside another, instead of waiting for it forever", async () => {
    const ctx = { store } as CoreContext;
    await assert.rejects(
      // @ts-expect-error a context inside a transaction is not accepted by `inTransaction`
      inTransaction(ctx, (tx) => inTransaction(tx, async () => "never")),
      /cannot be opened inside another/,
    );
    // Through the wider type (a helper that takes any `CoreContext`), it fails when called.
    const viaHelper = (helperCtx: CoreContext) => inTransaction(helperCtx, async () => "never");
    await assert.rejects(
      inTransaction(ctx, (tx) => viaHelper(tx)),
      /cannot be opened inside another/,
    );
  });

  // The methods that are transactions of their own are not there inside a transaction: each
  // `@ts-expect-error` below fails the type check (npm test runs tsc) if the call compiles.
  it("has no self-transacting method on the repositories of a transaction", async () => {
    const token = { id: "t", sessionId: "s", secretHash: "h", createdAt: 0, expiresAt: 1, usedAt: null };
    const code = { id: "c", purpose: "p", target: "t", codeHash: "h", createdAt: 0, expiresAt: 1, attempts: 0, consumedAt: null };
    const absent = await store.transaction(async (tx) => [
      // @ts-expect-error users.insert opens a transaction of its own
      tx.users.insert,
      // @ts-expect-error users.changePassword opens a transaction of its own
      tx.users.changePassword,
      // @ts-expect-error refreshTokens.rotate opens a transaction of its own
      tx.refreshTokens.rotate,
      // @ts-expect-error codes.markSent opens a transaction of its own
      tx.codes.markSent,
    ]);
    assert.deepEqual(absent, [undefined, undefined, undefined, undefined]);
    const ctx = { store } as CoreContext;
    const calls = [
      // @ts-expect-error no call to a refused method type-checks
      (tx: TransactionContext) => tx.store.users.insert({} as NewUser, []),
      // @ts-expect-error no call to a refused method type-checks
      (tx: TransactionContext) => tx.store.users.changePassword("u", "h", 0, null),
      // @ts-expect-error no call to a refused method type-checks
      (tx: TransactionContext) => tx.store.refreshTokens.rotate("t", token, 0),
      // @ts-expect-error no call to a refused method type-checks
      (tx: TransactionContext) => tx.store.codes.markSent(code, 0),
    ];
    for (const call of calls) {
      await assert.rejects(
        inTransaction(ctx, async (tx) => call(tx)),
        /cannot be opened inside another/,
      );
    }
  });

  // A helper that only runs statements (startSession, mintRefreshToken, audit) takes a
  // StatementContext: both contexts are one, and no self-transacting method is on its store.
  it("gives statement-only helpers no method that opens a transaction", async () => {
    const ctx = { store } as CoreContext;
    const helper = (statements: StatementContext) => [
      // @ts-expect-error a statement-only helper cannot open a transaction
      statements.store.users.insert,
      // @ts-expect-error nor call a self-transacting method
      statements.store.refreshTokens.rotate,
      statements.store.users.findById,
    ];
    assert.equal(typeof helper(ctx)[2], "function", "an ordinary context is a statement context");
    const inside = await inTransaction(ctx, async (tx) => helper(tx).map((member) => typeof member));
    assert.deepEqual(inside, ["function", "function", "function"], "inside a transaction they exist only to refuse");
  });

  it("keeps concurrent transactions apart: one that throws does not undo the others", async () => {
    const outcomes = await Promise.allSettled(
      ["a", "b", "c", "d"].map((name) =>
        store.transaction(async (tx) => {
          await tx.loginThrottle.admit(`concurrent-${name}`, Date.now(), 5, reservation(`concurrent-${name}`));
          if (name === "b") throw new Error("b fails");
        }),
      ),
    );
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ["fulfilled", "rejected", "fulfilled", "fulfilled"],
    );
    assert.equal(await counterExists("concurrent-a"), true);
    assert.equal(await counterExists("concurrent-b"), false);
    assert.equal(await counterExists("concurrent-c"), true);
    assert.equal(await counterExists("concurrent-d"), true);
  });
});

describe("precompiled queries", () => {
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(":memory:") }) });
  after(() => db.destroy());

  it("runs the compiled SQL with each call's arguments", async () => {
    await db.schema.createTable("oauth_clients").addColumn("id", "text").addColumn("grants", "text").execute();
    await db
      .insertInto("oauth_clients")
      .values([{ id: "one", grants: "a" } as never, { id: "two", grants: "b" } as never])
      .execute();
    const byId = precompiled((k, id: string) => k.selectFrom("oauth_clients").select("grants").where("id", "=", id));
    assert.deepEqual(await byId(db, "one"), [{ grants: "a" }]);
    assert.deepEqual(await byId(db, "two"), [{ grants: "b" }]);
    assert.deepEqual(await byId(db, "three"), []);
  });

  it("refuses a query with a parameter that is not one of its arguments", async () => {
    const withConstant = precompiled((k, id: string) =>
      k.selectFrom("oauth_clients").select("id").where("id", "=", id).where("grants", "=", "a"),
    );
    await assert.rejects(withConstant(db, "one"), /not an argument/);
  });
});
