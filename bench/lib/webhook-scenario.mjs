// The webhook hot path: login (password grant) and refresh (jwt-extended) again, with one
// webhook endpoint subscribed to `session.created` and a receiver on loopback, to compare with
// the same scenarios without an endpoint (scenarios.mjs). Each login then writes one outbox row
// in its transaction and wakes the dispatcher, which delivers it while the load goes on.

import { createServer } from "node:http";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { gatehouseCli } from "./gatehouse.mjs";
import { log } from "./processes.mjs";
import { CLIENT_ID, CLIENT_SECRET, PASSWORD, USER_PREFIX } from "./seed.mjs";

const clientData = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, password: PASSWORD, prefix: USER_PREFIX };

/** A receiver that answers every delivery 200 at once and counts them (verification is the tests' job). */
async function startCountingReceiver() {
  let received = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      received += 1;
      response.end("ok");
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received: () => received,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/**
 * @param {import("./scenarios.mjs").Bench} bench
 * @param {{ loginsForRefresh: string[] }} tokens
 */
export async function measureWebhookHotPath(bench, tokens) {
  const { base, measurer, server, databaseUrl } = bench;
  const receiver = await startCountingReceiver();
  const created = gatehouseCli(databaseUrl, ["webhook", "create", "--url", receiver.url, "--events", "session.created"], {
    WEBHOOK_ALLOW_PRIVATE: "true",
  });
  const endpointId = /created webhook endpoint (\S+)/.exec(created)?.[1];
  if (!endpointId) throw new Error(`webhook create: ${created}`);
  try {
    const loginGrant = await measurer.measure(
      "login (password grant), webhook on session.created",
      { ...base, kind: "login-grant", data: { ...clientData, users: bench.options.seededUsers } },
      server,
    );
    const refreshJwt = await measurer.measure(
      "refresh (jwt-extended), webhook on session.created",
      { ...base, kind: "refresh-jwt", data: { tokens: tokens.loginsForRefresh } },
      server,
    );
    // The dispatcher goes on sending what the load queued: until nothing more arrives for a second.
    const t0 = performance.now();
    const atEnd = receiver.received();
    for (let last = -1; receiver.received() !== last && performance.now() - t0 < 30_000;) {
      last = receiver.received();
      await sleep(1_000);
    }
    log(`webhooks: ${receiver.received()} deliveries received (${atEnd} when the load stopped)`);
    return { loginGrant, refreshJwt, delivered: receiver.received(), drainMs: performance.now() - t0 - 1_000 };
  } finally {
    gatehouseCli(databaseUrl, ["webhook", "delete", endpointId]);
    await receiver.close();
  }
}
