// `npm run bench` — measures Gatehouse against this machine's own ceilings, in one run (#7).
//
//   npm run bench                       defaults (SQLite, ~8 s per measurement, 1M-user pass)
//   npm run bench -- --quick            short measurements, no 1M-user pass (under 2 minutes)
//   npm run bench -- --db postgres://postgres@127.0.0.1:5432/postgres
//                                       PostgreSQL: a database of its own is created there
//                                       for the run and dropped afterwards
//   other options: --seconds N (per measurement), --connections N (every scenario but the
//                  one-account logins, which always have 64 clients), --no-million,
//                  --workers N (Gatehouse's WORKERS; default 1)
//
// Written as plain .mjs with JSDoc: it runs with `node` against the built server (dist/, made
// by `npm run build`, which the npm script runs first), needs no build step of its own, and
// stays outside the TypeScript project, whose include list is src, test and scripts.
//
// Files:
//   run.mjs              this orchestrator: options, then the phases of main() (start on a fresh
//                        database and idle RSS, seed, ceilings, scenarios, the 1M-user pass, report)
//   lib/processes.mjs    child processes and clean-up, RSS sampling, free ports, HTTP calls, pooled
//   lib/seed.mjs         the PostgreSQL database of the run, bulk user seeding, the client's credentials
//   lib/gatehouse.mjs    starting and stopping Gatehouse, its CLI (the OAuth client), token preparation
//   lib/measure.mjs      warm-up and measured load runs, RSS under load
//   lib/scenarios.mjs    the scenarios and the 1M-user pass
//   lib/code-flow.mjs    the authorization code flow scenario (a signed-in browser and its app)
//   lib/user-search.mjs  the admin API's user search (an administrator's pages of 50)
//   lib/webhook-scenario.mjs  login and refresh again with a webhook on session.created (receiver on loopback)
//   lib/import-scenario.mjs  gatehouse import of generated users with legacy hashes (after the server stopped)
//   report.mjs           the Markdown table and the result files in bench/results/
//   load.mjs, ceilings.mjs, bare-http.mjs   child processes, described below
//
// Processes: this orchestrator, the Gatehouse server (`node bin/gatehouse.js serve`, production
// mode), the bare Fastify server of the HTTP ceiling (bare-http.mjs), the raw ceilings
// (ceilings.mjs) and the load generator (load.mjs, autocannon), each a process of its own.
// Everything started here is stopped, and the temporary folder (and PostgreSQL database)
// removed, on success, failure and Ctrl-C alike.

import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createBenchClient, grantLogins, startGatehouse, stopGatehouse } from "./lib/gatehouse.mjs";
import { createMeasurer } from "./lib/measure.mjs";
import {
  BENCH,
  cleanUpOnSignalsAndExit,
  cleanup,
  closeHttpAgent,
  log,
  makeTempDir,
  rssMb,
  runJson,
  start,
} from "./lib/processes.mjs";
import {
  measureLoginsAndRefreshes,
  measureMillionUsers,
  measureOneAccountLogins,
  measureTokenChecks,
  prepareTokens,
} from "./lib/scenarios.mjs";
import { importScenario } from "./lib/import-scenario.mjs";
import { measureCodeFlow } from "./lib/code-flow.mjs";
import { measureUserSearch, prepareUserSearch } from "./lib/user-search.mjs";
import { measureWebhookHotPath } from "./lib/webhook-scenario.mjs";
import { createPgDatabase, hashPassword, seedUsers } from "./lib/seed.mjs";
import { describeMachine, gitCommit, loadAverage, writeResults } from "./report.mjs";

// ---------------------------------------------------------------------------------------------
// Options

