// R7, bounded: Argon2id logins (the OAuth password grant) are the expensive path. A short ramp
// of closed-loop clients finds roughly the peak login rate; then an open-loop generator offers
// 150 % of it for a bounded time while /healthz and an introspection are probed and the
// server's RSS is sampled; then closed-loop logins at the peak's concurrency measure how soon
// throughput is back (at least 80 % of the peak) after the overload stops.
//
// Pass: every answer is a 2xx, a 429, or a 503 with Retry-After (no other status, no crash),
// RSS stays under RSS_LIMIT_MB, and throughput is back within 30 s. The per-IP rate limit is
// raised out of the way (all traffic comes from 127.0.0.1), so what is measured is the server's
// own shedding: requests nobody answers within 60 s are counted as unanswered.

import { join } from "node:path";
import { clearInterval, setInterval } from "node:timers";
import { basic, createAgent, form, json, send } from "./http.mjs";
import {
  buildDefaults,
  createOauthClient,
  exitFindings,
  freePort,
  hasExited,
  makeTempDir,
  rssMb,
  startServer,
  stopServer,
} from "./processes.mjs";
import { fmt, formatHistogram, log, now, percentile, pooled, sleep } from "./util.mjs";

const RSS_LIMIT_MB = 512;
const RECOVERY_LIMIT_MS = 30_000;
const LOGIN_TIMEOUT_MS = 60_000;
const MAX_OUTSTANDING = 1_000;

async function prepare(quick, random) {
  const databaseUrl = `sqlite:${join(makeTempDir("saturation"), "chaos.db")}`;
  const client = await createOauthClient(databaseUrl);
  const server = await startServer({ databaseUrl, port: await freePort() });
  const tag = random.hex(3);
  const users = Array.from({ length: quick ? 24 : 48 }, (_, i) => ({
    username: `sat${tag}u${i}`,
    password: `chaos-pw-${random.hex(8)}`,
  }));
  await pooled(users, 4, async (user) => {
    const reply = await send(server.url, "POST", "/auth/register", { ...json(user), timeoutMs: 30_000 });
    if (reply.outcome !== "ack") throw new Error(`registration failed: HTTP ${reply.status} ${reply.error ?? ""}`);
  });
  const auth = { authorization: basic(client.id, client.secret) };
  const login = await send(server.url, "POST", "/oauth/token", form({ grant_type: "password", ...users[0] }, auth));
  if (login.outcome !== "ack") throw new Error(`login failed: HTTP ${login.status}`);
  return { server, auth, users, random, token: login.body.access_token, agent: createAgent(MAX_OUTSTANDING + 64) };
}

/** The status as the histogram shows it: "200", "429", "503+Retry-After", "503", "no answer (ETIMEOUT)". */
function label(reply) {
  if (reply.status === 0) return `no answer (${reply.error}${reply.reusedSocket ? " on a reused keep-alive socket" : ""})`;
  return reply.status === 503 && reply.retryAfter ? "503+Retry-After" : String(reply.status);
}

const acceptable = (reply) =>
  (reply.status >= 200 && reply.status < 300) || reply.status === 429 || (reply.status === 503 && reply.retryAfter);

function login(ctx) {
  const user = ctx.random.pick(ctx.users);
  const body = form({ grant_type: "password", ...user }, ctx.auth);
  return send(ctx.server.url, "POST", "/oauth/token", { ...body, agent: ctx.agent, timeoutMs: LOGIN_TIMEOUT_MS });
}

/** `concurrency` clients logging in back to back for `seconds`. */
async function closedLoop(ctx, concurrency, seconds, replies) {
  const t0 = now();
  let ok = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (now() - t0 < seconds * 1000 && !hasExited(ctx.server)) {
        const reply = await login(ctx);
        replies.push(reply);
        if (reply.outcome === "ack") ok += 1;
      }
    }),
  );
  return ok / ((now() - t0) / 1000);
}

