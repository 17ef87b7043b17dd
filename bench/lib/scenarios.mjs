// The scenarios of the benchmark (bench/run.mjs): the tokens they replay, then each scenario
// measured against the running server (login, registration, refresh, introspection,
// check_token, JWKS, many clients logging in to one account), and the pass that repeats login,
// introspection and the admin API's user search with a million users.

import { distinctAccessTokens, grantLogins, jwtRefreshTokens } from "./gatehouse.mjs";
import { basic, forgetIdleConnections, jsonPost, log } from "./processes.mjs";
import { CLIENT_ID, CLIENT_SECRET, PASSWORD, USER_PREFIX, seedUsers } from "./seed.mjs";
import { measureUserSearch } from "./user-search.mjs";

/** What load.mjs needs to log in as seeded users and to use the bench client. */
const clientData = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, password: PASSWORD, prefix: USER_PREFIX };
const introspectAuth = { authorization: basic(CLIENT_ID, CLIENT_SECRET) };

/**
 * What every phase of the run works with.
 * @typedef {object} Bench
 * @property {{ connections: number, seededUsers: number, distinctTokens: number, million: number }} options
 *   the run's options (bench/run.mjs)
 * @property {any} config          the server's configuration (argon2, JWT algorithm, pool size)
 * @property {string} tmp          the run's temporary folder
 * @property {string} databaseUrl
 * @property {Awaited<ReturnType<typeof import("./gatehouse.mjs").startGatehouse>>} server
 * @property {ReturnType<typeof import("./measure.mjs").createMeasurer>} measurer
 * @property {{ url: string, connections: number }} base   what every scenario's load spec starts with
 */

/**
 * The tokens the scenarios replay; `sampleToken` is the access token repeated by introspection.
 * @param {Bench} bench
 */
export async function prepareTokens(bench, sampleToken) {
  const { url } = bench.server;
  const { connections, seededUsers, distinctTokens } = bench.options;
  log("preparing tokens");
  const loginsForRefresh = await jwtRefreshTokens(url, 8, seededUsers);
  const rotationPool = (await grantLogins(url, connections * 3, seededUsers)).map((t) => t.refresh_token);
  const rotationWarmupPool = (await grantLogins(url, connections * 2, seededUsers)).map((t) => t.refresh_token);
  const distinct = await distinctAccessTokens(url, distinctTokens, 32, seededUsers);
  return { oneToken: sampleToken, loginsForRefresh, rotationPool, rotationWarmupPool, distinct };
}

/** Login (jwt-extended) of users among the first `users`, with a /healthz probe alongside. */
function measureLogin(bench, name, users) {
  const spec = { ...bench.base, kind: "login-jwt", data: { ...clientData, users } };
  return bench.measurer.measureWithHealthzProbe(name, spec, bench.server);
}

/** The load spec of introspection cycling through `tokens`. */
function introspectionSpec(bench, tokens) {
  const bodies = tokens.map((t) => `token=${t}`);
  return { ...bench.base, kind: "post-form", data: { path: "/oauth/introspect", headers: introspectAuth, bodies } };
}

/**
 * Logins, registration and refreshes: the scenarios bound by a password hash or a commit.
 * @param {Bench} bench
 */
export async function measureLoginsAndRefreshes(bench, tokens) {
  const { base, measurer, server } = bench;
  const { measured: loginJwt, probe } = await measureLogin(bench, "login (jwt-extended)", bench.options.seededUsers);
  const loginGrant = await measurer.measure(
    "login (password grant)",
    { ...base, kind: "login-grant", data: { ...clientData, users: bench.options.seededUsers } },
    server,
  );
  const register = await measurer.measure("register (jwt-extended)", { ...base, kind: "register", data: clientData }, server);
  const refreshJwt = await measurer.measure(
    "refresh (jwt-extended)",
    { ...base, kind: "refresh-jwt", data: { tokens: tokens.loginsForRefresh } },
    server,
  );
  const refreshGrant = await measurer.measure(
    "refresh (refresh_token grant, rotation)",
    {
      ...base,
      kind: "refresh-grant",
      data: { ...clientData, tokens: tokens.rotationPool },
      warmupData: { ...clientData, tokens: tokens.rotationWarmupPool },
    },
    server,
  );
  return { loginJwt, healthzDuringLogin: probe, loginGrant, register, refreshJwt, refreshGrant };
}

