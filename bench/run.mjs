// `npm run bench` — measures Gatehouse against this machine's own ceilings, in one run (#7).
//
//   npm run bench                       defaults (SQLite, ~8 s per measurement, 1M-user pass)
//   npm run bench -- --quick            short measurements, no 1M-user pass (under 2 minutes)
//   npm run bench -- --db postgres://postgres@127.0.0.1:5432/postgres
//                                       PostgreSQL: a database of its own is created there
//                                       for the run and dropped afterwards
//   other options: --seconds N (per measurement), --connections N, --no-million
//
// Written as plain .mjs with JSDoc: it runs with `node` against the built server (dist/, made
// by `npm run build`, which the npm script runs first), needs no build step of its own, and
// stays outside the TypeScript project, whose include list is src, test and scripts.
//
// Processes: this orchestrator, the Gatehouse server (`node bin/gatehouse.js serve`, production
// mode), the bare Fastify server of the HTTP ceiling (bare-http.mjs), the raw ceilings
// (ceilings.mjs) and the load generator (load.mjs, autocannon), each a process of its own.
// Everything started here is stopped, and the temporary folder (and PostgreSQL database)
// removed, on success, failure and Ctrl-C alike.

import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { clearInterval, setInterval } from "node:timers";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, URLSearchParams } from "node:url";
import { hash } from "@node-rs/argon2";
import SQLite from "better-sqlite3";
import pg from "pg";
import * as prettier from "prettier";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BENCH = join(ROOT, "bench");

// ---------------------------------------------------------------------------------------------
// Options

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = flag("quick");
const pgAdminUrl = option("db");
if (pgAdminUrl && !/^postgres(ql)?:\/\//.test(pgAdminUrl)) throw new Error("--db takes a postgres:// URL");
const dbKind = pgAdminUrl ? "postgres" : "sqlite";
const seconds = Number(option("seconds") ?? (quick ? 3 : 8));
const warmup = quick ? 1 : 2;
const connections = Number(option("connections") ?? 16);
const seededUsers = 10_000;
const million = !quick && !flag("no-million") ? 1_000_000 : 0;
const PASSWORD = "bench-password-7f3a9c";
const PREFIX = "u";
const CLIENT_ID = "bench-client";
const CLIENT_SECRET = randomBytes(32).toString("hex");

// ---------------------------------------------------------------------------------------------
// Output and clean-up

const t0 = performance.now();
const log = (line) => process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);

/** @type {Set<import("node:child_process").ChildProcess>} */
const children = new Set();
let tmp = "";
/** @type {{ admin: string, name: string } | null} */
let pgDatabase = null;
let cleaned = false;

async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  const deadline = Date.now() + 5_000;
  while ([...children].some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < deadline) await sleep(50);
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  if (pgDatabase) {
    const client = new pg.Client({ connectionString: pgDatabase.admin });
    try {
      await client.connect();
      await client.query(`drop database if exists "${pgDatabase.name}" with (force)`);
      log(`dropped database ${pgDatabase.name}`);
    } catch (error) {
      log(`could not drop database ${pgDatabase.name}: ${error}`);
    } finally {
      await client.end().catch(() => {});
    }
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}