/** The command line, read once; a bad --db URL stops the run before anything starts. */
function readOptions(argv) {
  const flag = (name) => argv.includes(`--${name}`);
  const option = (name) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = flag("quick");
  const pgAdminUrl = option("db");
  if (pgAdminUrl && !/^postgres(ql)?:\/\//.test(pgAdminUrl)) throw new Error("--db takes a postgres:// URL");
  return {
    quick,
    pgAdminUrl,
    dbKind: pgAdminUrl ? "postgres" : "sqlite",
    seconds: Number(option("seconds") ?? (quick ? 3 : 8)),
    warmup: quick ? 1 : 2,
    connections: Number(option("connections") ?? 16),
    workers: Number(option("workers") ?? 1),
    seededUsers: 10_000,
    million: !quick && !flag("no-million") ? 1_000_000 : 0,
    distinctTokens: quick ? 1_000 : 4_000,
  };
}

const options = readOptions(process.argv.slice(2));
cleanUpOnSignalsAndExit();

/** @typedef {import("./lib/scenarios.mjs").Bench} Bench */

// ---------------------------------------------------------------------------------------------
// Start and seed

/** The server's own configuration, from the build, with the defaults of the environment. */
async function loadServerConfig() {
  const { loadConfig } = await import(new URL("../dist/config/load.js", import.meta.url).href);
  return loadConfig({ ...process.env, DATABASE_URL: "sqlite::memory:" });
}

/** Start to ready on a fresh database: migration, seeded roles and the first signing key. */
async function startOnFreshDatabase() {
  const tmp = makeTempDir();
  const databaseUrl = options.pgAdminUrl ? await createPgDatabase(options.pgAdminUrl) : `sqlite:${join(tmp, "gatehouse.db")}`;
  const server = await startGatehouse(databaseUrl, options.workers);
  log(`ready after ${server.readyMs.toFixed(0)} ms`);
  await sleep(2_000);
  const rssIdleMb = rssMb(server.child.pid);
  return { tmp, databaseUrl, server, rssIdleMb };
}

/** The seeded users (one shared password hash) and the bench's OAuth client. */
async function seedUsersAndClient(databaseUrl, config) {
  const passwordHash = await hashPassword(config);
  const seedSeconds = await seedUsers(databaseUrl, 1, options.seededUsers, passwordHash);
  log(`seeded ${options.seededUsers} users in ${seedSeconds.toFixed(1)} s`);
  createBenchClient(databaseUrl);
  return { passwordHash, seedSeconds };
}

// ---------------------------------------------------------------------------------------------
// Ceilings

/**
 * The HTTP ceiling: a bare Fastify server (bare-http.mjs) given introspection-sized form bodies.
 * @param {Bench} bench
 */
async function measureHttpCeiling(bench) {
  const bare = start([join(BENCH, "bare-http.mjs")]);
  const barePort = await new Promise((resolve, reject) => {
    bare.child.stdout?.once("data", (chunk) => resolve(Number(String(chunk).trim())));
    bare.child.once("exit", (code) => reject(new Error(`bare-http exited with ${code}: ${bare.stderr()}`)));
  });
  const sampleToken = (await grantLogins(bench.server.url, 1, options.seededUsers))[0].access_token;
  const result = await bench.measurer.measure("ceiling: HTTP", {
    url: `http://127.0.0.1:${barePort}`,
    connections: options.connections,
    kind: "post-form",
    data: { path: "/echo", bodies: [`token=${sampleToken}`] },
  });
  bare.child.kill("SIGTERM");
  return { http: { perSecond: result.rps, p50: result.p50, p99: result.p99, errors: result.errors }, sampleToken };
}

/** One raw ceiling of ceilings.mjs (`hash`, `jwt` or `commit`) in a process of its own. */
function runCeiling(kind, settings) {
  return runJson([join(BENCH, "ceilings.mjs"), kind, JSON.stringify({ seconds: options.seconds, ...settings })]);
}

/**
 * What this machine can do at most, without Gatehouse: HTTP, password hash, signature, commit.
 * @param {Bench} bench
 */
async function measureCeilings(bench) {
  const { config } = bench;
  const { http, sampleToken } = await measureHttpCeiling(bench);
  log("ceiling: password hash");
  const hash = await runCeiling("hash", { memoryKib: config.argon2MemoryKib, iterations: config.argon2Iterations });
  log("ceiling: signature");
  const signature = await runCeiling("jwt", { alg: config.jwtAlg });
  log("ceiling: commit");
  const commit = await runCeiling(
    "commit",
    options.pgAdminUrl ? { pgUrl: bench.databaseUrl, poolSize: config.dbPoolSize } : { sqlitePath: join(bench.tmp, "commit.db") },
  );
  log(
    `ceilings: HTTP ${http.perSecond.toFixed(0)}/s, hash ${hash.perSecond.toFixed(1)}/s, signature ${signature.perSecond.toFixed(0)}/s, commit ${commit.perSecond.toFixed(0)}/s`,
  );
  return { ceilings: { http, hash, signature, commit }, sampleToken };
}

// ---------------------------------------------------------------------------------------------
// The run

/** The settings the report states next to the numbers. */
function settingsOf(config) {
  return {
    secondsPerMeasurement: options.seconds,
    warmupSeconds: options.warmup,
    connections: options.connections,
    workers: options.workers,
    argon2: { memoryKib: config.argon2MemoryKib, iterations: config.argon2Iterations },
    jwtAlg: config.jwtAlg,
    seededUsers: options.seededUsers,
    distinctTokens: options.distinctTokens,
  };
}

async function main() {
  const started = new Date();
  const config = await loadServerConfig();
  const machine = describeMachine();
  log(
    `machine: ${machine.cpus} × ${machine.model}, ${machine.memoryGb} GB, load average ${machine.loadAverageAtStart.join(" ")}`,
  );
  const { tmp, databaseUrl, server, rssIdleMb } = await startOnFreshDatabase();
  const { passwordHash, seedSeconds } = await seedUsersAndClient(databaseUrl, config);
  const measurer = createMeasurer({ tmp, seconds: options.seconds, warmup: options.warmup });
  /** @type {Bench} */
  const bench = {
    options,
    config,
    tmp,
    databaseUrl,
    server,
    measurer,
    base: { url: server.url, connections: options.connections },
  };

  const { ceilings, sampleToken } = await measureCeilings(bench);
  const tokens = await prepareTokens(bench, sampleToken);
  prepareUserSearch(bench);
  const scenarios = {
    ...(await measureLoginsAndRefreshes(bench, tokens)),
    webhook: await measureWebhookHotPath(bench, tokens),
    ...(await measureTokenChecks(bench, tokens)),
    oneAccountLogin: await measureOneAccountLogins(bench),
    codeFlow: await measureCodeFlow(bench),
    userSearch: await measureUserSearch(bench, "admin API: user search"),
  };
  const million = await measureMillionUsers(bench, passwordHash);

  const rssAfterMb = rssMb(server.child.pid);
  await stopGatehouse(server);
  // After the server stopped: the import is a process of its own and has the cores to itself.
  const imported = await importScenario({
    users: options.quick ? 20_000 : 100_000,
    hashFormats: ["werkzeug-scrypt", "bcrypt-2y", "werkzeug-pbkdf2", "bcrypt-2a"],
    postgresAdminUrl: options.pgAdminUrl ?? null,
    log: (line) => log(`import: ${line}`),
  });
  await writeResults({
    date: started.toISOString(),
    commit: gitCommit(),
    database: options.dbKind,
    mode: options.quick ? "quick" : "default",
    machine: { ...machine, loadAverageAtEnd: loadAverage() },
    note: "Shared 2-core machine: other test runs may have been going on; the load generator shares the cores with the server.",
    settings: settingsOf(config),
    startToReadyMs: server.readyMs,
    rssIdleMb,
    rssUnderLoadMb: measurer.peakRssMb(),
    rssAfterMb,
    seedSeconds,
    ceilings,
    scenarios,
    million,
    import: imported,
  });
}

try {
  await main();
} catch (error) {
  log(`failed: ${error instanceof Error ? error.stack : error}`);
  process.exitCode = 1;
} finally {
  await cleanup();
  closeHttpAgent();
}
