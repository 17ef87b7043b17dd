// The HTTP ceiling: a bare Fastify server in a process of its own, on the same Fastify and
// Node as Gatehouse, with one route that parses a small form body (an introspection-sized
// request) and answers a small JSON object. No logging, no plugins, no database.
//
//   node bench/bare-http.mjs      prints the port it listens on (127.0.0.1), then serves

import { URLSearchParams } from "node:url";
import Fastify from "fastify";

const app = Fastify({ logger: false });
app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_request, body, done) => {
  done(null, Object.fromEntries(new URLSearchParams(/** @type {string} */ (body))));
});
app.post("/echo", async (request) => {
  const body = /** @type {Record<string, string>} */ (request.body);
  return { active: typeof body.token === "string", length: body.token?.length ?? 0 };
});

await app.listen({ port: 0, host: "127.0.0.1" });
const address = app.server.address();
process.stdout.write(`${typeof address === "object" && address ? address.port : 0}\n`);
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