// A last resort when the process goes down without the async clean-up: kill and remove.
process.on("exit", () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    log(`${signal}: stopping and cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------
// Processes

/** Spawns a tracked child; stderr is kept for error messages. */
function start(args, options = {}) {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], ...options });
  children.add(child);
  let stderr = "";
  child.stderr?.on("data", (chunk) => (stderr += chunk));
  child.on("exit", () => children.delete(child));
  return { child, stderr: () => stderr };
}

/** Runs a node script to completion and parses the last line of its output as JSON. */
function runJson(args, options = {}) {
  return new Promise((resolve, reject) => {
    const { child, stderr } = start(args, options);
    let stdout = "";
    child.stdout?.on("data", (chunk) => (stdout += chunk));
    child.on("exit", (code) => {
      const last = stdout.trim().split("\n").pop() ?? "";
      if (code === 0 && last) resolve(JSON.parse(last));
      else reject(new Error(`${args.join(" ")} exited with ${code}:\n${stderr()}${stdout}`));
    });
  });
}

/** RSS of a process in MB, from /proc (Linux). */
function rssMb(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/**
 * One HTTP request; resolves with the status and the parsed JSON body (or null).
 * @returns {Promise<{ status: number, body: any }>}
 */
function call(base, method, path, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(path, base), { method, headers, agent }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (text += chunk));
      response.on("end", () => {
        let parsed = null;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
        resolve({ status: response.statusCode ?? 0, body: parsed });
      });
    });
    request.on("error", reject);
    request.end(body);
  });
}

const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
const jsonPost = (base, path, value) =>
  call(base, "POST", path, { headers: { "content-type": "application/json" }, body: JSON.stringify(value) });
const formPost = (base, path, fields, auth) =>
  call(base, "POST", path, {
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: auth },
    body: new URLSearchParams(fields).toString(),
  });

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pooled(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

// ---------------------------------------------------------------------------------------------
// Database: creation (PostgreSQL), bulk seeding, the OAuth client

async function createPgDatabase() {
  const name = `gatehouse_bench_${process.pid}_${randomBytes(3).toString("hex")}`;
  const client = new pg.Client({ connectionString: pgAdminUrl });
  await client.connect();
  try {
    await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
  pgDatabase = { admin: /** @type {string} */ (pgAdminUrl), name };
  const url = new URL(/** @type {string} */ (pgAdminUrl));
  url.pathname = `/${name}`;
  log(`created database ${name}`);
  return url.toString();
}

/**
 * Inserts users `from..to` (inclusive) in bulk, each with role USER and the same precomputed
 * argon2id hash: rows are generated inside the database (a recursive CTE on SQLite,
 * generate_series on PostgreSQL) in large transactions, so a million rows take seconds.
 * Usernames are `u0000001`...; ids are fixed-format UUIDs, so the rows look like real ones.
 */
async function seedUsers(databaseUrl, from, to, passwordHash) {
  const t0 = performance.now();
  const batch = 200_000;
  if (databaseUrl.startsWith("sqlite:")) {
    const db = new SQLite(databaseUrl.slice("sqlite:".length));
    db.pragma("busy_timeout = 10000");
    const roleId = db.prepare("select id from roles where name = 'USER'").pluck().get();
    const range = "with recursive n(i) as (select ? union all select i + 1 from n where i < ?)";
    const users = db.prepare(
      `insert into users (id, username, username_canonical, password_hash, created_at, updated_at)
       ${range} select printf('00000000-0000-4000-8000-%012d', i), printf('${PREFIX}%07d', i),
       printf('${PREFIX}%07d', i), ?, ?, ? from n`,
    );
    const roles = db.prepare(
      `insert into user_roles (user_id, role_id) ${range} select printf('00000000-0000-4000-8000-%012d', i), ? from n`,
    );
    for (let a = from; a <= to; a += batch) {
      const b = Math.min(to, a + batch - 1);
      const now = Date.now();
      db.transaction(() => {
        users.run(a, b, passwordHash, now, now);
        roles.run(a, b, roleId);
      })();
    }
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.close();
  } else {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query("select id from roles where name = 'USER'");
      const roleId = rows[0].id;
      for (let a = from; a <= to; a += batch) {
        const b = Math.min(to, a + batch - 1);
        await client.query("begin");
        await client.query(
          `insert into users (id, username, username_canonical, password_hash, created_at, updated_at)
           select '00000000-0000-4000-8000-' || lpad(i::text, 12, '0'), '${PREFIX}' || lpad(i::text, 7, '0'),
                  '${PREFIX}' || lpad(i::text, 7, '0'), $3, $4, $4
           from generate_series($1::int, $2::int) as i`,
          [a, b, passwordHash, Date.now()],
        );
        await client.query(
          `insert into user_roles (user_id, role_id)
           select '00000000-0000-4000-8000-' || lpad(i::text, 12, '0'), $3 from generate_series($1::int, $2::int) as i`,
          [a, b, roleId],
        );
        await client.query("commit");
      }
      // What a DBA would do after a bulk load; autovacuum would get there later by itself.
      await client.query("analyze users");
      await client.query("analyze user_roles");
    } finally {
      await client.end();
    }
  }
  return (performance.now() - t0) / 1000;
}

// ---------------------------------------------------------------------------------------------
// Load

let specCount = 0;

/** One autocannon run in its own process (load.mjs). */
async function load(spec) {
  const file = join(tmp, `load-${++specCount}.json`);
  writeFileSync(file, JSON.stringify(spec));
  return runJson([join(BENCH, "load.mjs"), file]);
}

/** A warm-up run (discarded), then the measured run, sampling the server's RSS meanwhile. */
async function measure(name, spec, server) {
  log(`${name}: ${warmup} s warm-up, ${seconds} s measured`);
  if (warmup > 0 && !spec.noWarmup)
    await load({ ...spec, duration: warmup, ...(spec.warmupData ? { data: spec.warmupData } : {}) });
  const sampler = server ? sampleRss(server.child.pid) : null;
  const result = await load({ ...spec, duration: seconds, warmupData: undefined });
  if (sampler) result.rssMaxMb = sampler.stop();
  return result;
}

let rssUnderLoadMb = 0;

function sampleRss(pid) {
  let max = rssMb(pid);
  const timer = setInterval(() => (max = Math.max(max, rssMb(pid))), 200);
  return {
    stop() {
      clearInterval(timer);
      max = Math.max(max, rssMb(pid));
      rssUnderLoadMb = Math.max(rssUnderLoadMb, max);
      return max;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Gatehouse

async function startGatehouse(databaseUrl) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const { child, stderr } = start([join(ROOT, "bin", "gatehouse.js"), "serve"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      ISSUER: url,
      WORKERS: "1",
      RATE_LIMIT_MAX: "1000000",
      RATE_LIMIT_WINDOW: "1",
    },
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gatehouse exited with ${child.exitCode}:\n${stderr()}`);
    if (performance.now() - t0 > 30_000) throw new Error(`gatehouse not ready within 30 s:\n${stderr()}`);
    const ready = await call(url, "GET", "/readyz").then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    await sleep(5);
  }
  return { child, url, readyMs: performance.now() - t0, stderr };
}

