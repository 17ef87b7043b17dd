// R8: slowloris and slow POST. Many connections send one header byte every few seconds,
// more send a complete header and then a body at 1 byte/s, while a legitimate client sends
// ~50 requests/s (/healthz, the JWKS, introspection), each on a new connection. Pass: at least
// 99 % of the legitimate requests succeed, and their p95 stays within 2x of a baseline
// measured without the slow connections: just before and again just after the attack, the
// worse of the two, since on a shared machine the background load drifts within minutes. Reported: how the slow sockets ended
// (closed by the server, with or without a 408), their lifetimes, the server's open file
// descriptors and RSS.

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { clearInterval, setInterval } from "node:timers";
import { fileURLToPath } from "node:url";
import { basic, form, json, send } from "./http.mjs";
import {
  createOauthClient,
  exitFindings,
  fdCount,
  freePort,
  makeTempDir,
  rssMb,
  runNodeScript,
  startServer,
  stopServer,
} from "./processes.mjs";
import { openSlowSockets } from "./slow-sockets.mjs";
import { fmt, log } from "./util.mjs";

/** Node checks headersTimeout and requestTimeout every 30 s (connectionsCheckingInterval). */
const CHECK_INTERVAL_MS = 30_000;
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 10_000;
/** Past this age a slow socket that is still open counts as a violation. */
const STALE_MS = Math.max(HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS) + CHECK_INTERVAL_MS + 10_000;
/** Latency below this is measurement noise on a shared machine; the p95 ratio uses it as a floor. */
const LATENCY_FLOOR_MS = 5;
const LEGIT_CLIENT = fileURLToPath(new URL("legit-client.mjs", import.meta.url));

function openFileLimit() {
  try {
    return Number(execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim()) || Infinity;
  } catch {
    return Infinity;
  }
}

/** Sizes for the mode, scaled down when the open-file limit is too low for them. */
function plan(quick) {
  const wanted = quick
    ? { header: 200, body: 50, baselineS: 5, attackS: 25 }
    : { header: 500, body: 100, baselineS: 10, attackS: 60 };
  const limit = openFileLimit();
  const room = limit === Infinity ? Infinity : limit - 300;
  const scale = Math.min(1, room / (wanted.header + wanted.body));
  const header = Math.floor(wanted.header * scale);
  const body = Math.floor(wanted.body * scale);
  return { ...wanted, header, body, limit, scaled: scale < 1 };
}

async function prepare(quick) {
  const databaseUrl = `sqlite:${join(makeTempDir("slow"), "chaos.db")}`;
  const client = await createOauthClient(databaseUrl);
  const env = { REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) };
  const server = await startServer({ databaseUrl, port: await freePort(), env });
  const user = { username: `slow${randomBytes(3).toString("hex")}`, password: `chaos-pw-${randomBytes(8).toString("hex")}` };
  const registered = await send(server.url, "POST", "/auth/register", json(user));
  if (registered.outcome !== "ack") throw new Error(`registration failed: HTTP ${registered.status}`);
  const auth = { authorization: basic(client.id, client.secret) };
  const login = await send(server.url, "POST", "/oauth/token", form({ grant_type: "password", ...user }, auth));
  if (login.outcome !== "ack") throw new Error(`login failed: HTTP ${login.status}`);
  log(`slow clients: server pid ${server.pid}, REQUEST_TIMEOUT_MS=${REQUEST_TIMEOUT_MS}${quick ? " (quick)" : ""}`);
  return { server, client, auth, token: login.body.access_token };
}

/** The legitimate client (legit-client.mjs) for `seconds` at 50 requests a second. */
async function legitimateLoad(ctx, seconds) {
  const spec = { url: ctx.server.url, seconds, rate: 50, token: ctx.token, authorization: ctx.auth.authorization };
  return runNodeScript(LEGIT_CLIENT, [JSON.stringify(spec)]);
}

function sampleServer(server) {
  const max = { fds: fdCount(server.pid), rss: rssMb(server.pid) };
  const timer = setInterval(() => {
    max.fds = Math.max(max.fds, fdCount(server.pid));
    max.rss = Math.max(max.rss, rssMb(server.pid));
  }, 500);
  return () => {
    clearInterval(timer);
    return max;
  };
}