/** Offers `rate` logins a second for `seconds`, whatever the answers; resolves when all are answered. */
async function openLoop(ctx, rate, seconds, replies) {
  const pending = new Set();
  let sent = 0;
  let skipped = 0;
  const t0 = now();
  while (now() - t0 < seconds * 1000 && !hasExited(ctx.server)) {
    const due = Math.floor(((now() - t0) / 1000) * rate);
    for (; sent < due; sent++) {
      if (pending.size >= MAX_OUTSTANDING) {
        skipped += 1;
        continue;
      }
      const request = login(ctx).then((reply) => {
        replies.push(reply);
        pending.delete(request);
      });
      pending.add(request);
    }
    await sleep(10);
  }
  const stoppedAt = now();
  const drained = Promise.all(pending).then(() => now() - stoppedAt);
  return { sent: sent - skipped, skipped, stoppedAt, drained };
}

/** /healthz every 100 ms and an introspection every 200 ms, until stopped; latencies in ms. */
function probe(ctx) {
  const agent = createAgent(2);
  const result = { healthz: [], introspect: [], bad: [] };
  let stopped = false;
  const loop = async (path, every, into, request) => {
    while (!stopped && !hasExited(ctx.server)) {
      const reply = await send(ctx.server.url, request ? "POST" : "GET", path, { ...request, agent, timeoutMs: 30_000 });
      if (reply.status === 200) into.push(reply.ms);
      else result.bad.push(`${path}: ${label(reply)}`);
      await sleep(every);
    }
  };
  const loops = [
    loop("/healthz", 100, result.healthz),
    loop("/oauth/introspect", 200, result.introspect, form({ token: ctx.token }, ctx.auth)),
  ];
  return async () => {
    stopped = true;
    await Promise.all(loops);
    agent.destroy();
    return result;
  };
}

function sampleRss(pid) {
  let max = rssMb(pid);
  const timer = setInterval(() => (max = Math.max(max, rssMb(pid) || 0)), 250);
  return () => {
    clearInterval(timer);
    return max;
  };
}

/** Closed-loop windows of 2 s at the peak's concurrency until one reaches 80 % of the peak. */
async function recovery(ctx, peak, stoppedAt, replies) {
  for (;;) {
    const rate = await closedLoop(ctx, peak.concurrency, 2, replies);
    const elapsed = now() - stoppedAt;
    if (rate >= 0.8 * peak.rate) return { recoveredMs: elapsed, rate };
    if (elapsed > RECOVERY_LIMIT_MS + 5_000 || hasExited(ctx.server)) return { recoveredMs: NaN, rate };
  }
}

async function ramp(ctx, levels, seconds, replies) {
  let peak = { rate: 0, concurrency: levels[0] };
  const steps = [];
  for (const concurrency of levels) {
    const rate = await closedLoop(ctx, concurrency, seconds, replies);
    steps.push(`${concurrency}→${fmt(rate)}/s`);
    if (rate > peak.rate) peak = { rate, concurrency };
  }
  log(`saturation: ramp ${steps.join(", ")}; peak ${fmt(peak.rate)} logins/s at ${peak.concurrency} clients`);
  return { peak, steps };
}

