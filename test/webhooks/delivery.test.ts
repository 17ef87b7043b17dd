// test-databases: each
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Webhook } from "standardwebhooks";
import { WEBHOOK_EVENTS } from "../../src/core/index.js";
import { type CoreContext, inTransaction } from "../../src/core/context.js";
import { emit } from "../../src/core/webhooks/outbox.js";
import { sign } from "../../src/core/webhooks/signing.js";
import { type AdminActor } from "../../src/core/index.js";
import { PASSWORD, passwordGrant, refreshGrant } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { freePort, type Receiver, startReceiver } from "../helpers/webhook-receiver.js";

// Webhooks end to end: a real server, a real receiver on loopback verifying with the reference library.

const ADMIN: AdminActor = { kind: "user", id: "an-admin", ip: null };

describe("webhooks: delivery", () => {
  let gh: TestServer;
  let receiver: Receiver;
  let endpointId: string;
  const outcomes: string[] = [];
  before(async () => {
    gh = await startServer({ WEBHOOK_ALLOW_PRIVATE: "true", WEBHOOK_RETRY_BASE_MS: "200", LOCKOUT_THRESHOLD: "2" });
    gh.server.webhooks.onDelivery((outcome) => outcomes.push(outcome));
    receiver = await startReceiver();
    const created = await gh.server.core.createWebhook({ url: receiver.url, events: [...WEBHOOK_EVENTS] });
    receiver.secret = created.secret;
    endpointId = created.endpoint.id;
  });
  after(async () => {
    await gh.close();
    await receiver.close();
  });

  it("delivers every catalogue event, signed so that the reference library accepts it", async () => {
    const { core } = gh.server;
    const started = Date.now();
    const client = await core.createClient({ id: "hooked-app", grants: ["password", "refresh_token"], scopes: [] });
    const app = { id: client.id, secret: client.secret };
    const alice = await core.register({ username: "alice", password: PASSWORD });
    await core.register({ username: "bob", password: PASSWORD });
    const tokens = (await passwordGrant(gh, app, "alice")).body;
    assert.equal((await refreshGrant(gh, app, tokens.refresh_token)).status, 200);
    assert.equal((await refreshGrant(gh, app, tokens.refresh_token)).status, 400); // reuse: the session is revoked
    for (let i = 0; i < 2; i++) assert.equal((await passwordGrant(gh, app, "bob", "wrong password!")).status, 400);
    await core.updateUser(ADMIN, alice.id, { displayName: "Alice" });
    await core.setUserEnabled("alice", false);
    await core.setUserEnabled("alice", true);
    await core.setPassword(ADMIN, alice.id, "another good passphrase");
    await core.rotateSigningKey();
    await core.deleteUser("alice");
    await core.deleteClientAsAdmin(ADMIN, "hooked-app");
    await receiver.waitFor(() => receiver.types().size === WEBHOOK_EVENTS.length);
    assert.deepEqual([...receiver.types()].sort(), [...WEBHOOK_EVENTS].sort());
    assert.ok(
      receiver.received.every((r) => r.verified),
      "every request verifies",
    );
    const firstCreated = receiver.received.find((r) => r.type === "user.created")!;
    assert.ok(firstCreated.at - started < 3000, "delivered within a few seconds of the commit");
    assert.deepEqual(Object.keys(JSON.parse(firstCreated.body)), ["type", "timestamp", "data"]);
    assert.match(firstCreated.id, /^msg_[0-9a-f]{32}$/);
    // Payloads carry ids and facts only: no password, token or hash.
    for (const r of receiver.received) {
      assert.doesNotMatch(r.body, /correct horse|another good|wrong password|\$argon2|refresh_token"\s*:\s*"/);
      assert.ok(!r.body.includes(tokens.refresh_token) && !r.body.includes(tokens.access_token));
    }
    const revoked = receiver.received.find((r) => r.type === "session.revoked")!;
    assert.equal(revoked.data.reason, "refresh token reuse");
    assert.equal(receiver.received.find((r) => r.type === "user.locked")!.data.userId !== undefined, true);
    assert.ok(outcomes.includes("delivered"));
    const [endpoint] = await core.listWebhooks();
    assert.equal(endpoint?.failing, false);
    assert.ok(endpoint?.lastSuccessAt);
  });

  it("a forged body, another secret or a stale timestamp is rejected by the reference library", () => {
    const good = receiver.received[0]!;
    const headers = good.headers as Record<string, string>;
    const verifier = new Webhook(receiver.secret);
    assert.doesNotThrow(() => verifier.verify(good.body, headers));
    assert.throws(() => verifier.verify(good.body.replace("}", ',"x":1}'), headers));
    const other = new Webhook("whsec_" + Buffer.alloc(32, 7).toString("base64"));
    assert.throws(() => other.verify(good.body, headers));
    const stale = Math.floor(Date.now() / 1000) - 600;
    const staleHeaders = {
      ...headers,
      "webhook-timestamp": String(stale),
      "webhook-signature": sign(receiver.secret, good.id, stale, good.body),
    };
    assert.throws(() => verifier.verify(good.body, staleHeaders), /timestamp/i);
  });

  it("a rolled-back change writes nothing to the outbox", async () => {
    const ctx = { store: gh.server.store, now: Date.now, webhooks: { wake: () => {} } } as unknown as CoreContext;
    const before = (await gh.server.core.webhookDeliveries(endpointId, 500)).length;
    await assert.rejects(
      inTransaction(ctx, async (tx) => {
        await emit(tx, "user.enabled", { userId: "rolled-back", by: "cli" });
        throw new Error("the change fails");
      }),
      /the change fails/,
    );
    // A change refused by the database (a taken name) emits nothing either.
    await assert.rejects(gh.server.core.register({ username: "bob", password: PASSWORD }));
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.equal((await gh.server.core.webhookDeliveries(endpointId, 500)).length, before);
    assert.ok(!receiver.received.some((r) => r.data.userId === "rolled-back"));
  });

  it("retries a receiver answering 500 with growing delays, under the same webhook-id", async () => {
    const failures = new Map<string, number>();
    receiver.answer = (request) => {
      const seen = failures.get(request.id) ?? 0;
      failures.set(request.id, seen + 1);
      return seen < 3 ? 500 : 200;
    };
    const user = await gh.server.core.register({ username: "carol", password: PASSWORD });
    await receiver.waitFor(() => receiver.received.filter((r) => r.data.userId === user.id).length === 4, 15_000);
    receiver.answer = () => 200;
    const attempts = receiver.received.filter((r) => r.data.userId === user.id);
    assert.equal(new Set(attempts.map((r) => r.id)).size, 1, "one webhook-id across retries");
    const gaps = attempts.slice(1).map((r, i) => r.at - attempts[i]!.at);
    // Base 200 ms: the n-th retry waits 200·2^(n-1) to twice that.
    assert.ok(gaps[0]! >= 190 && gaps[1]! >= 390 && gaps[2]! >= 790, `gaps ${gaps.join(", ")}`);
    const [delivery] = await gh.server.core.webhookDeliveries(endpointId, 1);
    assert.equal(delivery?.status, "delivered");
    assert.equal(delivery?.attempts, 4);
    assert.ok(outcomes.includes("failed"));
  });

  it("a receiver that is down for a while gets everything once it is up", async () => {
    const port = await freePort();
    const down = await gh.server.core.createWebhook({ url: `http://127.0.0.1:${port}/later`, events: ["user.created"] });
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await gh.server.core.register({ username: `late_${i}`, password: PASSWORD })).id);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = await startReceiver(port);
    later.secret = down.secret;
    try {
      await later.waitFor(() => new Set(later.received.map((r) => r.data.userId)).size === 5, 15_000);
      assert.ok(later.received.every((r) => r.verified));
      assert.deepEqual(new Set(later.received.map((r) => r.data.userId)), new Set(ids));
    } finally {
      await later.close();
      await gh.server.core.deleteWebhook(down.endpoint.id);
    }
  });
});
