// R1 (SQLite, WAL) and R3 (PostgreSQL): kill -9 under a mixed write load, restart on the same
// database, repeat; then replay the history against the last server (verify.mjs), kill that
// one too, and check the database with no server attached (db-checks.mjs).
//
// With two instances (PostgreSQL), the load goes to both, the kills alternate between them,
// and while one is down the other must keep answering: every operation it got and a /readyz
// probe every 100 ms must get a definite answer.

import { createAgent, send } from "./http.mjs";
import { countOps, createHistory, setAsideOutsideStops } from "./model.mjs";
import { createOauthClient, freePort, kill9, startServer, stoppedFromOutside } from "./processes.mjs";
import { fmt, log, now, percentile, sleep } from "./util.mjs";
import { verifyHistory } from "./verify.mjs";
import { createTargets, runWorkers } from "./workload.mjs";

async function startSlots(databaseUrl, count) {
  const slots = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    const server = await startServer({ databaseUrl, port });
    slots.push({ name: String.fromCharCode(65 + i), port, server, agent: createAgent(), up: true, restarting: null });
  }
  return slots;
}

/**
 * A server that exits without being killed is a violation; it is restarted at once (the load
 * leaves it alone meanwhile). If it cannot start again, the run stops.
 */
function watchForCrash(ctx, slot) {
  const server = slot.server;
  void server.exited.then(({ code, signal }) => {
    if (server.killedByUs) return;
    const how = `instance ${slot.name} (pid ${server.pid}) exited (${code ?? signal})`;
    if (stoppedFromOutside(code, signal)) {
      ctx.history.notes.push(`${how}: stopped by a signal from outside this run`);
      ctx.history.outsidePids.add(server.pid);
    } else ctx.history.violation("server crashed", `${how}:\n${server.tail().slice(-1_500)}`);
    ctx.targets.setUp(slot, false);
    log(`${how}; restarting it`);
    slot.restarting = restart(ctx, slot)
      .catch(() => ctx.targets.close())
      .finally(() => (slot.restarting = null));
  });
}