export async function runSaturation({ quick, random }) {
  const ctx = await prepare(quick, random);
  const replies = [];
  const violations = [];
  const overloadS = quick ? 15 : 45;
  const stopRss = sampleRss(ctx.server.pid);
  try {
    const idleProbe = probe(ctx);
    await sleep(2_000);
    const idle = await idleProbe();
    const { peak, steps } = await ramp(ctx, quick ? [2, 4, 8] : [2, 4, 8, 16, 32], quick ? 2.5 : 4, replies);
    const offered = peak.rate * 1.5;
    log(`saturation: offering ${fmt(offered)} logins/s for ${overloadS} s`);
    const overloadReplies = [];
    const stopProbe = probe(ctx);
    const overload = await openLoop(ctx, offered, overloadS, overloadReplies);
    const recovered = await recovery(ctx, peak, overload.stoppedAt, replies);
    const drainMs = await overload.drained;
    const probed = await stopProbe();
    replies.push(...overloadReplies);
    const figures = {
      idle,
      peak,
      steps,
      offered,
      overloadS,
      overload,
      overloadReplies,
      recovered,
      drainMs,
      probed,
      maxRss: stopRss(),
    };
    const lines = evaluate(ctx, replies, figures, violations);
    const hashing = await buildDefaults(["HASH_CONCURRENCY", "HASH_QUEUE_MAX", "ARGON2_MEMORY_KIB"]);
    const listed = Object.entries(hashing).map(([k, v]) => `${k}=${v}`);
    const queue = "HASH_QUEUE_MAX" in hashing ? "with a hashing queue" : "without hashing-queue settings";
    lines.push(`build under test: ${queue}; defaults in use ${listed.join(", ")}`);
    const acknowledged = replies.filter((r) => r.outcome === "ack").length;
    const unknown = replies.filter((r) => r.status === 0).length;
    return { name: "R7 saturation (logins)", kills: "—", acknowledged, unknown, lost: 0, losses: [], violations, lines };
  } finally {
    stopRss();
    ctx.agent.destroy();
    await stopServer(ctx.server);
  }
}

function evaluate(ctx, replies, f, violations) {
  const counts = {};
  for (const reply of replies) counts[label(reply)] = (counts[label(reply)] ?? 0) + 1;
  const during = f.overloadReplies;
  const latencies = during.filter((r) => r.status !== 0).map((r) => r.ms);
  const unanswered = replies.filter((r) => r.status === 0).length;
  const bad = replies.filter((r) => r.status !== 0 && !acceptable(r));
  const lines = [
    `ramp (clients→logins/s): ${f.steps.join(", ")}; peak ${fmt(f.peak.rate)}/s at ${f.peak.concurrency} clients`,
    `overload: ${fmt(f.offered)} logins/s offered for ${f.overloadS} s: ${f.overload.sent} sent, ` +
      `${f.overload.skipped} not sent (over ${MAX_OUTSTANDING} outstanding); answered in p50 ${fmt(percentile(latencies, 50))} ms, ` +
      `p99 ${fmt(percentile(latencies, 99))} ms, max ${fmt(Math.max(0, ...latencies))} ms; backlog drained ${fmt(f.drainMs / 1000, 1)} s after the offer stopped`,
    `status histogram (all logins): ${formatHistogram(counts)}`,
    `/healthz p99 ${fmt(percentile(f.probed.healthz, 99), 1)} ms under overload (idle ${fmt(percentile(f.idle.healthz, 99), 1)} ms); ` +
      `introspection p99 ${fmt(percentile(f.probed.introspect, 99), 1)} ms (idle ${fmt(percentile(f.idle.introspect, 99), 1)} ms); ` +
      `${f.probed.bad.length} probe failures`,
    `max RSS ${fmt(f.maxRss)} MB (limit ${RSS_LIMIT_MB} MB)`,
    `throughput back to ≥ 80 % of peak ${Number.isFinite(f.recovered.recoveredMs) ? `${fmt(f.recovered.recoveredMs / 1000, 1)} s` : "not within the limit"} after the overload stopped (${fmt(f.recovered.rate)}/s)`,
  ];
  if (bad.length > 0)
    violations.push({ what: "R7/I5: status other than 2xx, 429 or 503+Retry-After", detail: formatHistogram(counts) });
  if (unanswered > 0) lines.push(`${unanswered} logins got no answer (reset, or nothing within ${LOGIN_TIMEOUT_MS / 1000} s)`);
  if (f.probed.bad.length > 0)
    violations.push({ what: "R7: probe failed under overload", detail: f.probed.bad.slice(0, 5).join("; ") });
  if (!(f.maxRss <= RSS_LIMIT_MB)) violations.push({ what: "R7: RSS over the limit", detail: `${fmt(f.maxRss)} MB` });
  if (!(f.recovered.recoveredMs <= RECOVERY_LIMIT_MS))
    violations.push({ what: "R7: throughput not back within 30 s", detail: `${fmt(f.recovered.recoveredMs / 1000, 1)} s` });
  violations.push(...exitFindings(ctx.server));
  return lines;
}
