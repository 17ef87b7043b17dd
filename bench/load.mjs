// The load generator: one autocannon run in a process of its own, so that generating load
// never shares an event loop with the server or with the orchestrator (bench/run.mjs).
//
//   node bench/load.mjs <spec.json>
//
// The spec names a target URL, the connections, the duration and a `kind` that says how each
// request is built (below). The result is one JSON line on stdout.
//
// Plain .mjs with JSDoc, like the rest of bench/: it runs with `node` and no build step, and it
// stays outside the TypeScript project (tsconfig includes src, test and scripts only).

import { readFileSync } from "node:fs";
import { URLSearchParams } from "node:url";
import autocannon from "autocannon";

/**
 * @typedef {object} LoadSpec
 * @property {string} url            base URL, e.g. http://127.0.0.1:8080
 * @property {number} connections
 * @property {number} duration       seconds
 * @property {number} [rate]         requests per second per connection (a light probe); none: as fast as possible
 * @property {string} kind           see `requestsFor`
 * @property {Record<string, any>} [data]  what the kind needs (tokens, usernames, ...)
 */

/** @type {LoadSpec} */
const spec = JSON.parse(readFileSync(process.argv[2] ?? "", "utf8"));
const data = spec.data ?? {};

const json = { "content-type": "application/json" };
const form = { "content-type": "application/x-www-form-urlencoded" };
const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;

/** Round-robin over a list, across all connections of this process. */
function cycler(list) {
  if (!Array.isArray(list) || list.length === 0) throw new Error(`${spec.kind}: an empty pool`);
  let i = 0;
  return () => list[i++ % list.length];
}

/** A username of the seeded range, picked at random so that the whole table is touched. */
function seededUser() {
  const n = 1 + Math.floor(Math.random() * data.users);
  return `${data.prefix}${String(n).padStart(7, "0")}`;
}

/** @typedef {import("autocannon").Request[]} Requests */

/** @returns {Requests} the same GET each time */
function getRequests() {
  return [{ method: "GET", path: data.path, headers: data.headers ?? {} }];
}

/** @returns {Requests} a GET cycling through `data.paths` */
function getPathsRequests() {
  const next = cycler(data.paths);
  return [{ method: "GET", path: data.paths[0], headers: data.headers ?? {}, setupRequest: (req) => ({ ...req, path: next() }) }];
}

/** @returns {Requests} a form POST cycling through `data.bodies` */
function postFormRequests() {
  const next = cycler(data.bodies);
  return [
    {
      method: "POST",
      path: data.path,
      headers: { ...form, ...(data.headers ?? {}) },
      setupRequest: (req) => ({ ...req, body: next() }),
    },
  ];
}

/** @returns {Requests} jwt-extended logins of random seeded users */
function loginJwtRequests() {
  return [
    {
      method: "POST",
      path: "/api/auth/login",
      headers: json,
      setupRequest: (req) => ({ ...req, body: JSON.stringify({ username: seededUser(), password: data.password }) }),
    },
  ];
}

/** @returns {Requests} password-grant logins of random seeded users */
function loginGrantRequests() {
  return [
    {
      method: "POST",
      path: "/oauth/token",
      headers: { ...form, authorization: basic(data.clientId, data.clientSecret) },
      setupRequest: (req) => ({
        ...req,
        body: new URLSearchParams({ grant_type: "password", username: seededUser(), password: data.password }).toString(),
      }),
    },
  ];
}

/**
 * How the answers of a run that classifies them (`login-one-account`) were refused or not: a
 * success (200), the answer a wrong password gets (400 `invalid_grant`, also what a locked
 * account answers), a retryable refusal (429 or 503) or anything else.
 */
const answers = { success: 0, wrongPassword: 0, retryable: 0, other: 0 };

/** The `error` member of an OAuth error answer, or null. */
function oauthErrorOf(body) {
  try {
    return JSON.parse(body).error ?? null;
  } catch {
    return null;
  }
}

function classifyLoginAnswer(status, body) {
  if (status === 200) answers.success += 1;
  else if (status === 429 || status === 503) answers.retryable += 1;
  else if (status === 400 && oauthErrorOf(body) === "invalid_grant") answers.wrongPassword += 1;
  else answers.other += 1;
}

/** @returns {Requests} password-grant logins, all to the one account `data.username`, with the right password */
function loginOneAccountRequests() {
  const body = new URLSearchParams({ grant_type: "password", username: data.username, password: data.password }).toString();
  return [
    {
      method: "POST",
      path: "/oauth/token",
      headers: { ...form, authorization: basic(data.clientId, data.clientSecret) },
      body,
      onResponse: classifyLoginAnswer,
    },
  ];
}