/** GET /readyz on a slot every 100 ms until stopped; counts the answers that were not 200. */
function probe(slot) {
  let stopped = false;
  const results = { sent: 0, failed: 0 };
  const done = (async () => {
    while (!stopped) {
      const reply = await send(slot.server.url, "GET", "/readyz", { timeoutMs: 10_000 });
      results.sent += 1;
      if (reply.status !== 200) results.failed += 1;
      await sleep(100);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await done;
      return results;
    },
  };
}

/** Kills one instance, restarts it on the same database and port; returns the restart time. */
async function killAndRestart(ctx, slot) {
  const pid = slot.server.pid;
  const dead = kill9(slot.server);
  ctx.targets.setUp(slot, false);
  await dead;
  const t0 = now();
  await restart(ctx, slot);
  return { pid, restartMs: now() - t0 };
}

async function restart(ctx, slot) {
  ctx.errorLines.push(...slot.server.errorLines);
  slot.agent.destroy();
  slot.agent = createAgent();
  try {
    slot.server = await startServer({ databaseUrl: ctx.databaseUrl, port: slot.port });
  } catch (error) {
    ctx.history.violation("restart after kill -9 failed", String(error instanceof Error ? error.message : error).slice(0, 2_000));
    throw error;
  }
  watchForCrash(ctx, slot);
  ctx.targets.setUp(slot, true);
}

/**
 * What the other instance did while one was down: operations without any answer and failed
 * probes count against it; 503s with Retry-After are load shed, counted apart. A window in
 * which the survivor itself was stopped from outside is left out.
 */
function countSurvivor(ctx, survivor, other, probed, t0, pid) {
  if (ctx.history.outsidePids.has(pid) || other.server.pid !== pid) return;
  survivor.probes += probed.sent;
  survivor.probeFailures += probed.failed;
  const during = ctx.history.ops.filter((op) => op.slot === other.name && op.t0 >= t0 && op.t1 <= now());
  survivor.ops += during.length;
  survivor.unanswered += during.filter((op) => op.status === 0).length;
  survivor.shed += during.filter((op) => op.status === 503).length;
}

/** The kills; with two instances also what the survivor did while the other was down. */
async function killLoop(ctx, slots, options) {
  const restarts = [];
  const survivor = { ops: 0, unanswered: 0, shed: 0, probes: 0, probeFailures: 0 };
  for (let k = 0; k < options.kills; k++) {
    await sleep(ctx.random.between(options.gapMs[0], options.gapMs[1]));
    const victim = slots[k % slots.length];
    await Promise.all(slots.map((slot) => slot.restarting));
    const other = slots.length > 1 ? slots[(k + 1) % slots.length] : null;
    const watch = other ? probe(other) : null;
    const survivorPid = other?.server.pid;
    const t0 = now();
    const { pid, restartMs } = await killAndRestart(ctx, victim);
    restarts.push(restartMs);
    if (other && watch) countSurvivor(ctx, survivor, other, await watch.stop(), t0, survivorPid);
    log(`${options.name}: kill ${k + 1}/${options.kills} (instance ${victim.name}, pid ${pid}), back in ${fmt(restartMs)} ms`);
  }
  return { restarts, survivor };
}

/**
 * Runs one crash scenario.
 * @param {{ name: string, databaseUrl: string, instances: number, kills: number, workers: number,
 *   usersPerWorker: number, gapMs: [number, number], random: any, dbCheck: (url: string) => Promise<any> }} options
 */
export async function runCrashScenario(options) {
  const { name, databaseUrl } = options;
  const client = await createOauthClient(databaseUrl);
  const slots = await startSlots(databaseUrl, options.instances);
  const history = createHistory();
  /** @type {any} */
  const ctx = {
    databaseUrl,
    client,
    history,
    random: options.random,
    targets: createTargets(slots, options.random),
    timeoutMs: 20_000,
    stopping: false,
    usersPerWorker: options.usersPerWorker,
    tag: options.random.hex(3),
    newPassword: () => `chaos-pw-${options.random.hex(8)}`,
    /** Error-level log lines of every server process of the run. */
    errorLines: [],
  };
  for (const slot of slots) watchForCrash(ctx, slot);
  log(`${name}: ${options.instances} instance(s), ${options.workers} workers, ${options.kills} kills`);
  const load = runWorkers(ctx, options.workers);
  let killed;
  try {
    killed = await killLoop(ctx, slots, options);
    await sleep(1_000);
  } catch (error) {
    ctx.targets.close();
    throw error;
  } finally {
    ctx.stopping = true;
    await load;
  }
  log(`${name}: load stopped after ${history.ops.length} operations; verifying`);
  const verified = await verifyHistory(ctx);
  await Promise.all(slots.map((slot) => slot.restarting));
  const errorLines = [...ctx.errorLines, ...slots.flatMap((slot) => slot.server.errorLines)];
  for (const slot of slots) await kill9(slot.server);
  for (const slot of slots) slot.agent.destroy();
  const db = await options.dbCheck(databaseUrl);
  for (const [what, detail] of db.findings) history.violation(what, detail);
  return summarize(options, history, killed, verified, db, errorLines);
}

function summarize(options, history, killed, verified, db, errorLines) {
  setAsideOutsideStops(history);
  const { byOutcome, byKind } = countOps(history.ops);
  const lines = [
    `kills survived: ${killed.restarts.length}/${options.kills}; restart to ready p50 ${fmt(percentile(killed.restarts, 50))} ms, max ${fmt(Math.max(...killed.restarts))} ms`,
    `operations: ${history.ops.length} (${byOutcome.ack} acknowledged, ${byOutcome.unknown} unknown, ${byOutcome.fail} refused on merits, ${byOutcome.refused} connection refused)`,
    ...Object.entries(byKind).map(
      ([kind, c]) => `  ${kind}: ${c.ack} ack, ${c.unknown} unknown, ${c.fail} fail, ${c.refused} refused`,
    ),
    `verified: ${verified.users} accounts (${verified.passwordChecks} logins, ${verified.unsettledRegistrations} registrations never settled), ` +
      `${verified.families} families (${verified.tokenChecks} introspections, ${verified.rotationChecks} rotations, ${verified.reuseChecks} replays)`,
    `database: integrity ${db.integrity}; ${Object.entries(db.settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(", ")}`,
    `database rows: ${db.counts.users} users, ${db.counts.sessions} sessions, ${db.counts.refreshTokens} refresh tokens; ` +
      `${db.counts.usersWithoutRoles} users without roles, ${db.counts.familiesNotOneLive} families without exactly one live token, ` +
      `${db.counts.oauthSessionsWithoutToken} OAuth sessions without a refresh token (left by a kill mid-login; not judged)`,
    `server error-level log lines: ${errorLines.length}${errorLines.length ? ` (first: ${errorLines[0].slice(0, 300)})` : ""}`,
  ];
  if (options.instances > 1) {
    const s = killed.survivor;
    lines.push(
      `survivor while the other was down: ${s.ops} operations (${s.unanswered} without an answer, ${s.shed} shed with 503), ` +
        `${s.probes} /readyz probes (${s.probeFailures} failed)`,
    );
    if (s.unanswered > 0 || s.probeFailures > 0)
      history.violation(
        "R3: survivor stopped serving",
        `${s.unanswered} operations without an answer, ${s.probeFailures} failed probes`,
      );
  }
  return {
    name: options.name,
    kills: `${killed.restarts.length}/${options.kills}`,
    acknowledged: byOutcome.ack,
    unknown: byOutcome.unknown,
    lost: history.losses.length,
    losses: history.losses,
    violations: history.violations,
    notes: history.notes,
    lines,
  };
}
