// Gatehouse under test (bench/run.mjs): the server (`node bin/gatehouse.js serve`, production
// mode, one worker unless told otherwise, rate limits out of the way), the CLI, and the tokens
// the scenarios replay.

import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { ROOT, basic, call, formPost, freePort, jsonPost, pooled, start } from "./processes.mjs";
import { serverUnderTestEnv } from "../../scripts/lib/harness.mjs";
import { CODE_CLIENT } from "./code-flow.mjs";
import { CLIENT_ID, CLIENT_SECRET, PASSWORD, userName } from "./seed.mjs";

const GATEHOUSE = join(ROOT, "bin", "gatehouse.js");

/**
 * Starts the server (`workers` processes, default 1) on a free port and waits until `/readyz`
 * answers 200 (at most 30 s).
 * @returns {Promise<{ child: import("node:child_process").ChildProcess, url: string, readyMs: number, stderr: () => string }>}
 */
export async function startGatehouse(databaseUrl, workers = 1) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const { child, stderr } = start([GATEHOUSE, "serve"], {
    // Private addresses allowed: the webhook scenario's receiver is on loopback.
    env: {
      ...serverUnderTestEnv({ databaseUrl, port, issuer: url, workers }),
      RATE_LIMIT_WINDOW: "1",
      WEBHOOK_ALLOW_PRIVATE: "true",
    },
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gatehouse exited with ${child.exitCode}:\n${stderr()}`);
    if (performance.now() - t0 > 30_000) throw new Error(`gatehouse not ready within 30 s:\n${stderr()}`);
    const ready = await call(url, "GET", "/readyz").then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    await sleep(5);
  }
  return { child, url, readyMs: performance.now() - t0, stderr };
}

/** Sends SIGTERM and waits for the server to exit. */
export async function stopGatehouse(server) {
  const stopped = new Promise((resolve) => server.child.once("exit", resolve));
  server.child.kill("SIGTERM");
  await stopped;
}

/** Runs the CLI (`bin/gatehouse.js <args>`) against the database (`extraEnv` adds settings); returns its output. */
export function gatehouseCli(databaseUrl, args, extraEnv = {}) {
  return execFileSync(process.execPath, [GATEHOUSE, ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production", LOG_LEVEL: "error", DATABASE_URL: databaseUrl, ...extraEnv },
    encoding: "utf8",
  });
}

/** Registers the bench clients with the CLI: password and refresh_token grants; the code flow's. */
export function createBenchClient(databaseUrl) {
  gatehouseCli(databaseUrl, [
    "client",
    "create",
    "--id",
    CLIENT_ID,
    "--secret",
    CLIENT_SECRET,
    "--grants",
    "password,refresh_token",
    "--scopes",
    "read",
  ]);
  // The code flow's app (bench/lib/code-flow.mjs): first-party, public, PKCE only.
  const { id, redirectUri } = CODE_CLIENT;
  const grants = ["--grants", "authorization_code", "--scopes", "openid,profile"];
  gatehouseCli(databaseUrl, [
    "client",
    "create",
    "--id",
    id,
    "--public",
    "--first-party",
    ...grants,
    "--redirect-uri",
    redirectUri,
  ]);
}

/** A seeded user among the first `count`, at random. */
const randomUser = (count) => userName(1 + Math.floor(Math.random() * count));

/** Password-grant logins: access and refresh tokens of the bench client. */
export async function grantLogins(url, count, users) {
  return pooled(Array.from({ length: count }), 8, async () => {
    const r = await formPost(
      url,
      "/oauth/token",
      { grant_type: "password", username: randomUser(users), password: PASSWORD },
      basic(CLIENT_ID, CLIENT_SECRET),
    );
    if (r.status !== 200) throw new Error(`password grant: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  });
}

/** jwt-extended logins of random users: their refresh tokens. */
export async function jwtRefreshTokens(url, count, users) {
  return pooled(Array.from({ length: count }), 8, async () => {
    const r = await jsonPost(url, "/api/auth/login", { username: randomUser(users), password: PASSWORD });
    return r.body.data.refresh_token;
  });
}

/**
 * Many distinct access tokens, spread over `sessions` sessions of distinct users: one
 * jwt-extended login each (one argon2id verification), then non-rotating jwt-extended refreshes,
 * each of which signs a new access token without hashing a password.
 */
export async function distinctAccessTokens(url, count, sessions, users) {
  const refreshTokens = await pooled(Array.from({ length: sessions }), 8, async () => {
    const r = await jsonPost(url, "/api/auth/login", { username: randomUser(users), password: PASSWORD });
    if (r.status !== 200) throw new Error(`login: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.data.refresh_token;
  });
  return pooled(Array.from({ length: count }), 16, async (_, i) => {
    const r = await call(url, "POST", "/api/auth/refresh", {
      headers: { authorization: `Bearer ${refreshTokens[i % sessions]}` },
    });
    if (r.status !== 200) throw new Error(`refresh: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.data.access_token;
  });
}
