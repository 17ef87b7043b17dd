// test-databases: each
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AdminServer, expectError, startAdminServer } from "../helpers/admin.js";
import { type Receiver, startReceiver } from "../helpers/webhook-receiver.js";

// Webhook endpoints through the admin API: gatehouse:admin required, every change audited.

describe("admin API: webhooks", () => {
  let s: AdminServer;
  let receiver: Receiver;
  before(async () => {
    s = await startAdminServer({ WEBHOOK_ALLOW_PRIVATE: "true" });
    receiver = await startReceiver();
  });
  after(async () => {
    await s.gh.close();
    await receiver.close();
  });

  it("creates, reads, lists, rotates, replays and deletes an endpoint; the secret only in the answers that made it", async () => {
    const created = await s.admin("POST", "/v1/admin/webhooks", {
      url: receiver.url,
      events: ["user.created"],
      description: "CRM",
    });
    assert.equal(created.status, 201, created.text);
    const { id, secret } = created.body;
    assert.match(secret, /^whsec_/);
    assert.equal(created.headers.get("location"), `/v1/admin/webhooks/${id}`);
    receiver.secret = secret;
    const read = await s.admin("GET", `/v1/admin/webhooks/${id}`);
    assert.equal(read.body.description, "CRM");
    assert.equal(read.body.failing, false);
    assert.equal(read.body.secret, undefined);
    assert.equal((await s.admin("GET", "/v1/admin/webhooks")).body.items.length, 1);

    const user = await s.admin("POST", "/v1/admin/users", { username: "frank", password: "correct horse battery" });
    assert.equal(user.status, 201, user.text);
    await receiver.waitFor(() => receiver.received.length === 1);
    assert.equal(receiver.received[0]!.data.by, `user:${s.adminId}`);
    assert.ok(receiver.received[0]!.verified);

    const rotated = await s.admin("POST", `/v1/admin/webhooks/${id}/secret`);
    assert.equal(rotated.status, 200, rotated.text);
    receiver.secret = rotated.body.secret;
    const replayed = await s.admin("POST", "/v1/admin/webhooks/replay", { since: "1h", endpoint_id: id });
    assert.deepEqual(replayed.body, { requeued: 1 });
    await receiver.waitFor(() => receiver.received.length === 2);
    assert.ok(receiver.received[1]!.verified);
    assert.equal(receiver.received[1]!.id, receiver.received[0]!.id);
    const deliveries = await s.admin("GET", `/v1/admin/webhooks/${id}/deliveries`);
    assert.equal(deliveries.body.items[0].status, "delivered");

    assert.equal((await s.admin("DELETE", `/v1/admin/webhooks/${id}`)).status, 204);
    expectError(await s.admin("GET", `/v1/admin/webhooks/${id}`), 404, "not_found");
    const audit = await s.admin("GET", "/v1/admin/audit?limit=50");
    const events = audit.body.items.filter((r: any) => r.event.startsWith("webhook_"));
    assert.deepEqual(events.map((r: any) => r.event).sort(), [
      "webhook_created",
      "webhook_deleted",
      "webhook_replayed",
      "webhook_secret_rotated",
    ]);
    assert.ok(events.every((r: any) => r.actor === `user:${s.adminId}`));
  });

  it("answers bad input with 400 and unknown endpoints with 404", async () => {
    expectError(
      await s.admin("POST", "/v1/admin/webhooks", { url: receiver.url, events: ["nope.never"] }),
      400,
      "invalid_request",
    );
    expectError(
      await s.admin("POST", "/v1/admin/webhooks", { url: "gopher://x", events: ["user.created"] }),
      400,
      "invalid_request",
    );
    expectError(
      await s.admin("POST", "/v1/admin/webhooks", { url: receiver.url, events: ["user.created"], extra: 1 }),
      400,
      "invalid_request",
    );
    expectError(await s.admin("POST", "/v1/admin/webhooks/replay", { since: "whenever" }), 400, "invalid_request");
    expectError(await s.admin("DELETE", "/v1/admin/webhooks/ep_unknown"), 404, "not_found");
    expectError(await s.admin("POST", "/v1/admin/webhooks/ep_unknown/secret"), 404, "not_found");
  });

  it("requires gatehouse:admin", async () => {
    const plain = await s.signedInUser("grace");
    expectError(await s.admin("GET", "/v1/admin/webhooks", undefined, plain.token), 403, "insufficient_scope");
    assert.equal((await s.gh.request("GET", "/v1/admin/webhooks")).status, 401);
  });
});