/**
 * Introspection, check_token and JWKS: the scenarios bound by a signature or by HTTP.
 * @param {Bench} bench
 */
export async function measureTokenChecks(bench, tokens) {
  const { base, measurer, server } = bench;
  const introspectRepeated = await measurer.measure(
    "introspection, one token repeated",
    introspectionSpec(bench, [tokens.oneToken]),
    server,
  );
  const introspectDistinct = await measurer.measure(
    `introspection, ${bench.options.distinctTokens} distinct tokens`,
    introspectionSpec(bench, tokens.distinct),
    server,
  );
  const checkToken = await measurer.measure(
    "check_token",
    {
      ...base,
      kind: "get",
      data: { path: `/oauth/check_token?token=${tokens.oneToken}`, headers: { authorization: basic("watup", "watup") } },
    },
    server,
  );
  const jwks = await measurer.measure("JWKS", { ...base, kind: "get", data: { path: "/.well-known/jwks.json" } }, server);
  return { introspectRepeated, introspectDistinct, checkToken, jwks };
}

/** The clients of the one-account scenario, each logging in again as soon as it is answered. */
export const ONE_ACCOUNT_CLIENTS = 64;
/** Not a seeded user: the lockouts this scenario may cause touch no other scenario. */
const ONE_ACCOUNT = "bench-one-account";

/**
 * 64 clients logging in over and over to one account with the right password (password grant,
 * 64 connections), as the many devices or tabs of one user, or one shared service account, do.
 * Every answer is classified (load.mjs): success, the wrong-password answer, or a retryable
 * 429/503; `successRate` is the share of successes among all answers. No warm-up: the server
 * is warm from the scenarios before, and a warm-up's lockouts would carry over into the run.
 * @param {Bench} bench
 */
export async function measureOneAccountLogins(bench) {
  const { url } = bench.server;
  const registered = await jsonPost(url, "/api/auth/register", { username: ONE_ACCOUNT, password: PASSWORD });
  if (registered.body?.code !== 0) throw new Error(`registering ${ONE_ACCOUNT}: ${JSON.stringify(registered.body)}`);
  const measured = await bench.measurer.measure(
    `${ONE_ACCOUNT_CLIENTS} clients, one account: login (password grant)`,
    {
      url,
      connections: ONE_ACCOUNT_CLIENTS,
      kind: "login-one-account",
      noWarmup: true,
      data: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, username: ONE_ACCOUNT, password: PASSWORD },
    },
    bench.server,
  );
  const { success, wrongPassword, retryable, other } = measured.answers;
  const answered = success + wrongPassword + retryable + other;
  return { ...measured, clients: ONE_ACCOUNT_CLIENTS, successRate: answered > 0 ? success / answered : 0 };
}

/**
 * The same login and introspection with a million users in the table; null when skipped.
 * @param {Bench} bench
 */
export async function measureMillionUsers(bench, passwordHash) {
  const { million, seededUsers } = bench.options;
  if (million === 0) return null;
  log(`seeding users up to ${million}`);
  const seedSeconds = await seedUsers(bench.databaseUrl, seededUsers + 1, million, passwordHash);
  log(`seeded ${million - seededUsers} more users in ${seedSeconds.toFixed(1)} s`);
  forgetIdleConnections();
  const distinct = await distinctAccessTokens(bench.server.url, bench.options.distinctTokens, 32, million);
  const { measured, probe } = await measureLogin(bench, "1M users: login (jwt-extended)", million);
  const introspectDistinct = await bench.measurer.measure(
    "1M users: introspection, distinct tokens",
    introspectionSpec(bench, distinct),
    bench.server,
  );
  const userSearch = await measureUserSearch(bench, "1M users: admin API user search");
  return { users: million, seedSeconds, loginJwt: measured, healthzDuringLogin: probe, introspectDistinct, userSearch };
}
