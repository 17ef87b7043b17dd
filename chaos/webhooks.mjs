// Webhooks: two instances on one PostgreSQL deliver one outbox to a slow receiver on loopback
// (webhook-receiver.mjs) under a stream of sign-ups and failed logins, each an event. A control
// phase without kills must deliver every event exactly once; then instances are killed with
// kill -9 in turn while they have attempts in flight (leases held) and restarted. Every event
// committed (the outbox and the audit trail, read from the database) must reach the receiver
// with a valid signature and a stable webhook-id; duplicates are counted (allowed after a kill).

import { randomBytes } from "node:crypto";
import pg from "pg";
import { json, send } from "./http.mjs";
import { freePort, kill9, runCli, startServer, stopServer } from "./processes.mjs";
import { fmt, log, sleep } from "./util.mjs";
import { startWebhookReceiver } from "./webhook-receiver.mjs";

/** The lease of an attempt is WEBHOOK_TIMEOUT_MS + 5 s; the receiver's slowest answer stays well inside the timeout. */
const TIMEOUT_MS = 4_000;
const LEASE_MS = TIMEOUT_MS + 5_000;
const SLOWEST_ANSWER_MS = 1_500;
const PASSWORD = "correct horse battery";

/** Sign-ups at one instance and failed logins (unknown names) at another, until stopped. */
function startLoad(slots, prefix, workers, random) {
  let stopped = false;
  const acknowledged = [];
  const live = () => slots.filter((slot) => slot.up);
  const lanes = Array.from({ length: workers }, async (_, worker) => {
    for (let n = 0; !stopped; n++) {
      const [first, second] = [random.pick(live()), random.pick(live())];
      if (!first || !second) {
        await sleep(50);
        continue;
      }
      const username = `${prefix}${worker}x${n}`;
      const signUp = await send(first.server.url, "POST", "/api/auth/register", json({ username, password: PASSWORD }));
      if (signUp.outcome === "ack") acknowledged.push(username);
      const nobody = { username: `${prefix}nobody${worker}x${n}`, password: PASSWORD };
      await send(second.server.url, "POST", "/api/auth/login", json(nobody));
    }
  });
  return {
    acknowledged,
    stop: async () => {
      stopped = true;
      await Promise.all(lanes);
    },
  };
}

async function query(databaseUrl, text, params) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** The events committed in [from, to): the outbox rows of the one endpoint, checked against the audit trail. */
async function committedEvents(databaseUrl, from, to, findings) {
  const rows = await query(
    databaseUrl,
    "select message_id, event_type, payload, status from webhook_deliveries where created_at >= $1 and created_at < $2",
    [from, to],
  );
  const audited = await query(
    databaseUrl,
    `select count(*) filter (where event = 'register') as "user.created",
       count(*) filter (where event = 'login' and outcome = 'failure') as "login.failed"
     from audit_events where at >= $1 and at < $2`,
    [from, to],
  );
  for (const type of ["user.created", "login.failed"]) {
    const inOutbox = rows.filter((row) => row.event_type === type).length;
    if (inOutbox !== Number(audited[0][type]))
      findings.violations.push({ what: `${type}: outbox and audit disagree`, detail: `${inOutbox} vs ${audited[0][type]}` });
  }
  return rows;
}

/** Waits until every committed event is delivered and received; then compares both sides. */
async function settle(ctx, phase, from, to, findings) {
  const deadline = Date.now() + LEASE_MS + 60_000;
  let rows;
  for (;;) {
    rows = await committedEvents(ctx.databaseUrl, from, to, { violations: [] });
    const got = new Set(ctx.receiver.received.filter((r) => r.verified && !r.aborted).map((r) => r.id));
    if (
      (rows.every((row) => row.status === "delivered") && rows.every((row) => got.has(row.message_id))) ||
      Date.now() > deadline
    )
      break;
    await sleep(250);
  }
  rows = await committedEvents(ctx.databaseUrl, from, to, findings);
  const received = ctx.receiver.received.filter((r) => r.at >= from);
  const committed = new Map(rows.map((row) => [row.message_id, row]));
  for (const row of rows) {
    const copies = received.filter((r) => r.id === row.message_id);
    if (!copies.some((r) => r.verified && !r.aborted))
      findings.losses.push({
        what: `${phase}: event never received`,
        detail: `${row.event_type} ${row.message_id} (${row.status})`,
      });
    if (copies.some((r) => r.body !== row.payload))
      findings.violations.push({ what: `${phase}: another body under a webhook-id`, detail: row.message_id });
  }
  for (const r of received) {
    if (!r.verified) findings.violations.push({ what: `${phase}: signature refused by standardwebhooks`, detail: r.id });
    if (!committed.has(r.id)) findings.violations.push({ what: `${phase}: an event that never committed`, detail: r.id });
  }
  return { events: rows.length, duplicates: received.length - new Set(received.map((r) => r.id)).size, received };
}

/** Every acknowledged sign-up is a user with its event. */
async function checkAcknowledged(ctx, phase, usernames, events, findings) {
  const users = new Set((await query(ctx.databaseUrl, "select username from users", [])).map((row) => row.username));
  const reported = new Set(events.map((row) => JSON.parse(row.payload).data.username));
  for (const username of usernames) {
    if (!users.has(username)) findings.losses.push({ what: `${phase}: acknowledged sign-up missing`, detail: username });
    else if (!reported.has(username)) findings.losses.push({ what: `${phase}: sign-up without user.created`, detail: username });
  }
}

