// test-databases: each
// Signing keys shared by processes through the database: rotation, reloads, retirement.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import type { CoreLogger } from "../../src/core/context.js";
import { createJwtService, type JwtService } from "../../src/core/tokens/jwt.js";
import { createKeyRecord, createKeyring, type Keyring, keyStatuses, type SigningAlg } from "../../src/core/tokens/keyring.js";
import { openStore } from "../../src/store/kysely/connect.js";
import type { KeyRepository, SigningKeyRecord, Store } from "../../src/core/ports.js";
import { createPostgresDatabase, type PostgresDatabase, testDatabase } from "../helpers/database.js";

const ISSUER = "http://gatehouse.test";
const RETENTION_S = 60;
const REAL_START = Date.now();

/** A clock the test moves by hand; token `exp` is still judged by real time, so tokens live a day. */
const clock = { now: REAL_START, advance: (ms: number) => (clock.now += ms) };

/** A key repository whose database can be made unreachable, counting its reads. */
function flaky(keys: KeyRepository) {
  const state = { down: false, reads: 0 };
  const repository: KeyRepository = {
    list: async () => {
      state.reads++;
      if (state.down) throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
      return keys.list();
    },
    insert: (key) => keys.insert(key),
  };
  return { repository, state };
}

function recordingLog() {
  const warnings: string[] = [];
  const log: CoreLogger = { info: () => {}, error: () => {}, warn: (_fields, message) => warnings.push(message) };
  return { log, warnings };
}

/** One "process": its own connection, keyring and JWT service on the shared database. */
type Process = { store: Store; keyring: Keyring; jwt: JwtService; db: ReturnType<typeof flaky>["state"]; warnings: string[] };