function gatehouseCli(databaseUrl, args) {
  return execFileSync(process.execPath, [join(ROOT, "bin", "gatehouse.js"), ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production", LOG_LEVEL: "error", DATABASE_URL: databaseUrl },
    encoding: "utf8",
  });
}

const userName = (n) => `${PREFIX}${String(n).padStart(7, "0")}`;
const randomUser = (count) => userName(1 + Math.floor(Math.random() * count));

/** Password-grant logins: access and refresh tokens of the bench client. */
async function grantLogins(url, count, users) {
  return pooled(Array.from({ length: count }), 8, async () => {
    const r = await formPost(
      url,
      "/oauth/token",
      { grant_type: "password", username: randomUser(users), password: PASSWORD },
      basic(CLIENT_ID, CLIENT_SECRET),
    );
    if (r.status !== 200) throw new Error(`password grant: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  });
}

/**
 * Many distinct access tokens, spread over `sessions` sessions of distinct users: one
 * jwt-extended login each (one argon2id verification), then non-rotating jwt-extended refreshes,
 * each of which signs a new access token without hashing a password.
 */
async function distinctAccessTokens(url, count, sessions, users) {
  const refreshTokens = await pooled(Array.from({ length: sessions }), 8, async () => {
    const r = await jsonPost(url, "/api/auth/login", { username: randomUser(users), password: PASSWORD });
    if (r.status !== 200) throw new Error(`login: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.data.refresh_token;
  });
  return pooled(Array.from({ length: count }), 16, async (_, i) => {
    const r = await call(url, "POST", "/api/auth/refresh", {
      headers: { authorization: `Bearer ${refreshTokens[i % sessions]}` },
    });
    if (r.status !== 200) throw new Error(`refresh: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.data.access_token;
  });
}

// ---------------------------------------------------------------------------------------------
// The run

function gitCommit() {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short=12", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src", "bin"], {
      cwd: ROOT,
      encoding: "utf8",
    }).trim();
    return dirty ? `${commit} (with uncommitted changes in src/ or bin/)` : commit;
  } catch {
    return "unknown";
  }
}

async function main() {
  const started = new Date();
  const { loadConfig } = await import(new URL("../dist/config/load.js", import.meta.url).href);
  const config = loadConfig({ ...process.env, DATABASE_URL: "sqlite::memory:" });
  const machine = {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model ?? "unknown",
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((v) => Math.round(v * 100) / 100),
  };
  log(
    `machine: ${machine.cpus} × ${machine.model}, ${machine.memoryGb} GB, load average ${machine.loadAverageAtStart.join(" ")}`,
  );

  tmp = mkdtempSync(join(os.tmpdir(), "gatehouse-bench-"));
  const databaseUrl = pgAdminUrl ? await createPgDatabase() : `sqlite:${join(tmp, "gatehouse.db")}`;

  // Start to ready on a fresh database: migration, seeded roles and the first signing key.
  const server = await startGatehouse(databaseUrl);
  log(`ready after ${server.readyMs.toFixed(0)} ms`);
  await sleep(2_000);
  const rssIdleMb = rssMb(server.child.pid);

  // Users and client.
  const passwordHash = await hash(PASSWORD, {
    algorithm: 2,
    memoryCost: config.argon2MemoryKib,
    timeCost: config.argon2Iterations,
    parallelism: 1,
  });
  const seedSeconds = await seedUsers(databaseUrl, 1, seededUsers, passwordHash);
  log(`seeded ${seededUsers} users in ${seedSeconds.toFixed(1)} s`);
  gatehouseCli(databaseUrl, [
    "client",
    "create",
    "--id",
    CLIENT_ID,
    "--secret",
    CLIENT_SECRET,
    "--grants",
    "password,refresh_token",
    "--scopes",
    "read",
  ]);

  const base = { url: server.url, connections };
  const ceilingArgs = (extra) => JSON.stringify({ seconds, ...extra });

  // Ceilings.
  const bare = start([join(BENCH, "bare-http.mjs")]);
  const barePort = await new Promise((resolve, reject) => {
    bare.child.stdout?.once("data", (chunk) => resolve(Number(String(chunk).trim())));
    bare.child.once("exit", (code) => reject(new Error(`bare-http exited with ${code}: ${bare.stderr()}`)));
  });
  const sampleToken = (await grantLogins(server.url, 1, seededUsers))[0].access_token;
  const httpCeiling = await measure("ceiling: HTTP", {
    url: `http://127.0.0.1:${barePort}`,
    connections,
    kind: "post-form",
    data: { path: "/echo", bodies: [`token=${sampleToken}`] },
  });
  bare.child.kill("SIGTERM");
  log("ceiling: password hash");
  const hashCeiling = await runJson([
    join(BENCH, "ceilings.mjs"),
    "hash",
    ceilingArgs({ memoryKib: config.argon2MemoryKib, iterations: config.argon2Iterations }),
  ]);
  log("ceiling: signature");
  const jwtCeiling = await runJson([join(BENCH, "ceilings.mjs"), "jwt", ceilingArgs({ alg: config.jwtAlg })]);
  log("ceiling: commit");
  const commitCeiling = await runJson([
    join(BENCH, "ceilings.mjs"),
    "commit",
    ceilingArgs(pgAdminUrl ? { pgUrl: databaseUrl, poolSize: config.dbPoolSize } : { sqlitePath: join(tmp, "commit.db") }),
  ]);
  const ceilings = {
    http: { perSecond: httpCeiling.rps, p50: httpCeiling.p50, p99: httpCeiling.p99, errors: httpCeiling.errors },
    hash: hashCeiling,
    signature: jwtCeiling,
    commit: commitCeiling,
  };
  log(
    `ceilings: HTTP ${ceilings.http.perSecond.toFixed(0)}/s, hash ${hashCeiling.perSecond.toFixed(1)}/s, signature ${jwtCeiling.perSecond.toFixed(0)}/s, commit ${commitCeiling.perSecond.toFixed(0)}/s`,
  );

  // Tokens for the scenarios.
  log("preparing tokens");
  const oneToken = sampleToken;
  const loginsForRefresh = await pooled(Array.from({ length: 8 }), 8, async () => {
    const r = await jsonPost(server.url, "/api/auth/login", { username: randomUser(seededUsers), password: PASSWORD });
    return r.body.data.refresh_token;
  });
  const rotationPool = (await grantLogins(server.url, connections * 3, seededUsers)).map((t) => t.refresh_token);
  const rotationWarmupPool = (await grantLogins(server.url, connections * 2, seededUsers)).map((t) => t.refresh_token);
  const distinctCount = quick ? 1_000 : 4_000;
  const distinct = await distinctAccessTokens(server.url, distinctCount, 32, seededUsers);
  const client = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, password: PASSWORD, prefix: PREFIX };
  const introspectAuth = { authorization: basic(CLIENT_ID, CLIENT_SECRET) };

  /** @type {Record<string, any>} */
  const scenarios = {};

  // Login, with a light /healthz probe (1 connection, 50 req/s) in a second autocannon process.
  const loginWithProbe = async (name, users) => {
    log(`${name}, with a /healthz probe alongside`);
    const spec = { ...base, kind: "login-jwt", data: { ...client, users } };
    await load({ ...spec, duration: warmup });
    const sampler = sampleRss(server.child.pid);
    const [login, probe] = await Promise.all([
      load({ ...spec, duration: seconds }),
      load({ url: server.url, connections: 1, rate: 50, duration: seconds, kind: "get", data: { path: "/healthz" } }),
    ]);
    login.rssMaxMb = sampler.stop();
    return { login, probe };
  };
  {
    const { login, probe } = await loginWithProbe("login (jwt-extended)", seededUsers);
    scenarios.loginJwt = login;
    scenarios.healthzDuringLogin = probe;
  }
  scenarios.loginGrant = await measure(
    "login (password grant)",
    { ...base, kind: "login-grant", data: { ...client, users: seededUsers } },
    server,
  );
  scenarios.register = await measure("register (jwt-extended)", { ...base, kind: "register", data: client }, server);
  scenarios.refreshJwt = await measure(
    "refresh (jwt-extended)",
    { ...base, kind: "refresh-jwt", data: { tokens: loginsForRefresh } },
    server,
  );
  scenarios.refreshGrant = await measure(
    "refresh (refresh_token grant, rotation)",
    {
      ...base,
      kind: "refresh-grant",
      data: { ...client, tokens: rotationPool },
      warmupData: { ...client, tokens: rotationWarmupPool },
    },
    server,
  );
  scenarios.introspectRepeated = await measure(
    "introspection, one token repeated",
    { ...base, kind: "post-form", data: { path: "/oauth/introspect", headers: introspectAuth, bodies: [`token=${oneToken}`] } },
    server,
  );
  scenarios.introspectDistinct = await measure(
    `introspection, ${distinctCount} distinct tokens`,
    {
      ...base,
      kind: "post-form",
      data: { path: "/oauth/introspect", headers: introspectAuth, bodies: distinct.map((t) => `token=${t}`) },
    },
    server,
  );
  scenarios.checkToken = await measure(
    "check_token",
    {
      ...base,
      kind: "get",
      data: { path: `/oauth/check_token?token=${oneToken}`, headers: { authorization: basic("watup", "watup") } },
    },
    server,
  );
  scenarios.jwks = await measure("JWKS", { ...base, kind: "get", data: { path: "/.well-known/jwks.json" } }, server);

  // The same login and introspection with a million users in the table.
  let millionRun = null;
  if (million > 0) {
    log(`seeding users up to ${million}`);
    const seconds1M = await seedUsers(databaseUrl, seededUsers + 1, million, passwordHash);
    log(`seeded ${million - seededUsers} more users in ${seconds1M.toFixed(1)} s`);
    const distinct1M = await distinctAccessTokens(server.url, distinctCount, 32, million);
    millionRun = {
      users: million,
      seedSeconds: seconds1M,
      ...(await loginWithProbe("1M users: login (jwt-extended)", million).then(({ login, probe }) => ({
        loginJwt: login,
        healthzDuringLogin: probe,
      }))),
      introspectDistinct: await measure(
        "1M users: introspection, distinct tokens",
        {
          ...base,
          kind: "post-form",
          data: { path: "/oauth/introspect", headers: introspectAuth, bodies: distinct1M.map((t) => `token=${t}`) },
        },
        server,
      ),
    };
  }

  const rssAfterMb = rssMb(server.child.pid);
  const stopped = new Promise((resolve) => server.child.once("exit", resolve));
  server.child.kill("SIGTERM");
  await stopped;

  const results = {
    date: started.toISOString(),
    commit: gitCommit(),
    database: dbKind,
    mode: quick ? "quick" : "default",
    machine: { ...machine, loadAverageAtEnd: os.loadavg().map((v) => Math.round(v * 100) / 100) },
    note: "Shared 2-core machine: other test runs may have been going on; the load generator shares the cores with the server.",
    settings: {
      secondsPerMeasurement: seconds,
      warmupSeconds: warmup,
      connections,
      argon2: { memoryKib: config.argon2MemoryKib, iterations: config.argon2Iterations },
      jwtAlg: config.jwtAlg,
      seededUsers,
      distinctTokens: distinctCount,
    },
    startToReadyMs: server.readyMs,
    rssIdleMb,
    rssUnderLoadMb,
    rssAfterMb,
    seedSeconds,
    ceilings,
    scenarios,
    million: millionRun,
  };
  const table = renderTable(results);
  const day = started.toISOString().slice(0, 10);
  mkdirSync(join(BENCH, "results"), { recursive: true });
  // Formatted as the repository's `prettier --check` expects, since the results are committed.
  const json = await prettier.format(JSON.stringify(results), { parser: "json" });
  writeFileSync(join(BENCH, "results", `${day}-${dbKind}.json`), json);
  writeFileSync(join(BENCH, "results", `${day}-${dbKind}.md`), table);
  process.stdout.write(`\n${table}`);
  log(`wrote bench/results/${day}-${dbKind}.json and .md`);
}

// ---------------------------------------------------------------------------------------------
// The table

const fmt = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : "—");
const pct = (value) => (Number.isFinite(value) ? `${(value * 100).toFixed(0)}%` : "—");
const verdict = (pass) => (pass === null ? "" : pass ? "PASS" : "MISS");

