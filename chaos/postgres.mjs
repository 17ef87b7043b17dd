// Throwaway PostgreSQL databases for the chaos scenarios: one per scenario, created next to
// the database of the admin URL (--db) and dropped again by cleanupAll.

import { randomBytes } from "node:crypto";
import pg from "pg";
import { log } from "./util.mjs";

/** @type {{ admin: string, name: string }[]} */
const pgDatabases = [];

/** Null when PostgreSQL answers on `adminUrl`, else the error message. */
export async function pgUnreachable(adminUrl) {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query("select 1");
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Creates a throwaway database next to `adminUrl`'s and returns its URL; dropped by cleanupAll. */
export async function createPgDatabase(adminUrl, label) {
  const name = `gatehouse_chaos_${label}_${process.pid}_${randomBytes(3).toString("hex")}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
  pgDatabases.push({ admin: adminUrl, name });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  log(`created database ${name}`);
  return url.toString();
}

/** Drops every database createPgDatabase made. */
export async function dropPgDatabases() {
  for (const { admin, name } of pgDatabases.splice(0)) {
    const client = new pg.Client({ connectionString: admin });
    try {
      await client.connect();
      await client.query(`drop database if exists "${name}" with (force)`);
      log(`dropped database ${name}`);
    } catch (error) {
      log(`could not drop database ${name}: ${error}`);
    } finally {
      await client.end().catch(() => {});
    }
  }
}
