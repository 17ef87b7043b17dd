// test-databases: postgres
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { runCli } from "../helpers/cli.js";
import { createPostgresDatabase, type PostgresDatabase, queryDatabase } from "../helpers/database.js";
import { type GatehouseProcess, spawnGatehouse } from "../helpers/gatehouse-process.js";
import { PASSWORD } from "../helpers/oauth.js";
import { type Received, type Receiver, startReceiver } from "../helpers/webhook-receiver.js";

// Two Gatehouse processes delivering one PostgreSQL outbox to a receiver on loopback that
// verifies every request with `standardwebhooks`. Without a crash each event arrives once (the
// claims are FOR UPDATE SKIP LOCKED); after `kill -9` of a process with attempts in flight, the
// other sends what the dead one had claimed once its lease has run out: at least once, none lost.

/** The lease is WEBHOOK_TIMEOUT_MS + 5 s: 9 s here. */
const TIMEOUT_MS = 4000;
const LEASE_MS = TIMEOUT_MS + 5000;

async function register(base: string, username: string): Promise<void> {
  const response = await fetch(`${base}/api/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: PASSWORD }),
    signal: AbortSignal.timeout(15_000),
  });
  assert.equal(response.status, 200, await response.text());
}

describe("webhooks: two processes on one PostgreSQL", () => {
  let database: PostgresDatabase;
  let receiver: Receiver;
  let a: GatehouseProcess;
  let b: GatehouseProcess;

  before(async () => {
    database = await createPostgresDatabase();
    receiver = await startReceiver();
    receiver.secret = `whsec_${randomBytes(32).toString("base64")}`;
    const env = { DATABASE_URL: database.url, WEBHOOK_ALLOW_PRIVATE: "true", WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS) };
    [a, b] = [await spawnGatehouse(env), await spawnGatehouse(env)];
    const created = await runCli(
      ["webhook", "create", "--url", receiver.url, "--events", "user.created", "--secret", receiver.secret],
      env,
    );
    assert.equal(created.code, 0, created.stderr);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await receiver?.close();
    await database?.drop();
  });

  /** The events committed for `prefix`'s users (the outbox rows of the one endpoint), by the username they report. */
  const committed = async (prefix: string) => {
    const rows = await queryDatabase<{ message_id: string; payload: string; status: string }>(
      database.url,
      "select message_id, payload, status from webhook_deliveries where payload like ?",
      [`%"username":"${prefix}%`],
    );
    const users = await queryDatabase<{ n: string }>(database.url, "select count(*) as n from users where username like ?", [
      `${prefix}%`,
    ]);
    assert.equal(rows.length, Number(users[0]?.n), "one event per user created");
    return rows;
  };
  /** Waits until the outbox records every one of them as delivered (the answer is recorded after it is sent). */
  const allDelivered = async (prefix: string) => {
    const deadline = Date.now() + 5000;
    let rows = await committed(prefix);
    while (!rows.every((row) => row.status === "delivered") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      rows = await committed(prefix);
    }
    assert.deepEqual(new Set(rows.map((row) => row.status)), new Set(["delivered"]));
  };
  const receivedFor = (prefix: string) => receiver.received.filter((r) => String(r.data.username).startsWith(prefix));
  const byId = (received: Received[]) => {
    const counts = new Map<string, number>();
    for (const r of received) counts.set(r.id, (counts.get(r.id) ?? 0) + 1);
    return counts;
  };

  it("without a crash, both deliver and each event reaches the receiver exactly once", async () => {
    const users = Array.from({ length: 24 }, (_, i) => `calm${i}`);
    await Promise.all(users.map((name, i) => register(i % 2 === 0 ? a.url : b.url, name)));
    const rows = await committed("calm");
    assert.equal(rows.length, users.length);
    await receiver.waitFor(() => new Set(receivedFor("calm").map((r) => r.id)).size === rows.length, 15_000);
    // Late duplicates would come within a poll or two.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const received = receivedFor("calm");
    assert.ok(
      received.every((r) => r.verified),
      "every request verifies",
    );
    assert.deepEqual([...byId(received).keys()].sort(), rows.map((row) => row.message_id).sort());
    const duplicates = received.length - rows.length;
    assert.equal(duplicates, 0, "no duplicate without a crash");
    await allDelivered("calm");
  });

  it("after kill -9 of a process with attempts in flight, the survivor sends what it had claimed, once its lease ran out", async (t) => {
    receiver.hold = true;
    const users = Array.from({ length: 12 }, (_, i) => `crash${i}`);
    await Promise.all(users.map((name) => register(a.url, name)));
    // Every event in flight: received, unanswered, its delivery leased.
    await receiver.waitFor(() => receivedFor("crash").length === users.length, 10_000);
    const leases = await queryDatabase<{ message_id: string; claimed_until: string }>(
      database.url,
      "select message_id, claimed_until from webhook_deliveries where payload like ? and claimed_until is not null",
      ['%"username":"crash%'],
    );
    assert.equal(leases.length, users.length, "every delivery is leased");

    a.child.kill("SIGKILL");
    assert.equal(await a.stop(), null, "killed, not exited");
    // The dead process's connections close with it: those are its claims.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const orphaned = receivedFor("crash").filter((r) => r.abortedAt !== null);
    assert.ok(orphaned.length > 0, "the killed process held leases");
    receiver.hold = false;
    receiver.release(); // the survivor's own attempts succeed

    const rows = await committed("crash");
    assert.equal(rows.length, users.length);
    const ids = new Set(rows.map((row) => row.message_id));
    await receiver.waitFor(
      () =>
        new Set(
          receivedFor("crash")
            .filter((r) => r.abortedAt === null && r.verified)
            .map((r) => r.id),
        ).size === ids.size,
      LEASE_MS + 10_000,
    );
    const received = receivedFor("crash");
    assert.ok(
      received.every((r) => r.verified),
      "every request verifies",
    );
    assert.deepEqual(new Set(received.map((r) => r.id)), ids, "nothing lost, nothing invented");
    const leasedUntil = new Map(leases.map((lease) => [lease.message_id, Number(lease.claimed_until)]));
    for (const lost of orphaned) {
      const again = received.filter((r) => r.id === lost.id && r !== lost);
      assert.equal(again.length, 1, `${lost.id} is sent again, once`);
      assert.equal(again[0]!.body, lost.body, "the same event, with the same webhook-id");
      // Clocks of one machine; a few ms of rounding between the database's and ours.
      assert.ok(again[0]!.at >= leasedUntil.get(lost.id)! - 50, "not before its lease ran out");
    }
    const duplicates = received.length - ids.size;
    assert.equal(duplicates, orphaned.length, "the only duplicates are the dead process's attempts");
    t.diagnostic(`${ids.size} events, ${orphaned.length} in flight at the killed process, ${duplicates} duplicates`);
    await allDelivered("crash");
  });
});
