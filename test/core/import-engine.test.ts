// test-databases: each
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { CoreContext } from "../../src/core/context.js";
import { importUsers } from "../../src/core/import/engine.js";
import type { ImportInputRecord, ImportRejection } from "../../src/core/import/run.js";
import { createPasswordHasher, type PasswordHasher } from "../../src/core/passwords/hasher.js";
import type { Store } from "../../src/core/ports.js";
import { openStore } from "../../src/store/kysely/connect.js";
import { openImportInputKeys } from "../../src/store/kysely/import-keys.js";
import { createPostgresDatabase, type PostgresDatabase, testDatabase } from "../helpers/database.js";
import { newUser } from "../helpers/store-records.js";

const silent = { info() {}, warn() {}, error() {} };

async function* recordsOf(rows: unknown[]): AsyncIterable<ImportInputRecord> {
  for (const [index, value] of rows.entries()) yield { line: index + 1, input: JSON.stringify(value), value };
}

// The import engine on the database under test, below the CLI: what happens when the database
// refuses a row that passed every check, and how plaintext passwords are hashed.
describe(`import engine (${testDatabase()})`, () => {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-import-engine-"));
  let postgres: PostgresDatabase | null = null;
  let store: Store;
  let hasher: PasswordHasher;

  before(async () => {
    if (testDatabase() === "postgres") postgres = await createPostgresDatabase();
    const databaseUrl = postgres ? postgres.url : `sqlite:${join(dir, "g.db")}`;
    const opened = await openStore({ databaseUrl, dbPoolSize: 4, dbStatementTimeoutMs: 5_000 });
    await opened.migrate();
    store = opened.store;
    hasher = await createPasswordHasher({ memoryKib: 19456, iterations: 2 }, { concurrency: 2, queueMax: 2 });
  });
  after(async () => {
    await store.close();
    await postgres?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A context of just what the import uses; `hashing` runs before each hash, as a registration racing it would. */
  const contextWith = (hashing: () => Promise<void> = async () => {}): CoreContext =>
    ({
      store,
      settings: { passwordPolicy: { minLength: 8, maxLength: 128 } },
      hasher: {
        ...hasher,
        // The hash enters the pool at once, as the real one does, so the import's admission sees it.
        hash: (password: string) => {
          const racing = hashing();
          const hashed = hasher.hash(password);
          return racing.then(() => hashed);
        },
      },
      now: Date.now,
      log: silent,
    }) as unknown as CoreContext;

  const run = async (ctx: CoreContext, rows: unknown[]) => {
    const rejections: ImportRejection[] = [];
    const inputKeys = openImportInputKeys();
    try {
      const outcome = await importUsers(
        ctx,
        recordsOf(rows),
        { onConflict: "skip", dryRun: false },
        { inputKeys, reject: (rejection) => void rejections.push(rejection), progress: () => {} },
      );
      return { outcome, rejections };
    } finally {
      inputKeys.close();
    }
  };

  it("retries a batch the database refused row by row: only the refused row is rejected", async () => {
    // The name is taken after the checks and before the write, while the batch's password is hashed.
    let raced = false;
    const ctx = contextWith(async () => {
      if (raced) return;
      raced = true;
      await store.users.insert(newUser("race-b"), []);
    });
    const hash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$" + "A".repeat(43);
    const { outcome, rejections } = await run(ctx, [
      { username: "race-a", password: "a long enough password" },
      { username: "race-b", password_hash: hash },
      { username: "race-c", password_hash: hash },
    ]);
    assert.equal(outcome.imported, 2);
    assert.equal(outcome.rejected, 1);
    assert.deepEqual(
      rejections.map(({ line, reason }) => ({ line, reason })),
      [{ line: 2, reason: "username is taken (refused by the database)" }],
    );
    assert.equal((await store.users.findByCanonicalName("race-b"))?.id, "user-race-b", "the registration stays");
    assert.ok(await store.users.findByCanonicalName("race-a"));
    assert.ok(await store.users.findByCanonicalName("race-c"));
  });

  it("hashes plaintext passwords with Argon2id, several at once, and they verify", async () => {
    const rows = Array.from({ length: 6 }, (_, n) => ({ username: `plain-${n}`, password: `plaintext password ${n}` }));
    const { outcome } = await run(contextWith(), rows);
    assert.equal(outcome.imported, 6);
    for (const [n] of rows.entries()) {
      const user = await store.users.findByCanonicalName(`plain-${n}`);
      assert.match(user?.passwordHash ?? "", /^\$argon2id\$/);
      assert.equal(await hasher.verify(user?.passwordHash ?? null, `plaintext password ${n}`), true);
      assert.equal(await hasher.verify(user?.passwordHash ?? null, "another password"), false);
    }
  });
});
