// A webhook receiver on loopback for the webhook scenario: it verifies every request with
// `standardwebhooks` (the Standard Webhooks reference library), answers each after a random
// delay so that deliveries are in flight at the sender, and notes the requests whose sender
// went away before the answer (a killed process).

import { createServer } from "node:http";
import { Webhook } from "standardwebhooks";
import { sleep } from "./util.mjs";

/**
 * @typedef {{ id: string, body: string, type: string, verified: boolean, at: number, aborted: boolean }} Delivery
 * @param {{ secret: string, delayMs: () => number }} options
 */
export async function startWebhookReceiver({ secret, delayMs }) {
  const verifier = new Webhook(secret);
  /** @type {Delivery[]} */
  const received = [];
  let open = 0;
  const server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let verified = true;
      try {
        verifier.verify(body, request.headers);
      } catch {
        verified = false;
      }
      let type = "";
      try {
        type = String(JSON.parse(body).type);
      } catch {
        verified = false;
      }
      const delivery = { id: String(request.headers["webhook-id"]), body, type, verified, at: Date.now(), aborted: false };
      received.push(delivery);
      open += 1;
      response.on("close", () => {
        open -= 1;
        if (!response.writableFinished) delivery.aborted = true;
      });
      await sleep(delayMs());
      if (!response.destroyed) response.end("ok");
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    /** Requests received and not yet answered or dropped. */
    open: () => open,
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}
