// `npm run chaos` — a bounded, loopback-only reliability run against the built server
// (docs/security.md, section Reliability). It starts `node bin/gatehouse.js serve` on fresh databases in the
// system's temporary folder (and throwaway PostgreSQL databases), never touches the
// repository, and removes everything it made on success, failure and Ctrl-C alike.
//
//   npm run chaos                       full run (5 to 10 minutes)
//   npm run chaos -- --quick            CI run (well under 3 minutes)
//   npm run chaos -- --only sqlite      one scenario (sqlite, postgres, slow, saturation, webhooks; a comma list works)
//   npm run chaos -- --db postgres://postgres@127.0.0.1:5432/postgres
//                                       where to create the PostgreSQL database (default:
//                                       GATEHOUSE_TEST_PG_URL, else that URL)
//   other options: --kills N (per crash scenario; default 20, 3 with --quick), --seed N (repeat
//                  a run's random choices), --help
//
// Scenarios:
//   sqlite      R1: kill -9 and restart under a mixed write load on SQLite (WAL), replay the
//               history, PRAGMA integrity_check (crash.mjs, verify.mjs, db-checks.mjs)
//   postgres    R3: the same with two instances on one PostgreSQL database, killed in turn,
//               the other one must keep serving; amcheck and the durability settings. Skipped
//               loudly when PostgreSQL cannot be reached, failed instead with
//               GATEHOUSE_TEST_REQUIRE_SERVICES=1.
//   slow        R8: slowloris and slow POST beside a legitimate client (slow-clients.mjs,
//               slow-sockets.mjs, legit-client.mjs)
//   saturation  R7: ramp to the peak login rate, drive 150 % of it, recover (saturation.mjs)
//   webhooks    two instances on one PostgreSQL deliver webhooks to a slow receiver verifying
//               signatures; exactly once without kills, then kill -9 mid-delivery in turn:
//               every committed event arrives at least once, duplicates counted (webhooks.mjs).
//               Skipped or failed like postgres when PostgreSQL cannot be reached.
//
// The servers run from a copy of the build taken at the start (processes.mjs), so a rebuild
// of the working tree during the run changes nothing under test. The exit status is 1 when
// anything was lost or violated or a scenario could not run, 2 for a usage error.
// Servers get NODE_ENV=production, LOG_LEVEL=warn, RATE_LIMIT_MAX=1000000 (all traffic comes
// from 127.0.0.1), LOCKOUT_THRESHOLD=100 and MAX_SESSIONS_PER_USER=10000 (so that the
// verification's wrong passwords and the many logins of one account change nothing the
// history does not know about); scenario-specific settings are printed with their figures.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkPostgres, checkSqlite } from "./db-checks.mjs";
import { runCrashScenario } from "./crash.mjs";
import { createPgDatabase, pgUnreachable } from "./postgres.mjs";
import { InterruptedFromOutside, ROOT, cleanupAll, cleanupNow, makeTempDir, snapshotBuild } from "./processes.mjs";
import { runSaturation } from "./saturation.mjs";
import { runSlowClients } from "./slow-clients.mjs";
import { createRandom, log } from "./util.mjs";
import { runWebhookScenario } from "./webhooks.mjs";

const SCENARIOS = ["sqlite", "postgres", "slow", "saturation", "webhooks"];

class UsageError extends Error {}

