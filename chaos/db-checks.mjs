// Checks on the database itself, run after the last kill -9 with no server attached:
//
//   I4  SQLite: `PRAGMA integrity_check` is "ok" (the file is opened afresh, so the WAL left by
//       the kill is recovered first) and `PRAGMA foreign_key_check` finds nothing. PostgreSQL:
//       amcheck's B-tree and heap checks over every table and index of the database, and
//       fsync, synchronous_commit and full_page_writes on.
//   I2  writes were atomic: no account without its role rows (registration is one
//       transaction), and every refresh-token family has exactly one unused token (a rotation
//       marks the old token and inserts its successor in one transaction).
//
// Sessions of the OAuth client without any refresh token are counted but not judged: the
// password grant creates the session and then the token, so a kill in between can leave one
// behind that no client was ever told about.

import SQLite from "better-sqlite3";
import pg from "pg";

const ATOMICITY_QUERIES = {
  usersWithoutRoles: "select count(*) as n from users u where not exists (select 1 from user_roles r where r.user_id = u.id)",
  familiesNotOneLive: `select count(*) as n from (select session_id from refresh_tokens group by session_id
     having sum(case when used_at is null then 1 else 0 end) <> 1) t`,
  oauthSessionsWithoutToken: `select count(*) as n from sessions s where s.client_id is not null and s.user_id is not null
     and not exists (select 1 from refresh_tokens t where t.session_id = s.id)`,
  users: "select count(*) as n from users",
  sessions: "select count(*) as n from sessions",
  refreshTokens: "select count(*) as n from refresh_tokens",
};

/** Findings as violations: [what, detail] pairs. */
function atomicityFindings(counts) {
  const out = [];
  if (counts.usersWithoutRoles > 0) out.push(["I2: account without roles", `${counts.usersWithoutRoles} accounts`]);
  if (counts.familiesNotOneLive > 0)
    out.push(["I2: refresh-token family without exactly one live token", `${counts.familiesNotOneLive} families`]);
  return out;
}

/** @returns {{ integrity: string, counts: Record<string, number>, findings: string[][], settings: Record<string, string> }} */
export function checkSqlite(path) {
  const db = new SQLite(path);
  try {
    db.pragma("busy_timeout = 10000");
    const integrity = db
      .pragma("integrity_check")
      .map((row) => row.integrity_check)
      .join("; ");
    const counts = {};
    for (const [name, query] of Object.entries(ATOMICITY_QUERIES)) counts[name] = Number(db.prepare(query).get().n);
    const findings = atomicityFindings(counts);
    if (integrity !== "ok") findings.push(["I4: PRAGMA integrity_check", integrity.slice(0, 500)]);
    const orphans = db.pragma("foreign_key_check").length;
    if (orphans > 0) findings.push(["I4: PRAGMA foreign_key_check", `${orphans} rows point at nothing`]);
    const settings = { journal_mode: String(db.pragma("journal_mode", { simple: true })) };
    return { integrity, counts, findings, settings };
  } finally {
    db.close();
  }
}

/** amcheck over every B-tree index (with heapallindexed) and every table of the public schema. */
async function amcheck(client) {
  const available = await client.query("select 1 from pg_available_extensions where name = 'amcheck'");
  if (available.rowCount === 0) return "not available (contrib not installed)";
  await client.query("create extension if not exists amcheck");
  const indexes = await client.query(`select c.oid, c.relname from pg_index i join pg_class c on c.oid = i.indexrelid
     join pg_am am on am.oid = c.relam join pg_namespace n on n.oid = c.relnamespace
     where am.amname = 'btree' and n.nspname = 'public'`);
  for (const { oid } of indexes.rows) await client.query("select bt_index_check($1::oid::regclass, true)", [oid]);
  const tables = await client.query(
    "select c.oid from pg_class c where c.relkind = 'r' and c.relnamespace = 'public'::regnamespace",
  );
  let corrupt = 0;
  for (const { oid } of tables.rows) {
    const result = await client.query("select count(*) as n from verify_heapam($1::oid::regclass)", [oid]);
    corrupt += Number(result.rows[0].n);
  }
  return corrupt === 0 ? "ok" : `${corrupt} corrupt heap tuples`;
}

export async function checkPostgres(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const settings = {};
    for (const name of ["fsync", "synchronous_commit", "full_page_writes"]) {
      settings[name] = (await client.query(`show ${name}`)).rows[0][name];
    }
    const counts = {};
    for (const [name, query] of Object.entries(ATOMICITY_QUERIES)) counts[name] = Number((await client.query(query)).rows[0].n);
    const findings = atomicityFindings(counts);
    let integrity;
    try {
      integrity = await amcheck(client);
    } catch (error) {
      integrity = `amcheck failed: ${error instanceof Error ? error.message : error}`;
    }
    if (integrity !== "ok" && !integrity.startsWith("not available")) findings.push(["I4: amcheck", integrity]);
    for (const [name, value] of Object.entries(settings)) {
      if (value !== "on") findings.push([`R3: ${name} is not on`, `${name} = ${value}`]);
    }
    return { integrity, counts, findings, settings };
  } finally {
    await client.end();
  }
}
