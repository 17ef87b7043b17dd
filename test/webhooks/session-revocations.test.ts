// test-databases: each
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AdminActor } from "../../src/core/index.js";
import { queryDatabase } from "../helpers/database.js";
import { type Client, createClient, login, PASSWORD } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { type Received, type Receiver, startReceiver } from "../helpers/webhook-receiver.js";

// A change that revokes every session of a user at once — disabling the account, a password
// changed by its owner or set by an administrator — reports them in one `session.revoked`
// (`sessionId` null, the `count`, the `reason`), committed in the change's own transaction.

const ADMIN: AdminActor = { kind: "user", id: "an-admin", ip: null };
const META = { ip: "127.0.0.1", userAgent: null };

describe("webhooks: sessions revoked with a disable or a password change", () => {
  let gh: TestServer;
  let receiver: Receiver;
  let client: Client;
  let userId: string;
  let seen = 0;

  before(async () => {
    gh = await startServer({ WEBHOOK_ALLOW_PRIVATE: "true" });
    receiver = await startReceiver();
    const created = await gh.server.core.createWebhook({ url: receiver.url, events: ["session.revoked", "user.disabled"] });
    receiver.secret = created.secret;
    client = await createClient(gh, "revoking-app");
    userId = (await gh.server.core.register({ username: "carol", password: PASSWORD })).id;
  });
  after(async () => {
    await gh.close();
    await receiver.close();
  });

  const openSessions = async (count: number, password = PASSWORD) => {
    for (let i = 0; i < count; i++) {
      await login(gh, client, "carol", password);
    }
  };
  /** The `session.revoked` events received since the last call, once `expected` of them are in. */
  const nextRevocations = async (expected: number): Promise<Received[]> => {
    const revocations = () => receiver.received.filter((r) => r.type === "session.revoked");
    await receiver.waitFor(() => revocations().length >= seen + expected);
    const fresh = revocations().slice(seen);
    seen += fresh.length;
    assert.ok(
      fresh.every((r) => r.verified),
      "signed",
    );
    return fresh;
  };
  const outboxOf = (reason: string) =>
    queryDatabase<{ n: number }>(
      gh.databaseUrl,
      `select count(*) as n from webhook_deliveries where event_type = 'session.revoked' and payload like ?`,
      [`%"reason":"${reason}"%`],
    ).then((rows) => Number(rows[0]?.n));

  it("a disable on the command line: one event for all the user's sessions", async () => {
    await openSessions(2);
    await gh.server.core.setUserEnabled("carol", false);
    const [event] = await nextRevocations(1);
    assert.deepEqual(event?.data, { sessionId: null, userId, clientId: null, reason: "user disabled", count: 2 });
    // Disabling again revokes nothing: no event.
    await gh.server.core.setUserEnabled("carol", false);
    await receiver.waitFor(() => receiver.received.filter((r) => r.type === "user.disabled").length === 2);
    assert.equal(await outboxOf("user disabled"), 1);
    await gh.server.core.setUserEnabled("carol", true);
  });

  it("a disable through the admin API", async () => {
    await openSessions(3);
    await gh.server.core.updateUser(ADMIN, userId, { status: "disabled" });
    const [event] = await nextRevocations(1);
    assert.deepEqual(event?.data, { sessionId: null, userId, clientId: null, reason: "user disabled", count: 3 });
    await gh.server.core.updateUser(ADMIN, userId, { status: "active" });
  });

  it("a password set by an administrator", async () => {
    await openSessions(2);
    await gh.server.core.setPassword(ADMIN, userId, "a newer good passphrase");
    const [event] = await nextRevocations(1);
    assert.deepEqual(event?.data, {
      sessionId: null,
      userId,
      clientId: null,
      reason: "password set by an administrator",
      count: 2,
    });
  });

  it("a password changed by its owner: the session kept is not counted", async () => {
    await openSessions(3, "a newer good passphrase");
    const [kept] = await gh.server.core.listSessions(userId);
    await gh.server.core.changePassword({
      username: "carol",
      currentPassword: "a newer good passphrase",
      newPassword: "yet another passphrase",
      keepSessionId: kept!.id,
      meta: META,
    });
    const [event] = await nextRevocations(1);
    assert.deepEqual(event?.data, { sessionId: null, userId, clientId: null, reason: "password changed", count: 2 });
    assert.equal((await gh.server.core.listSessions(userId)).length, 1);
    // No other session left to revoke: the next change sends none.
    await gh.server.core.changePassword({
      username: "carol",
      currentPassword: "yet another passphrase",
      newPassword: "the last passphrase ok",
      keepSessionId: kept!.id,
      meta: META,
    });
    assert.equal(await outboxOf("password changed"), 1);
    await login(gh, client, "carol", "the last passphrase ok");
  });
});