function describeSockets(kind, s) {
  const oldest = s.open.length ? Math.max(...s.open.map((o) => o.ageMs)) : NaN;
  return (
    `${kind} sockets closed by the server: ${s.closed} (${s.with408} with a 408; statuses ${s.statuses.join(", ") || "none"}), ` +
    `lifetime p50 ${fmt(s.lifetimeP50 / 1000, 1)} s, max ${fmt(s.lifetimeMax / 1000, 1)} s; ` +
    `${s.open.length} still open at the end (oldest ${fmt(oldest / 1000, 1)} s)`
  );
}

function evaluate({ before, after, during, sockets, peak, idleFds, sizes }, lines, violations) {
  const rate = during.ok / Math.max(1, during.sent);
  const baseline = after.p95 > before.p95 ? after : before;
  const ratio = during.p95 / Math.max(baseline.p95, LATENCY_FLOOR_MS);
  lines.push(
    `legitimate requests during the attack: ${during.ok} of ${during.sent} succeeded (${fmt(rate * 100, 2)} %; failures ${during.failed.slice(0, 5).join(", ") || "none"})`,
    `latency p95 ${fmt(during.p95, 1)} ms vs baseline ${fmt(baseline.p95, 1)} ms (before ${fmt(before.p95, 1)}, after ${fmt(after.p95, 1)}; ` +
      `p50 ${fmt(during.p50, 1)} vs ${fmt(baseline.p50, 1)}; baselines ${before.ok + after.ok}/${before.sent + after.sent} ok): ` +
      `ratio ${fmt(ratio, 2)} (baseline floored at ${LATENCY_FLOOR_MS} ms); worst one-second p95 ${fmt(during.worstSecond, 1)} ms ` +
      `(baseline ${fmt(baseline.worstSecond, 1)} ms)`,
    `slow connections: ${sizes.header} header + ${sizes.body} body held for ${sizes.attackS} s, ${sockets.opened} opened in all, ${sockets.errors} socket errors`,
    describeSockets("slow-header", sockets.header),
    describeSockets("slow-body", sockets.body),
    `server: open file descriptors ${idleFds} idle, max ${peak.fds} under attack; max RSS ${fmt(peak.rss)} MB`,
    `settings: REQUEST_TIMEOUT_MS=${REQUEST_TIMEOUT_MS} (lowered from 30000 for the run); headersTimeout ${HEADERS_TIMEOUT_MS} ms (fixed in src/http/app.ts)`,
  );
  if (rate < 0.99)
    violations.push({ what: "R8: under 99 % of legitimate requests succeeded", detail: `${fmt(rate * 100, 2)} %` });
  if (ratio > 2) violations.push({ what: "R8: legitimate p95 over 2x baseline", detail: `ratio ${fmt(ratio, 2)}` });
  const stale = [...sockets.header.open, ...sockets.body.open].filter((o) => o.ageMs > STALE_MS);
  if (stale.length > 0)
    violations.push({ what: "R8: slow sockets not closed", detail: `${stale.length} open for over ${STALE_MS / 1000} s` });
}

export async function runSlowClients({ quick }) {
  const sizes = plan(quick);
  const ctx = await prepare(quick);
  const violations = [];
  const lines = sizes.scaled ? [`open-file limit ${sizes.limit}: slow connections scaled down`] : [];
  let during = { ok: 0, failed: [] };
  try {
    log(`slow clients: baseline ${sizes.baselineS} s at 50 req/s`);
    const idleFds = fdCount(ctx.server.pid);
    const before = await legitimateLoad(ctx, sizes.baselineS);
    log(`slow clients: ${sizes.header} slow-header and ${sizes.body} slow-body connections for ${sizes.attackS} s`);
    const attack = openSlowSockets({
      port: ctx.server.port,
      header: sizes.header,
      body: sizes.body,
      auth: ctx.auth.authorization,
    });
    const stopSampling = sampleServer(ctx.server);
    await attack.opened;
    during = await legitimateLoad(ctx, sizes.attackS);
    const sockets = attack.stop();
    const peak = stopSampling();
    log(`slow clients: baseline again for ${sizes.baselineS} s`);
    const after = await legitimateLoad(ctx, sizes.baselineS);
    evaluate({ before, after, during, sockets, peak, idleFds, sizes }, lines, violations);
    violations.push(...exitFindings(ctx.server));
  } finally {
    await stopServer(ctx.server);
  }
  const unknown = during.failed.length;
  return { name: "R8 slow clients", kills: "—", acknowledged: during.ok, unknown, lost: 0, losses: [], violations, lines };
}