/** @returns {Requests} jwt-extended registrations of new usernames, unique to this process */
function registerRequests() {
  let n = 0;
  const tag = `${process.pid.toString(36)}${Date.now().toString(36)}`;
  return [
    {
      method: "POST",
      path: "/api/auth/register",
      headers: json,
      setupRequest: (req) => ({ ...req, body: JSON.stringify({ username: `r${tag}n${n++}`, password: data.password }) }),
    },
  ];
}

/** @returns {Requests} jwt-extended refreshes (no rotation) cycling through `data.tokens` */
function refreshJwtRequests() {
  const next = cycler(data.tokens);
  return [
    {
      method: "POST",
      path: "/api/auth/refresh",
      setupRequest: (req) => ({ ...req, headers: { authorization: `Bearer ${next()}` } }),
    },
  ];
}

/**
 * Refresh-token chains: each session's current refresh token is presented exactly once, and
 * the token its answer returns is presented next, by whichever connection sends next. A
 * connection takes a token the last answers returned, or a fresh one from the pool (one
 * password-grant login each) when none is waiting. A failed or timed-out request ends its
 * chain: its token is never presented again (presenting it again would be a replay, and
 * revoke the session), so it shows as one error, not a cascade. When the pool runs dry,
 * the failures show as errors.
 *
 * The tokens are handed over through a queue rather than autocannon's per-connection
 * `context`: that context is cloned afresh whenever the request list wraps around, and a
 * list long enough never to wrap costs autocannon about a third of a second per connection
 * to set up, which stalled the connections already started and distorted the measurement.
 * @returns {Requests} refresh_token grants with rotation
 */
function refreshGrantRequests() {
  const pool = [...data.tokens];
  /** @type {string[]} */
  const returned = [];
  const request = {
    method: "POST",
    path: "/oauth/token",
    headers: { ...form, authorization: basic(data.clientId, data.clientSecret) },
    setupRequest: (req) => {
      const token = returned.pop() ?? pool.pop() ?? "exhausted";
      return { ...req, body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}` };
    },
    onResponse: (status, body) => {
      if (status === 200) returned.push(JSON.parse(body).refresh_token);
    },
  };
  return [request];
}

/**
 * Authorization code flows: each connection asks `/oauth/authorize` for a code with the signed-in
 * browser's cookie (a 302 to the redirect URI), then exchanges it at `/oauth/token`. The codes
 * are handed over through a queue, as the refresh tokens are above; each 200 is one whole flow.
 * @returns {Requests}
 */
function codeFlowRequests() {
  /** @type {string[]} */
  const codes = [];
  const authorize = {
    method: "GET",
    path: data.path,
    headers: { cookie: data.cookie },
    onResponse: (status, _body, _context, headers) => {
      const location = headers?.location;
      const code = status === 302 && location ? new URL(location).searchParams.get("code") : null;
      if (code) codes.push(code);
    },
  };
  const exchange = {
    method: "POST",
    path: "/oauth/token",
    headers: form,
    setupRequest: (req) => {
      const fields = { grant_type: "authorization_code", client_id: data.id, redirect_uri: data.redirectUri };
      const body = new URLSearchParams({ ...fields, code: codes.shift() ?? "none", code_verifier: data.verifier });
      return { ...req, body: body.toString() };
    },
  };
  return [authorize, exchange];
}

/** The request list of each `kind`, built only for the kind of the run. */
const requestBuilders = {
  get: getRequests,
  "get-paths": getPathsRequests,
  "post-form": postFormRequests,
  "login-jwt": loginJwtRequests,
  "login-grant": loginGrantRequests,
  "login-one-account": loginOneAccountRequests,
  register: registerRequests,
  "refresh-jwt": refreshJwtRequests,
  "refresh-grant": refreshGrantRequests,
  "code-flow": codeFlowRequests,
};

/** @returns {Requests} */
function requestsFor(kind) {
  if (!Object.hasOwn(requestBuilders, kind)) throw new Error(`unknown kind ${kind}`);
  return requestBuilders[kind]();
}

const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.duration,
  pipelining: 1,
  // A request that takes longer counts as an error (a timeout), which also bounds the drain
  // autocannon waits for after the measured time.
  timeout: Math.max(5, spec.duration),
  ...(spec.rate ? { connectionRate: spec.rate } : {}),
  requests: requestsFor(spec.kind),
});

const ok = result["2xx"];
// A code flow's authorization answers 302 by design: those are not errors.
const expectedRedirects = spec.kind === "code-flow" ? (result.statusCodeStats["302"]?.count ?? 0) : 0;
process.stdout.write(
  `${JSON.stringify({
    ok,
    rps: ok / (result.duration || spec.duration),
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.non2xx - expectedRedirects + result.errors + result.timeouts,
    non2xx: result.non2xx - expectedRedirects,
    socketErrors: result.errors,
    timeouts: result.timeouts,
    statusCodes: result.statusCodeStats,
    ...(spec.kind === "login-one-account" ? { answers } : {}),
  })}\n`,
);
