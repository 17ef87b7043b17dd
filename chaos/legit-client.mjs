// The legitimate client of R8, in a process of its own so that driving hundreds of slow
// sockets never delays it on a shared event loop (bench/load.mjs does the same for autocannon).
//
//   node chaos/legit-client.mjs '<json spec>'
//
// spec: { url, seconds, rate, token, authorization }. Sends `rate` requests a second for
// `seconds`, open loop, each on a new connection, cycling through /healthz, the JWKS and an
// introspection (which must say active). Prints one JSON line: counts, failures, latency
// percentiles and the worst one-second p95.

import { form, send } from "./http.mjs";
import { now, percentile, sleep } from "./util.mjs";

const spec = JSON.parse(process.argv[2] ?? "{}");
const options = { agent: false, timeoutMs: 10_000 };
const introspection = form({ token: spec.token }, { authorization: spec.authorization });
const requests = [
  () => send(spec.url, "GET", "/healthz", options),
  () => send(spec.url, "GET", "/.well-known/jwks.json", options),
  () => send(spec.url, "POST", "/oauth/introspect", { ...introspection, ...options }),
];

async function drive() {
  const pending = [];
  const t0 = now();
  for (let i = 0; now() - t0 < spec.seconds * 1000; i++) {
    const second = Math.floor((now() - t0) / 1000);
    const isIntrospection = i % requests.length === 2;
    pending.push(requests[i % requests.length]().then((reply) => ({ reply, isIntrospection, second })));
    await sleep(Math.max(0, t0 + ((i + 1) * 1000) / spec.rate - now()));
  }
  return Promise.all(pending);
}

function summarize(results) {
  const succeeded = ({ reply, isIntrospection }) => reply.outcome === "ack" && (!isIntrospection || reply.body?.active === true);
  const latencies = results.map(({ reply }) => reply.ms);
  const bySecond = new Map();
  for (const { reply, second } of results) bySecond.set(second, [...(bySecond.get(second) ?? []), reply.ms]);
  const worstSecond = Math.max(0, ...[...bySecond.values()].map((ms) => percentile(ms, 95)));
  const failed = results.filter((r) => !succeeded(r)).map(({ reply }) => reply.status || reply.error);
  return {
    sent: results.length,
    ok: results.length - failed.length,
    failed,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    worstSecond,
  };
}

process.stdout.write(`${JSON.stringify(summarize(await drive()))}\n`);
