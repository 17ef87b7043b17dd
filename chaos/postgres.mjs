// Throwaway PostgreSQL databases for the chaos scenarios: one per scenario, created next to
// the database of the admin URL (--db) and dropped again by cleanupAll.

import pg from "pg";
import { createThrowawayDatabase, dropThrowawayDatabase } from "../scripts/lib/harness.mjs";
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
  const { name, url } = await createThrowawayDatabase(adminUrl, `gatehouse_chaos_${label}`);
  pgDatabases.push({ admin: adminUrl, name });
  log(`created database ${name}`);
  return url;
}

/** Drops every database createPgDatabase made. */
export async function dropPgDatabases() {
  for (const { admin, name } of pgDatabases.splice(0)) {
    const problem = await dropThrowawayDatabase(admin, name);
    log(problem ? `could not drop database ${name}: ${problem}` : `dropped database ${name}`);
  }
}