describe("signing keys shared through the database", () => {
  let dir: string;
  let postgres: PostgresDatabase | null = null;
  let databaseUrl: string;
  let opened: Store[] = [];

  async function start(alg: SigningAlg = "EdDSA"): Promise<Process> {
    const { store, migrate } = await openStore({ databaseUrl, dbPoolSize: 2, dbStatementTimeoutMs: 5_000 });
    opened.push(store);
    await migrate();
    const { repository, state } = flaky(store.keys);
    const { log, warnings } = recordingLog();
    const keyring = await createKeyring({
      keys: repository,
      alg,
      hmacSecret: "",
      now: () => clock.now,
      retentionSeconds: RETENTION_S,
      log,
    });
    return { store, keyring, jwt: createJwtService(keyring, ISSUER), db: state, warnings };
  }

  /** What `keys rotate` stores, written by another process. */
  async function rotateElsewhere(alg: Exclude<SigningAlg, "HS256"> = "EdDSA"): Promise<SigningKeyRecord> {
    const { store } = await start();
    const record = await createKeyRecord(alg, clock.advance(1));
    await store.keys.insert(record);
    return record;
  }

  const sign = (jwt: JwtService) => {
    const now = Math.floor(Date.now() / 1000);
    return jwt.sign("access", { sub: "user-1", sid: "session-1" }, { issuedAt: now, notBefore: now, expiresAt: now + 86_400 });
  };
  const kidOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[0] as string, "base64url").toString()).kid as string;
  const publishedKids = async (keyring: Keyring) => (await keyring.publicJwks()).map((jwk) => jwk.kid).sort();

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "gatehouse-keyring-"));
  });
  beforeEach(async () => {
    clock.now = REAL_START;
    postgres = testDatabase() === "postgres" ? await createPostgresDatabase() : null;
    databaseUrl = postgres?.url ?? `sqlite:${join(dir, `${Math.random().toString(36).slice(2)}.db`)}`;
  });
  afterEach(async () => {
    await Promise.all(opened.map((store) => store.close()));
    opened = [];
    await postgres?.drop();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("a key rotated by another process signs here once the cached keys are 5 s old; old tokens still verify", async () => {
    const here = await start();
    const before = await sign(here.jwt);
    const rotated = await rotateElsewhere();

    clock.advance(4_000);
    assert.notEqual(kidOf(await sign(here.jwt)), rotated.kid, "the cache is still fresh");
    clock.advance(1_000);
    const after = await sign(here.jwt);
    assert.equal(kidOf(after), rotated.kid);
    assert.deepEqual(await publishedKids(here.keyring), [kidOf(before), rotated.kid].sort());
    assert.equal((await here.jwt.verify(before)).ok, true);
    assert.equal((await here.jwt.verify(after)).ok, true);
  });

  it("a token signed with a key this process has not seen yet makes it reload at once (throttled)", async () => {
    const here = await start();
    const other = await start();
    await rotateElsewhere();
    await other.keyring.reload();
    const token = await sign(other.jwt);
    const reads = here.db.reads;
    clock.advance(1_000);
    assert.equal((await here.jwt.verify(token)).ok, true);
    assert.equal(here.db.reads, reads + 1);
    // Forged kids cost at most one read a second.
    await Promise.all(["x", "y", "z"].map((kid) => here.keyring.find(kid)));
    assert.equal(here.db.reads, reads + 1);
  });

  it("retires a superseded key once the retention has passed since its successor was created", async () => {
    const here = await start();
    const old = await sign(here.jwt);
    const rotated = await rotateElsewhere();
    const oldKid = kidOf(old);

    // Retention, plus one reload interval in which lagging processes may still sign with the old key.
    clock.advance(RETENTION_S * 1000 + 5_000);
    assert.equal((await here.jwt.verify(old)).ok, true, "still within the retention");
    assert.ok((await publishedKids(here.keyring)).includes(oldKid));

    clock.advance(1);
    assert.deepEqual(await here.jwt.verify(old), { ok: false, reason: "bad_signature" });
    assert.deepEqual(await publishedKids(here.keyring), [rotated.kid]);
    const statuses = keyStatuses(await here.store.keys.list(), here.keyring.policy, clock.now);
    assert.deepEqual(
      statuses.map(({ kid, current, retired }) => ({ kid, current, retired })),
      [
        { kid: rotated.kid, current: true, retired: false },
        { kid: oldKid, current: false, retired: true },
      ],
    );
    // A process started afterwards does not load the retired key at all.
    const later = await start();
    assert.deepEqual(await later.jwt.verify(old), { ok: false, reason: "bad_signature" });
    assert.deepEqual(await publishedKids(later.keyring), [rotated.kid]);
  });

  it("never retires the key it signs with, even when a newer key of another algorithm exists", async () => {
    const here = await start("EdDSA");
    const own = kidOf(await sign(here.jwt));
    const foreign = await rotateElsewhere("ES256");
    clock.advance(RETENTION_S * 1000 + 10_000);
    const token = await sign(here.jwt);
    assert.equal(kidOf(token), own);
    assert.equal((await here.jwt.verify(token)).ok, true);
    assert.deepEqual(await publishedKids(here.keyring), [own, foreign.kid].sort());
  });

  it("keeps serving with the cached keys while the database is unreachable, then catches up", async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on("unhandledRejection", onRejection);
    try {
      const here = await start();
      const old = await sign(here.jwt);
      here.db.down = true;
      clock.advance(5_000);
      const reads = here.db.reads;
      // Concurrent callers share one reload attempt.
      const [signed, verified, jwks] = await Promise.all([sign(here.jwt), here.jwt.verify(old), here.keyring.publicJwks()]);
      assert.equal(here.db.reads, reads + 1);
      assert.equal(kidOf(signed), kidOf(old));
      assert.equal(verified.ok, true);
      assert.equal(jwks.length, 1);
      assert.match(here.warnings.join("\n"), /signing keys could not be reloaded/);
      // No retry before the next interval: a down database is not hammered.
      await sign(here.jwt);
      assert.equal(here.db.reads, reads + 1);

      const rotated = await rotateElsewhere();
      here.db.down = false;
      clock.advance(5_000);
      assert.equal(kidOf(await sign(here.jwt)), rotated.kid);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(rejections, []);
    } finally {
      process.off("unhandledRejection", onRejection);
    }
  });

  it("signs with a key it stored itself at once after reload(); keys of every algorithm verify", async () => {
    const here = await start();
    const record = await createKeyRecord("RS256", clock.now + 1);
    const rs = await start("RS256");
    await rs.store.keys.insert(record);
    await rs.keyring.reload();
    assert.equal(kidOf(await sign(rs.jwt)), record.kid);
    clock.advance(1_000);
    assert.equal((await here.jwt.verify(await sign(rs.jwt))).ok, true, "every live key verifies, whatever its algorithm");
  });

  it("publishes no key with HS256", async () => {
    const keyring = await createKeyring({
      keys: flaky({ list: async () => [], insert: async () => {} }).repository,
      alg: "HS256",
      hmacSecret: "an-example-shared-secret-of-forty-bytes!!",
      now: () => clock.now,
      retentionSeconds: RETENTION_S,
      log: recordingLog().log,
    });
    assert.deepEqual(await keyring.publicJwks(), []);
    assert.equal((await keyring.current()).alg, "HS256");
  });
});