function renderTable(r) {
  const c = r.ceilings;
  const s = r.scenarios;
  const rows = [];
  /** @param {string} name @param {any} m @param {[string, number] | null} ceiling @param {number | null} target */
  const row = (name, m, ceiling, target) => {
    const ratio = ceiling ? m.rps / ceiling[1] : NaN;
    rows.push(
      `| ${name} | ${fmt(m.rps)} | ${fmt(m.p50)} | ${fmt(m.p99)} | ${m.errors} | ${ceiling ? `${ceiling[0]} ${fmt(ceiling[1])}/s` : "—"} | ${pct(ratio)} | ${target === null ? "—" : `≥ ${pct(target)}`} | ${verdict(target === null ? null : ratio >= target)} |`,
    );
  };
  const httpC = ["HTTP", c.http.perSecond];
  const hashC = ["hash", c.hash.perSecond];
  const sigC = ["signature", c.signature.perSecond];
  const commitC = ["commit", c.commit.perSecond];
  row("login, jwt-extended `POST /api/auth/login`", s.loginJwt, hashC, 0.85);
  row("login, password grant `POST /oauth/token`", s.loginGrant, hashC, 0.85);
  row("register, jwt-extended (one argon2id hash each)", s.register, hashC, null);
  row("refresh, jwt-extended (no rotation)", s.refreshJwt, commitC, null);
  row("refresh, `refresh_token` grant with rotation", s.refreshGrant, commitC, 0.7);
  row("introspection, one token repeated", s.introspectRepeated, httpC, 0.6);
  row(`introspection, ${r.settings.distinctTokens} distinct tokens`, s.introspectDistinct, sigC, 0.8);
  row("`GET /oauth/check_token`", s.checkToken, httpC, null);
  row("`GET /.well-known/jwks.json`", s.jwks, httpC, null);
  if (r.million) {
    row("1M users: login, jwt-extended", r.million.loginJwt, hashC, 0.85);
    row("1M users: introspection, distinct tokens", r.million.introspectDistinct, sigC, 0.8);
  }

  const other = [];
  const line = (name, value, target, pass) => other.push(`| ${name} | ${value} | ${target} | ${verdict(pass)} |`);
  line("start to ready (fresh database)", `${fmt(r.startToReadyMs)} ms`, "< 1500 ms", r.startToReadyMs < 1500);
  line("RSS idle", `${fmt(r.rssIdleMb)} MB`, "< 100 MB", r.rssIdleMb < 100);
  line("RSS under load (max)", `${fmt(r.rssUnderLoadMb)} MB`, "< 250 MB", r.rssUnderLoadMb < 250);
  const hz = s.healthzDuringLogin;
  line(
    "`/healthz` p99 during the login flood",
    `${fmt(hz.p99)} ms (p50 ${fmt(hz.p50)}, max ${fmt(hz.max)}, ${hz.errors} errors)`,
    "< 20 ms",
    hz.p99 < 20,
  );
  if (r.million) {
    const login = r.million.loginJwt.rps / s.loginJwt.rps;
    const intro = r.million.introspectDistinct.rps / s.introspectDistinct.rps;
    line("login, 1M users vs 10k", `${pct(login)}`, "≥ 90%", login >= 0.9);
    line("introspection (distinct), 1M users vs 10k", `${pct(intro)}`, "≥ 90%", intro >= 0.9);
    line("seeding 1M users (bulk)", `${fmt(r.million.seedSeconds, 1)} s`, "—", null);
  } else {
    line("1M users vs 10k", "not measured (--quick)", "within 10%", null);
  }

  const m = r.machine;
  return [
    `# Gatehouse benchmark — ${r.date.slice(0, 10)}, ${r.database}${r.mode === "quick" ? " (quick)" : ""}`,
    "",
    `Machine: ${m.cpus} × ${m.model}, ${m.memoryGb} GB, Node ${m.node}; load average ${m.loadAverageAtStart.join(" ")} at start, ${m.loadAverageAtEnd.join(" ")} at end. Commit ${r.commit}.`,
    `${r.note} ${r.settings.connections} connections, ${r.settings.warmupSeconds} s warm-up + ${r.settings.secondsPerMeasurement} s per measurement; argon2id m=${r.settings.argon2.memoryKib} KiB t=${r.settings.argon2.iterations} p=1; ${r.settings.jwtAlg}; ${r.settings.seededUsers} users seeded.`,
    "",
    `Ceilings: HTTP ${fmt(c.http.perSecond)} req/s (p99 ${fmt(c.http.p99)} ms), password hash ${fmt(c.hash.perSecond, 1)} verifications/s (${c.hash.threads} pool threads), signature ${fmt(c.signature.perSecond)} verifications/s (${c.signature.alg}), commit ${fmt(c.commit.perSecond)} transactions/s (${c.commit.database}).`,
    "",
    "| scenario | req/s | p50 ms | p99 ms | errors | ceiling | ratio | target | |",
    "|---|---:|---:|---:|---:|---|---:|---|---|",
    ...rows,
    "",
    "| measure | value | target | |",
    "|---|---|---|---|",
    ...other,
    "",
  ].join("\n");
}

try {
  await main();
} catch (error) {
  log(`failed: ${error instanceof Error ? error.stack : error}`);
  process.exitCode = 1;
} finally {
  await cleanup();
  agent.destroy();
}
