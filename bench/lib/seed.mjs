// The benchmark's data (bench/run.mjs): the PostgreSQL database of the run (created here,
// dropped at clean-up), the seeded users and their password, and the OAuth client's credentials.

import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { hash } from "@node-rs/argon2";
import SQLite from "better-sqlite3";
import pg from "pg";
import { createThrowawayDatabase, dropThrowawayDatabase } from "../../scripts/lib/harness.mjs";
import { log, onCleanup } from "./processes.mjs";

/** Every seeded user has this password. */
export const PASSWORD = "bench-password-7f3a9c";
/** Seeded usernames are `u0000001`, `u0000002`, ... */
export const USER_PREFIX = "u";
export const CLIENT_ID = "bench-client";
export const CLIENT_SECRET = randomBytes(32).toString("hex");

/** The username of seeded user `n`. */
export const userName = (n) => `${USER_PREFIX}${String(n).padStart(7, "0")}`;

/** Rows inserted per transaction when seeding. */
const BATCH = 200_000;

/**
 * Creates a database of the run's own on the server of `adminUrl`, dropped again at clean-up.
 * @param {string} adminUrl
 * @returns {Promise<string>} the new database's URL
 */
export async function createPgDatabase(adminUrl) {
  const { name, url } = await createThrowawayDatabase(adminUrl, "gatehouse_bench");
  onCleanup(async () => {
    const problem = await dropThrowawayDatabase(adminUrl, name);
    log(problem ? `could not drop database ${name}: ${problem}` : `dropped database ${name}`);
  });
  log(`created database ${name}`);
  return url;
}

/** The argon2id hash of PASSWORD with the server's own settings, shared by every seeded user. */
export function hashPassword(config) {
  return hash(PASSWORD, {
    algorithm: 2,
    memoryCost: config.argon2MemoryKib,
    timeCost: config.argon2Iterations,
    parallelism: 1,
  });
}

/**
 * Inserts users `from..to` (inclusive) in bulk, each with role USER and the same precomputed
 * argon2id hash: rows are generated inside the database (a recursive CTE on SQLite,
 * generate_series on PostgreSQL) in large transactions, so a million rows take seconds.
 * Usernames are `u0000001`...; ids are fixed-format UUIDs, so the rows look like real ones.
 * @returns {Promise<number>} seconds taken
 */
export async function seedUsers(databaseUrl, from, to, passwordHash) {
  const t0 = performance.now();
  if (databaseUrl.startsWith("sqlite:")) seedSqliteUsers(databaseUrl.slice("sqlite:".length), from, to, passwordHash);
  else await seedPostgresUsers(databaseUrl, from, to, passwordHash);
  return (performance.now() - t0) / 1000;
}

function seedSqliteUsers(path, from, to, passwordHash) {
  const db = new SQLite(path);
  db.pragma("busy_timeout = 10000");
  const roleId = db.prepare("select id from roles where name = 'USER'").pluck().get();
  const range = "with recursive n(i) as (select ? union all select i + 1 from n where i < ?)";
  const users = db.prepare(
    `insert into users (id, username, username_canonical, password_hash, created_at, updated_at)
     ${range} select printf('00000000-0000-4000-8000-%012d', i), printf('${USER_PREFIX}%07d', i),
     printf('${USER_PREFIX}%07d', i), ?, ?, ? from n`,
  );
  const roles = db.prepare(
    `insert into user_roles (user_id, role_id) ${range} select printf('00000000-0000-4000-8000-%012d', i), ? from n`,
  );
  for (let a = from; a <= to; a += BATCH) {
    const b = Math.min(to, a + BATCH - 1);
    const now = Date.now();
    db.transaction(() => {
      users.run(a, b, passwordHash, now, now);
      roles.run(a, b, roleId);
    })();
  }
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
}

async function seedPostgresUsers(databaseUrl, from, to, passwordHash) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query("select id from roles where name = 'USER'");
    const roleId = rows[0].id;
    for (let a = from; a <= to; a += BATCH) {
      const b = Math.min(to, a + BATCH - 1);
      await client.query("begin");
      await client.query(
        `insert into users (id, username, username_canonical, password_hash, created_at, updated_at)
         select '00000000-0000-4000-8000-' || lpad(i::text, 12, '0'), '${USER_PREFIX}' || lpad(i::text, 7, '0'),
                '${USER_PREFIX}' || lpad(i::text, 7, '0'), $3, $4, $4
         from generate_series($1::int, $2::int) as i`,
        [a, b, passwordHash, Date.now()],
      );
      await client.query(
        `insert into user_roles (user_id, role_id)
         select '00000000-0000-4000-8000-' || lpad(i::text, 12, '0'), $3 from generate_series($1::int, $2::int) as i`,
        [a, b, roleId],
      );
      await client.query("commit");
    }
    // What a DBA would do after a bulk load; autovacuum would get there later by itself.
    await client.query("analyze users");
    await client.query("analyze user_roles");
  } finally {
    await client.end();
  }
}
