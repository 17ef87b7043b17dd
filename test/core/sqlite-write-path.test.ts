// test-databases: sqlite
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import SQLite from "better-sqlite3";
import type { Store } from "../../src/core/ports.js";
import { openStore } from "../../src/store/kysely/connect.js";
import { newRefreshToken, newSession, newUser } from "../helpers/store-records.js";

// On SQLite every write takes the one group-commit path: the methods that are transactions of
// their own (users.insert, users.changePassword, codes.markSent, refreshTokens.rotate) and the
// single writes made on the store itself. While another connection (a second worker, the CLI)
// holds the write lock, they wait between turns of the event loop, so timers and reads go on;
// they complete once the lock is released, and are durable when they do.
describe("SQLite: every write goes through the group commit", () => {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-write-path-"));
  const path = join(dir, "g.db");
  let store: Store;
  let seq = 0;

  before(async () => {
    const opened = await openStore({ databaseUrl: `sqlite:${path}`, dbPoolSize: 1, dbStatementTimeoutMs: 5_000 });
    await opened.migrate();
    store = opened.store;
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A user with a live session and an unused refresh token, and a stored (unsent) code. */
  async function fixtures() {
    const n = ++seq;
    const user = await store.users.insert(newUser(`owner-${n}`), []);
    const now = Date.now();
    const session = newSession(`session-${n}`, user.id, now);
    await store.sessions.insert(session);
    const token = newRefreshToken(`token-${n}`, session.id, now);
    await store.refreshTokens.insert(token);
    const code = {
      id: `code-${n}`,
      purpose: "register",
      target: `owner-${n}@example.com`,
      codeHash: "h",
      createdAt: now,
      expiresAt: now + 60_000,
      attempts: 0,
      consumedAt: null,
    };
    await store.codes.insert(code);
    return { n, user, session, token, code };
  }

  /** Another connection to the same file, holding the write lock until `release`. */
  function holdWriteLock() {
    const other = new SQLite(path);
    other.exec("BEGIN IMMEDIATE");
    return {
      release: () => {
        other.exec("COMMIT");
        other.close();
      },
    };
  }

  /** The longest a 10 ms timer was late over `rounds` rounds: small when the event loop is free. */
  async function worstTimerDelay(rounds: number): Promise<number> {
    let worst = 0;
    for (let round = 0; round < rounds; round++) {
      const started = performance.now();
      await sleep(10);
      worst = Math.max(worst, performance.now() - started - 10);
    }
    return worst;
  }

  const readOnly = <T>(query: string, ...params: unknown[]): T => {
    const reader = new SQLite(path, { readonly: true });
    try {
      return reader.prepare(query).get(...params) as T;
    } finally {
      reader.close();
    }
  };

  it("users.insert, users.changePassword, codes.markSent, refreshTokens.rotate and single writes wait without blocking", async () => {
    const { n, user, session, token, code } = await fixtures();
    const lock = holdWriteLock();
    const settled: string[] = [];
    const track = <T>(name: string, write: Promise<T>) =>
      write.finally(() => {
        settled.push(name);
      });
    let writes: Promise<unknown[]>;
    try {
      const successor = { ...token, id: `successor-${n}` };
      writes = Promise.all([
        track("users.insert", store.users.insert(newUser(`newcomer-${n}`), [])),
        track("users.changePassword", store.users.changePassword(user.id, "new-hash", Date.now(), session.id)),
        track("codes.markSent", store.codes.markSent(code, Date.now())),
        track("refreshTokens.rotate", store.refreshTokens.rotate(token.id, successor, Date.now())),
        track("sessions.touch", store.sessions.touch(session.id, Date.now())),
        track("audit.record", store.audit.record({ at: Date.now(), event: "test_event", outcome: "success" })),
      ]);
      // SQLite's busy handler would hold the event loop for up to WRITE_LOCK_WAIT_MS (5 s).
      const worst = await worstTimerDelay(20);
      assert.ok(worst < 250, `a timer was ${worst.toFixed(0)} ms late while the lock was held`);
      const read = await store.users.findById(user.id);
      assert.equal(read?.passwordHash, "old-hash", "reads go on, and see nothing uncommitted");
      assert.deepEqual(settled, [], "no write may complete while another connection holds the lock");
    } finally {
      lock.release();
    }
    const [inserted, , , rotated] = await writes;
    assert.equal((inserted as { username: string }).username, `newcomer-${n}`);
    assert.equal(rotated, true);
    assert.equal(settled.length, 6);

    // Durable and visible to another connection once answered.
    assert.equal(readOnly<{ n: number }>("select count(*) as n from users where username = ?", `newcomer-${n}`).n, 1);
    assert.equal(readOnly<{ h: string }>("select password_hash as h from users where id = ?", user.id).h, "new-hash");
    assert.notEqual(readOnly<{ s: number | null }>("select sent_at as s from verification_codes where id = ?", code.id).s, null);
    assert.notEqual(readOnly<{ u: number | null }>("select used_at as u from refresh_tokens where id = ?", token.id).u, null);
    assert.equal(readOnly<{ n: number }>("select count(*) as n from refresh_tokens where id = ?", `successor-${n}`).n, 1);
  });

  it("keeps the unique-username rule in the database: a duplicate insert fails alone in its batch", async () => {
    const name = `unique-${++seq}`;
    const outcomes = await Promise.allSettled([
      store.users.insert(newUser(name), []),
      store.users.insert({ ...newUser(name), id: `user-${name}-twin` }, []),
      store.users.insert(newUser(`${name}-other`), []),
    ]);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ["fulfilled", "rejected", "fulfilled"],
    );
    const failure = outcomes[1] as PromiseRejectedResult;
    assert.equal((failure.reason as { field?: string }).field, "username");
  });
});