/** Kills an instance while the receiver holds attempts open, counts the attempts its death dropped, restarts it. */
async function killInFlight(ctx, slot, random) {
  const waitUntil = Date.now() + 3_000;
  while (ctx.receiver.open() === 0 && Date.now() < waitUntil) await sleep(10);
  const before = new Set(ctx.receiver.received.filter((r) => r.aborted));
  slot.up = false;
  const killedAt = Date.now();
  await kill9(slot.server);
  await sleep(300);
  const dropped = ctx.receiver.received.filter((r) => r.aborted && !before.has(r));
  await sleep(random.between(300, 1_500));
  slot.server = await startServer({ databaseUrl: ctx.databaseUrl, port: slot.port, env: ctx.env });
  slot.up = true;
  return { killedAt, dropped };
}

async function phase(ctx, name, kills, random) {
  const findings = { losses: [], violations: [] };
  const from = Date.now();
  const load = startLoad(ctx.slots, `${name}`, ctx.workers, random);
  const hits = [];
  if (kills === 0) await sleep(ctx.controlMs);
  for (let k = 0; k < kills; k++) {
    await sleep(random.between(800, 2_000));
    hits.push(await killInFlight(ctx, ctx.slots[k % ctx.slots.length], random));
  }
  await load.stop();
  const to = Date.now() + 1;
  log(`webhooks ${name}: load stopped; waiting for the outbox to drain (a dead attempt's lease: ${LEASE_MS} ms)`);
  const { events, duplicates, received } = await settle(ctx, name, from, to, findings);
  const rows = await committedEvents(ctx.databaseUrl, from, to, { violations: [] });
  await checkAcknowledged(ctx, name, load.acknowledged, rows, findings);
  // How long after its kill each dropped attempt arrived again.
  const redelivery = hits.flatMap(({ killedAt, dropped }) =>
    dropped.map((lost) => {
      const again = received.find((r) => r.id === lost.id && r !== lost && r.verified && !r.aborted);
      return again ? again.at - killedAt : NaN;
    }),
  );
  const inFlight = hits.reduce((sum, hit) => sum + hit.dropped.length, 0);
  return { findings, events, duplicates, inFlight, redelivery, acknowledged: load.acknowledged.length, hits };
}

/**
 * @param {{ databaseUrl: string, quick: boolean, kills: number, random: ReturnType<import("./util.mjs").createRandom> }} options
 */
export async function runWebhookScenario({ databaseUrl, quick, kills, random }) {
  const name = "webhooks: kill -9 mid-delivery, PostgreSQL, 2 instances";
  const secret = `whsec_${randomBytes(32).toString("base64")}`;
  const receiver = await startWebhookReceiver({ secret, delayMs: () => random.between(50, SLOWEST_ANSWER_MS) });
  const env = { WEBHOOK_ALLOW_PRIVATE: "true", WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS) };
  const events = ["user.created", "login.failed"].join(",");
  await runCli(databaseUrl, ["webhook", "create", "--url", receiver.url, "--events", events, "--secret", secret], env);
  const slots = [];
  for (const label of ["A", "B"]) {
    const port = await freePort();
    slots.push({ name: label, port, up: true, server: await startServer({ databaseUrl, port, env }) });
  }
  const ctx = { databaseUrl, env, receiver, slots, workers: quick ? 4 : 6, controlMs: quick ? 5_000 : 15_000 };
  try {
    const control = await phase(ctx, "calm", 0, random);
    const crash = await phase(ctx, "crash", kills, random);
    if (control.duplicates > 0)
      control.findings.violations.push({ what: "a duplicate without a crash", detail: `${control.duplicates} duplicates` });
    if (crash.inFlight === 0)
      crash.findings.violations.push({ what: "no kill hit an attempt in flight", detail: "nothing was proven" });
    const redelivered = crash.redelivery.filter(Number.isFinite);
    return {
      name,
      kills: crash.hits.length,
      acknowledged: control.acknowledged + crash.acknowledged,
      unknown: 0,
      lost: control.findings.losses.length + crash.findings.losses.length,
      losses: [...control.findings.losses, ...crash.findings.losses],
      violations: [...control.findings.violations, ...crash.findings.violations],
      lines: [
        `settings: WEBHOOK_TIMEOUT_MS=${TIMEOUT_MS} (lease ${LEASE_MS} ms), receiver answers in 50–${SLOWEST_ANSWER_MS} ms, ${ctx.workers} load lanes`,
        `without kills: ${control.events} events committed, ${control.findings.losses.length} lost, ${control.duplicates} duplicates`,
        `with ${crash.hits.length} kills: ${crash.events} events committed, ${crash.findings.losses.length} lost, ${crash.duplicates} duplicates; ` +
          `${crash.inFlight} attempts in flight at a killed instance, sent again ` +
          `${fmt(Math.min(...redelivered) / 1000, 1)}–${fmt(Math.max(...redelivered) / 1000, 1)} s after the kill`,
      ],
    };
  } finally {
    for (const slot of slots) await stopServer(slot.server);
    await receiver.close();
  }
}
