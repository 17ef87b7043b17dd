// test-databases: each
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isAuthError } from "../../src/core/index.js";
import { PASSWORD } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { type Receiver, startReceiver } from "../helpers/webhook-receiver.js";

// The SSRF guard with WEBHOOK_ALLOW_PRIVATE at its default (false): at creation and at delivery.

const REFUSED = [
  "http://127.0.0.1/hook",
  "http://localhost/hook",
  "http://[::1]/hook",
  "http://10.1.2.3/hook",
  "http://172.16.0.1/hook",
  "http://192.168.1.1/hook",
  "http://169.254.169.254/latest/meta-data",
  "http://100.64.0.1/hook",
  "http://0.0.0.0/hook",
  "http://[fc00::1]/hook",
  "http://[fe80::1]/hook",
  "http://[::ffff:10.0.0.1]/hook",
  "http://[::ffff:127.0.0.1]/hook",
  "ftp://example.com/hook",
  "http://user:pass@example.com/hook",
];

describe("webhooks: private targets refused", () => {
  let gh: TestServer;
  let receiver: Receiver;
  const outcomes: string[] = [];
  before(async () => {
    gh = await startServer({ WEBHOOK_RETRY_BASE_MS: "60000" });
    gh.server.webhooks.onDelivery((outcome) => outcomes.push(outcome));
    receiver = await startReceiver();
  });
  after(async () => {
    await gh.close();
    await receiver.close();
  });

  it("refuses private, loopback, link-local, metadata and mapped addresses at creation", async () => {
    for (const url of REFUSED) {
      await assert.rejects(
        gh.server.core.createWebhook({ url, events: ["user.created"] }),
        (error) => isAuthError(error) && error.code === "invalid_request",
        url,
      );
    }
    assert.deepEqual(await gh.server.core.listWebhooks(), []);
  });

  it("refuses at delivery after resolving the name, even for an endpoint stored earlier", async () => {
    // An endpoint stored while its name resolved elsewhere (or by a process allowing private
    // targets): `localhost` now resolves to loopback, and the attempt is refused, not sent.
    const { store, core } = gh.server;
    const id = "ep_rebound";
    await store.transaction((tx) =>
      tx.webhooks.insertEndpoint({
        id,
        url: `http://localhost:${receiver.port}/hooks`,
        description: null,
        secretBox: "v1.placeholder",
        events: ["user.created"],
        createdAt: Date.now(),
      }),
    );
    await core.rotateWebhookSecret(id); // a properly sealed secret, so only the guard can stop it
    await core.register({ username: "dave", password: PASSWORD });
    const deadline = Date.now() + 5000;
    let delivery;
    while (Date.now() < deadline) {
      [delivery] = await core.webhookDeliveries(id, 1);
      if (delivery?.lastError) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.match(delivery?.lastError ?? "", /private or reserved/);
    assert.equal(delivery?.status, "pending", "still retried later (with backoff)");
    assert.deepEqual(outcomes, ["refused"]);
    assert.equal(receiver.received.length, 0, "nothing reached the receiver");
  });
});
