// test-databases: each
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { RefreshTokenRecord, Store } from "../../src/core/ports.js";
import { openStore } from "../../src/store/kysely/connect.js";
import { createPostgresDatabase, type PostgresDatabase, testDatabase } from "../helpers/database.js";
import { newRefreshToken, newSession, newUser } from "../helpers/store-records.js";

// `refreshTokens.rotate` on the database under test (SQLite as a unit of the group commit,
// PostgreSQL as one statement): however many callers race, on one store or on two (two
// connections to one database, as with two workers), exactly one rotation wins, and only the
// winner's successor is stored.
describe(`refresh-token rotation (${testDatabase()})`, () => {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-rotation-"));
  let postgres: PostgresDatabase | null = null;
  let stores: Store[] = [];
  let seq = 0;

  before(async () => {
    if (testDatabase() === "postgres") postgres = await createPostgresDatabase();
    const databaseUrl = postgres ? postgres.url : `sqlite:${join(dir, "g.db")}`;
    const options = { databaseUrl, dbPoolSize: 4, dbStatementTimeoutMs: 5_000 };
    const first = await openStore(options);
    await first.migrate();
    stores = [first.store, (await openStore(options)).store];
  });
  after(async () => {
    for (const store of stores) await store.close();
    await postgres?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A user with a session and one unused refresh token. */
  async function liveToken(): Promise<RefreshTokenRecord> {
    const [store] = stores as [Store];
    const n = ++seq;
    const now = Date.now();
    const user = await store.users.insert(newUser(`rotor-${n}`, "h"), []);
    const session = newSession(`session-${n}`, user.id, now);
    await store.sessions.insert(session);
    const token = newRefreshToken(`token-${n}`, session.id, now);
    await store.refreshTokens.insert(token);
    return token;
  }

  const successorOf = (token: RefreshTokenRecord, index: number): RefreshTokenRecord => ({
    ...token,
    id: `${token.id}-successor-${index}`,
    createdAt: Date.now(),
  });

  it("lets exactly one of 20 concurrent rotations win, across two connections", async () => {
    const token = await liveToken();
    const at = Date.now();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        (stores[index % 2] as Store).refreshTokens.rotate(token.id, successorOf(token, index), at),
      ),
    );
    assert.equal(results.filter(Boolean).length, 1, `results: ${results.join(",")}`);
    const winner = results.indexOf(true);
    const [store] = stores as [Store];
    assert.equal((await store.refreshTokens.findById(token.id))?.usedAt, at);
    for (let index = 0; index < 20; index++) {
      const successor = await store.refreshTokens.findById(successorOf(token, index).id);
      assert.equal(successor !== null, index === winner, `successor ${index}`);
      if (successor) assert.equal(successor.usedAt, null);
    }
    const session = await store.sessions.findActive(token.sessionId);
    assert.equal(session?.lastUsedAt, at, "the winner touched the session");
  });

  it("refuses to rotate a used token, and stores nothing", async () => {
    const token = await liveToken();
    const [store] = stores as [Store];
    assert.equal(await store.refreshTokens.rotate(token.id, successorOf(token, 0), Date.now()), true);
    assert.equal(await store.refreshTokens.rotate(token.id, successorOf(token, 1), Date.now()), false);
    assert.equal(await store.refreshTokens.findById(successorOf(token, 1).id), null);
    assert.equal(await store.refreshTokens.rotate("no-such-token", successorOf(token, 2), Date.now()), false);
    assert.equal(await store.refreshTokens.findById(successorOf(token, 2).id), null);
  });
});