function parseOptions(argv) {
  const value = (name) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes("--quick");
  const only = value("only")?.split(",") ?? SCENARIOS;
  for (const name of only)
    if (!SCENARIOS.includes(name)) throw new UsageError(`--only takes ${SCENARIOS.join(", ")}; got ${name}`);
  const pgUrl = value("db") ?? process.env.GATEHOUSE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  if (!/^postgres(ql)?:\/\//.test(pgUrl)) throw new UsageError("--db takes a postgres:// URL");
  const seed = Number(value("seed") ?? Math.floor(Math.random() * 2 ** 31));
  const kills = Number(value("kills") ?? (quick ? 3 : 20));
  if (!Number.isInteger(kills) || kills < 1) throw new UsageError("--kills takes a whole number of at least 1");
  if (!Number.isInteger(seed)) throw new UsageError("--seed takes a whole number");
  return { quick, only, pgUrl, seed, kills };
}

function crashSettings(options) {
  return {
    kills: options.kills,
    workers: options.quick ? 4 : 6,
    usersPerWorker: options.quick ? 10 : 25,
    gapMs: /** @type {[number, number]} */ (options.quick ? [800, 2_500] : [1_000, 4_000]),
  };
}

async function sqliteScenario(options, random) {
  const path = join(makeTempDir("sqlite"), "chaos.db");
  return runCrashScenario({
    name: "R1 kill -9, SQLite",
    databaseUrl: `sqlite:${path}`,
    instances: 1,
    random,
    ...crashSettings(options),
    dbCheck: async () => checkSqlite(path),
  });
}

/** A PostgreSQL scenario's result when the server cannot be reached: skipped, or failed with GATEHOUSE_TEST_REQUIRE_SERVICES=1; null when it answers. */
async function postgresMissing(options, name) {
  const unreachable = await pgUnreachable(options.pgUrl);
  if (unreachable) {
    const required = process.env.GATEHOUSE_TEST_REQUIRE_SERVICES === "1";
    const banner = `PostgreSQL at ${options.pgUrl} is unreachable (${unreachable}): ${required ? "FAILING" : "SKIPPING"} ${name}`;
    log(`!!!!!!!! ${banner} !!!!!!!!`);
    if (required) throw new Error(banner);
    return {
      name,
      skipped: banner,
      kills: "—",
      acknowledged: 0,
      unknown: 0,
      lost: 0,
      losses: [],
      violations: [],
      lines: [banner],
    };
  }
  return null;
}

async function postgresScenario(options, random) {
  const name = "R3 kill -9, PostgreSQL, 2 instances";
  const missing = await postgresMissing(options, name);
  if (missing) return missing;
  return runCrashScenario({
    name,
    databaseUrl: await createPgDatabase(options.pgUrl, "crash"),
    instances: 2,
    random,
    ...crashSettings(options),
    dbCheck: checkPostgres,
  });
}

const RUNNERS = {
  sqlite: sqliteScenario,
  postgres: postgresScenario,
  slow: (options, random) => runSlowClients({ quick: options.quick, random }),
  saturation: (options, random) => runSaturation({ quick: options.quick, random }),
  async webhooks(options, random) {
    const missing = await postgresMissing(options, "webhooks: kill -9 mid-delivery, PostgreSQL");
    if (missing) return missing;
    const databaseUrl = await createPgDatabase(options.pgUrl, "webhooks");
    return runWebhookScenario({ databaseUrl, quick: options.quick, kills: options.kills, random });
  },
};

/**
 * Runs one scenario; a single-server measurement whose server a signal from outside this run
 * stopped (on a shared machine, someone else's clean-up) is run once more, and says so.
 */
async function runScenario(name, options) {
  try {
    try {
      return await RUNNERS[name](options, createRandom(options.seed + SCENARIOS.indexOf(name)));
    } catch (error) {
      if (!(error instanceof InterruptedFromOutside)) throw error;
      log(`!!!! ${name}: ${error.message}; running it again`);
      await cleanupAll({ keepBuild: true });
      const result = await RUNNERS[name](options, createRandom(options.seed + SCENARIOS.indexOf(name)));
      return { ...result, notes: [...(result.notes ?? []), `first attempt interrupted: ${error.message}`] };
    }
  } catch (error) {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log(`${name}: failed: ${detail}`);
    const violations = [{ what: "scenario could not run", detail: detail.slice(0, 2_000) }];
    return { name, kills: "—", acknowledged: 0, unknown: 0, lost: 0, losses: [], violations, lines: [] };
  }
}

function report(results, options, seconds, build) {
  const out = [];
  const verdict = (r) => (r.skipped ? "SKIPPED" : r.lost === 0 && r.violations.length === 0 ? "PASS" : "FAIL");
  const mode = `${options.quick ? "quick" : "full"}, seed ${options.seed}, ${seconds.toFixed(0)} s`;
  out.push("", `Gatehouse chaos run (${mode}); build of ${build}`, "");
  for (const r of results) {
    out.push(`== ${r.name}: ${verdict(r)}`, ...r.lines.map((line) => `   ${line}`));
    for (const note of (r.notes ?? []).slice(0, 10)) out.push(`   NOTE: ${note}`);
    for (const loss of r.losses.slice(0, 20)) out.push(`   LOST: ${loss.what}: ${loss.detail}`);
    for (const v of r.violations.slice(0, 20)) out.push(`   VIOLATION: ${v.what}: ${v.detail}`);
    const hidden = Math.max(0, r.losses.length - 20) + Math.max(0, r.violations.length - 20);
    if (hidden > 0) out.push(`   (${hidden} more not shown)`);
    out.push("");
  }
  const header = ["scenario", "kills survived", "acknowledged", "unknown", "lost", "violations", "result"];
  const rows = results.map((r) => [r.name, r.kills, r.acknowledged, r.unknown, r.lost, r.violations.length, verdict(r)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(" | ")} |`;
  out.push(line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line), "");
  process.stdout.write(`${out.join("\n")}\n`);
  return results.every((r) => verdict(r) !== "FAIL");
}

/** The commit the build was made from, and whether src/ had uncommitted changes. */
function describeBuild() {
  try {
    const git = (...args) =>
      execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const changed = git("status", "--porcelain", "--", "src").split("\n").filter(Boolean).length;
    return `commit ${git("rev-parse", "--short=12", "HEAD")}${changed ? ` with ${changed} uncommitted changes in src/` : ""}`;
  } catch {
    return "commit unknown";
  }
}

/** The usage: this file's opening comment. */
function printUsage() {
  const text = readFileSync(fileURLToPath(import.meta.url), "utf8");
  const header = text.slice(0, text.indexOf("\nimport ")).replace(/^\/\/ ?/gm, "");
  process.stdout.write(`${header}\n`);
}

async function main() {
  if (process.argv.includes("--help")) return printUsage();
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  log(`${options.quick ? "quick" : "full"} run, seed ${options.seed}, scenarios: ${options.only.join(", ")}`);
  snapshotBuild();
  const build = describeBuild();
  const results = [];
  for (const name of SCENARIOS.filter((n) => options.only.includes(n))) {
    results.push(await runScenario(name, options));
    await cleanupAll({ keepBuild: true });
  }
  const passed = report(results, options, (Date.now() - started) / 1000, build);
  process.exitCode = passed ? 0 : 1;
}

process.on("exit", cleanupNow);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    log(`${signal}: stopping and cleaning up`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

try {
  await main();
} catch (error) {
  if (error instanceof UsageError) process.stderr.write(`error: ${error.message} (see --help)\n`);
  else log(`failed: ${error instanceof Error ? error.stack : error}`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
} finally {
  await cleanupAll();
}
