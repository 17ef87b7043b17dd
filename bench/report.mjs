// The benchmark's report (bench/run.mjs): where it ran (machine, commit), the Markdown table
// of every measurement against its ceiling and target, and the result files in bench/results/
// (`<date>-<database>.json` and `.md`), committed alongside the code they measured.

import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import * as prettier from "prettier";
import { BENCH, ROOT, log } from "./lib/processes.mjs";

// ---------------------------------------------------------------------------------------------
// Where it ran

/** The load average, to two decimals. */
export const loadAverage = () => os.loadavg().map((v) => Math.round(v * 100) / 100);

export function describeMachine() {
  return {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model ?? "unknown",
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    loadAverageAtStart: loadAverage(),
  };
}

/** The checked-out commit, and whether src/ or bin/ differ from it. */
export function gitCommit() {
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

// ---------------------------------------------------------------------------------------------
// The table

const fmt = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : "—");
const pct = (value) => (Number.isFinite(value) ? `${(value * 100).toFixed(0)}%` : "—");
const verdict = (pass) => (pass === null ? "" : pass ? "PASS" : "MISS");

/** One row per scenario: throughput and latency, the ceiling it is held against, and its target. */
function scenarioRows(r) {
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
  if (s.webhook) {
    row("login, password grant, webhook on `session.created`", s.webhook.loginGrant, hashC, null);
    row("refresh, jwt-extended, webhook on `session.created`", s.webhook.refreshJwt, commitC, null);
  }
  row("introspection, one token repeated", s.introspectRepeated, httpC, 0.6);
  row(`introspection, ${r.settings.distinctTokens} distinct tokens`, s.introspectDistinct, sigC, 0.8);
  row("`GET /oauth/check_token`", s.checkToken, httpC, null);
  row("`GET /.well-known/jwks.json`", s.jwks, httpC, null);
  // A code flow commits twice (the code; the exchange), so its ceiling is half the commit's.
  if (s.codeFlow)
    row("code flow: authorize with a session + token exchange", s.codeFlow, ["commit ÷ 2", c.commit.perSecond / 2], null);
  if (s.userSearch) row("admin API: user search, pages of 50 `GET /v1/admin/users`", s.userSearch, httpC, null);
  if (s.oneAccountLogin)
    row(`${s.oneAccountLogin.clients} clients, one account: login, password grant`, s.oneAccountLogin, hashC, null);
  if (r.million) {
    row("1M users: login, jwt-extended", r.million.loginJwt, hashC, 0.85);
    row("1M users: introspection, distinct tokens", r.million.introspectDistinct, sigC, 0.8);
    if (r.million.userSearch) row("1M users: admin API user search", r.million.userSearch, httpC, null);
  }
  return rows;
}

/** One row per other measure: start-up, memory, the health probe, the 1M-user comparison. */
function measureRows(r) {
  const s = r.scenarios;
  const rows = [];
  const line = (name, value, target, pass) => rows.push(`| ${name} | ${value} | ${target} | ${verdict(pass)} |`);
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
  const one = s.oneAccountLogin;
  if (one) {
    const { success, wrongPassword, retryable, other } = one.answers;
    line(
      `${one.clients} clients, one account: success rate, p99`,
      `${pct(one.successRate)} (${success} successes, ${wrongPassword} wrong-password answers, ${retryable} 429/503, ${other} other); p99 ${fmt(one.p99)} ms`,
      "—",
      null,
    );
  }
  for (const run of r.import ?? []) {
    const target = run.database === "PostgreSQL" ? 3_000 : 5_000;
    line(
      `import of ${run.users.toLocaleString("en")} users with werkzeug and bcrypt hashes, ${run.database}`,
      `${run.rowsPerSecond.toLocaleString("en")} rows/s (${fmt(run.seconds, 1)} s, the whole CLI run)`,
      `≥ ${target.toLocaleString("en")} rows/s`,
      run.rowsPerSecond >= target,
    );
  }
  if (r.million) {
    const login = r.million.loginJwt.rps / s.loginJwt.rps;
    const intro = r.million.introspectDistinct.rps / s.introspectDistinct.rps;
    line("login, 1M users vs 10k", `${pct(login)}`, "≥ 90%", login >= 0.9);
    line("introspection (distinct), 1M users vs 10k", `${pct(intro)}`, "≥ 90%", intro >= 0.9);
    if (r.million.userSearch && s.userSearch) {
      const search = r.million.userSearch.rps / s.userSearch.rps;
      line("admin API user search, 1M users vs 10k", `${pct(search)}`, "≥ 90%", search >= 0.9);
    }
    line("seeding 1M users (bulk)", `${fmt(r.million.seedSeconds, 1)} s`, "—", null);
  } else {
    line("1M users vs 10k", "not measured (--quick or --no-million)", "within 10%", null);
  }
  return rows;
}

/** The whole report as Markdown: heading, machine and settings, ceilings, then the two tables. */
export function renderTable(r) {
  const c = r.ceilings;
  const m = r.machine;
  return [
    `# Gatehouse benchmark — ${r.date.slice(0, 10)}, ${r.database}${r.mode === "quick" ? " (quick)" : ""}`,
    "",
    `Machine: ${m.cpus} × ${m.model}, ${m.memoryGb} GB, Node ${m.node}; load average ${m.loadAverageAtStart.join(" ")} at start, ${m.loadAverageAtEnd.join(" ")} at end. Commit ${r.commit}.`,
    `${r.note} ${r.settings.connections} connections, ${r.settings.workers ?? 1} worker(s), ${r.settings.warmupSeconds} s warm-up + ${r.settings.secondsPerMeasurement} s per measurement; argon2id m=${r.settings.argon2.memoryKib} KiB t=${r.settings.argon2.iterations} p=1; ${r.settings.jwtAlg}; ${r.settings.seededUsers} users seeded.`,
    "",
    `Ceilings: HTTP ${fmt(c.http.perSecond)} req/s (p99 ${fmt(c.http.p99)} ms), password hash ${fmt(c.hash.perSecond, 1)} verifications/s (${c.hash.threads} pool threads), signature ${fmt(c.signature.perSecond)} verifications/s (${c.signature.alg}), commit ${fmt(c.commit.perSecond)} transactions/s (${c.commit.database}).`,
    "",
    "| scenario | req/s | p50 ms | p99 ms | errors | ceiling | ratio | target | |",
    "|---|---:|---:|---:|---:|---|---:|---|---|",
    ...scenarioRows(r),
    "",
    "| measure | value | target | |",
    "|---|---|---|---|",
    ...measureRows(r),
    "",
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// The files

/**
 * Writes bench/results/<day>-<database>.{json,md} (`-workers-N` before the extension when
 * Gatehouse ran with more than one worker) and prints the table on stdout.
 */
export async function writeResults(results) {
  const table = renderTable(results);
  const day = results.date.slice(0, 10);
  const { workers } = results.settings;
  const name = `${day}-${results.database}${workers > 1 ? `-workers-${workers}` : ""}`;
  mkdirSync(join(BENCH, "results"), { recursive: true });
  // Formatted as the repository's `prettier --check` expects, since the results are committed.
  const json = await prettier.format(JSON.stringify(results), { parser: "json" });
  writeFileSync(join(BENCH, "results", `${name}.json`), json);
  writeFileSync(join(BENCH, "results", `${name}.md`), table);
  process.stdout.write(`\n${table}`);
  log(`wrote bench/results/${name}.json and .md`);
}
