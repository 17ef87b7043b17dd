// The raw ceilings the scenarios are compared against, each measured in a process of its own
// (so nothing else runs on its event loop), for a fixed time, printing one JSON line:
//
//   node bench/ceilings.mjs hash   '{"seconds":8,"memoryKib":19456,"iterations":2}'
//   node bench/ceilings.mjs jwt    '{"seconds":8,"alg":"EdDSA"}'
//   node bench/ceilings.mjs commit '{"seconds":8,"sqlitePath":"/tmp/x/commit.db"}'  (or "pgUrl", "poolSize")
//
// hash:   argon2id verifications per second with @node-rs/argon2 at the configured cost, as
//         many in flight as the libuv pool can run, i.e. on all cores (Gatehouse verifies on
//         the same pool, with the same default size).
// jwt:    access-token verifications per second with jose's jwtVerify, the configured
//         algorithm, and the claim checks Gatehouse asks for; many in flight, since jose
//         verifies through WebCrypto, whose work Node runs off the event loop.
// commit: single-row write transactions per second with Gatehouse's durability settings:
//         SQLite in WAL with synchronous=FULL on a file in the same folder as the bench
//         database, or PostgreSQL on the bench database with a pool as large as Gatehouse's.

import { randomBytes, randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { hash, verify } from "@node-rs/argon2";
import SQLite from "better-sqlite3";
import { generateKeyPair, jwtVerify, SignJWT } from "jose";
import pg from "pg";

const [mode, rawOptions] = process.argv.slice(2);
const options = JSON.parse(rawOptions ?? "{}");
const seconds = Number(options.seconds ?? 5);

/**
 * Keeps `inFlight` calls of `task` running for `seconds`; returns completions per second.
 * @param {() => Promise<unknown>} task
 * @param {number} inFlight
 */
async function saturate(task, inFlight) {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  const lane = async () => {
    while (performance.now() < end) {
      await task();
      done++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: inFlight }, lane));
  return done / ((performance.now() - start) / 1000);
}

async function hashCeiling() {
  const params = { algorithm: 2, memoryCost: options.memoryKib, timeCost: options.iterations, parallelism: 1 };
  const stored = await hash("bench-password-ceiling", params);
  const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  // Twice the pool size keeps every pool thread busy without queuing unboundedly.
  const perSecond = await saturate(() => verify(stored, "bench-password-ceiling"), threads * 2);
  return { perSecond, threads };
}

async function jwtCeiling() {
  const alg = options.alg ?? "EdDSA";
  const issuer = "http://bench.invalid";
  const { privateKey, publicKey } =
    alg === "HS256"
      ? { privateKey: randomBytes(32), publicKey: null }
      : await generateKeyPair(alg, alg === "EdDSA" ? { crv: "Ed25519" } : {});
  const verifyKey = publicKey ?? privateKey;
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({
    jti: randomUUID(),
    iss: issuer,
    sub: randomUUID(),
    sid: randomUUID(),
    type: "access",
    scope: "read",
    username: "u0000001",
  })
    .setProtectedHeader({ alg, kid: "bench", typ: "at+jwt" })
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 3600)
    .sign(privateKey);
  const perSecond = await saturate(
    () =>
      jwtVerify(token, verifyKey, {
        algorithms: [alg],
        requiredClaims: ["iss", "exp", "iat", "nbf", "sub", "jti", "sid", "type"],
      }),
    64,
  );
  return { perSecond, alg };
}

async function commitCeiling() {
  if (options.pgUrl) {
    const pool = new pg.Pool({ connectionString: options.pgUrl, max: options.poolSize ?? 10 });
    await pool.query("create table if not exists bench_commit (id bigserial primary key, v text not null, at bigint not null)");
    const perSecond = await saturate(
      () => pool.query("insert into bench_commit (v, at) values ($1, $2)", [randomBytes(16).toString("hex"), Date.now()]),
      options.poolSize ?? 10,
    );
    await pool.query("drop table bench_commit");
    await pool.end();
    return { perSecond, database: "postgres", connections: options.poolSize ?? 10 };
  }
  const db = new SQLite(options.sqlitePath);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec("create table if not exists bench_commit (id integer primary key, v text not null, at integer not null)");
  const insert = db.prepare("insert into bench_commit (v, at) values (?, ?)");
  const commit = db.transaction(() => insert.run(randomBytes(16).toString("hex"), Date.now()));
  // better-sqlite3 is synchronous, like Gatehouse's SQLite store: one commit at a time.
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  let done = 0;
  while (performance.now() < end) {
    commit();
    done++;
  }
  const perSecond = done / ((performance.now() - start) / 1000);
  db.close();
  return { perSecond, database: "sqlite", journal: "wal", synchronous: "full" };
}

const run = { hash: hashCeiling, jwt: jwtCeiling, commit: commitCeiling }[mode ?? ""];
if (!run) throw new Error(`unknown ceiling ${mode}`);
process.stdout.write(`${JSON.stringify(await run())}\n`);
