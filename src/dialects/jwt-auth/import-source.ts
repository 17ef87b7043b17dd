// Reads the Lumen + tymon/jwt-auth server's own MySQL (or MariaDB) database for
// `gatehouse import --from jwt-auth`: its users table, translated into Gatehouse's import format
// (docs/import.md). The Lumen id becomes the user's seq, the number its tokens carry as `sub`.
// The one file of this dialect that opens a database, and only the original's.
import type mysql from "mysql2/promise";
import { closeMysql, isoDatetime, MYSQL_SOURCE_FORM, openMysqlSource, streamRows } from "../mysql-source.js";
import type { ImportRecord, ImportSource, ImportSourceReader } from "../types.js";

// Every column read is named, so a database of another shape fails in open(), not row by row;
// in the order of the primary key, which needs no sort.
const USERS_QUERY = "SELECT id, uid, email, password, created_at FROM users ORDER BY id";

/** The columns read, as mysql2 returns them with `dateStrings` and the session in UTC. */
type UserRow = {
  id: number | string | null;
  uid: string | null;
  email: string | null;
  password: string | null;
  created_at: string | null;
};

/** The Lumen id as a number: an id beyond 2^53 cannot be a token's `sub` in JSON, so it is refused. */
function sequence(id: UserRow["id"]): number | null {
  const value = typeof id === "string" ? Number(id) : id;
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0 ? value : null;
}

function translate(line: number, row: UserRow): ImportRecord {
  const input = JSON.stringify(row);
  const seq = sequence(row.id);
  if (seq === null) return { line, input, error: `the id ${String(row.id)} is not a positive integer` };
  if (typeof row.uid !== "string" || row.uid === "") return { line, input, error: "the user has no uid" };
  const value: Record<string, unknown> = { type: "user", seq, username: row.uid };
  if (row.email) value.email = row.email;
  const createdAt = isoDatetime(row.created_at);
  if (createdAt) value.created_at = createdAt;
  if (row.password) value.password_hash = row.password;
  return { line, input, value };
}

async function* records(connection: mysql.Connection): AsyncGenerator<ImportRecord> {
  let line = 0;
  for await (const row of streamRows(connection, USERS_QUERY)) {
    line += 1;
    yield translate(line, row as UserRow);
  }
}

async function open(source: string): Promise<ImportSource> {
  // Lumen's TIMESTAMP columns are stored in UTC and shown in the session's zone.
  const connection = await openMysqlSource("jwt-auth", source, { setup: "SET time_zone = '+00:00'", queries: [USERS_QUERY] });
  return { records: () => records(connection), close: () => closeMysql(connection) };
}

export const importSource: ImportSourceReader = { sourceForm: MYSQL_SOURCE_FORM, open };
