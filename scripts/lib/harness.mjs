// Pieces the two loopback harnesses (bench/ and chaos/) share: a free port to start a server
// on, and throwaway PostgreSQL databases created next to an admin URL's and dropped afterwards.

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
