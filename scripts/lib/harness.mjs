// Pieces the two loopback harnesses (bench/ and chaos/) share: a free port to start a server
// on, the environment of a server under test, and throwaway PostgreSQL databases created next
// to an admin URL's and dropped afterwards.

import { randomBytes } from "node:crypto";
import net from "node:net";
import pg from "pg";

/** A TCP port free on 127.0.0.1 at the time of asking. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * The environment of a Gatehouse server under test: production mode, quiet logs, loopback, one
 * worker unless told otherwise, and a per-IP rate limit out of the way (all traffic comes from
 * 127.0.0.1, so that limit would otherwise be all that is measured).
 * @param {{ databaseUrl: string, port: number, issuer: string, workers?: number }} server
 */
export function serverUnderTestEnv({ databaseUrl, port, issuer, workers = 1 }) {
  return {
    ...process.env,
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    HOST: "127.0.0.1",
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    ISSUER: issuer,
    WORKERS: String(workers),
    RATE_LIMIT_MAX: "1000000",
    // Metrics on, as in production, on a port of their own choosing: servers run side by side.
    METRICS_PORT: "0",
  };
}

/**
 * Creates a database named `<prefix>_<pid>_<random>` on the server of `adminUrl`.
 * @param {string} adminUrl
 * @param {string} prefix
 * @returns {Promise<{ name: string, url: string }>}
 */
export async function createThrowawayDatabase(adminUrl, prefix) {
  const name = `${prefix}_${process.pid}_${randomBytes(3).toString("hex")}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

/**
 * Drops a database made by createThrowawayDatabase, closing its connections first.
 * @returns {Promise<string | null>} null when dropped, else what went wrong
 */
export async function dropThrowawayDatabase(adminUrl, name) {
  const client = new pg.Client({ connectionString: adminUrl });
  try {
    await client.connect();
    await client.query(`drop database if exists "${name}" with (force)`);
    return null;
  } catch (error) {
    return String(error);
  } finally {
    await client.end().catch(() => {});
  }
}
