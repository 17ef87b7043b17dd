// Reads the Lumen + tymon/jwt-auth server's own MySQL (or MariaDB) database for
// `gatehouse import --from jwt-auth`: its users table, translated into Gatehouse's import format
// (docs/import.md). The Lumen id becomes the user's seq, the number its tokens carry as `sub`.
// The one file of this dialect that opens a database, and only the original's.
import type { Connection as CallbackConnection } from "mysql2";
import mysql from "mysql2/promise";
import type { ImportRecord, ImportSource, ImportSourceReader } from "../types.js";

const SOURCE_FORM = "mysql://user:pass@host:3306/db";

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

/** `mysql://user:pass@host:port/db` without the credentials, for messages. */
function location(source: string): string {
  try {
    const url = new URL(source);
    return `mysql://${url.host}${url.pathname}`;
  } catch {
    return "the --source URL";
  }
}

/** One line on why the database cannot be read, never quoting the user or the password. */
function failure(source: string, error: unknown): Error {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  const reasons: Record<string, string> = {
    ECONNREFUSED: "connection refused",
    ENOTFOUND: "host not found",
    ETIMEDOUT: "connection timed out",
    ER_ACCESS_DENIED_ERROR: "access denied for the user and password given",
    ER_DBACCESS_DENIED_ERROR: "access denied to that database",
    ER_BAD_DB_ERROR: "no such database",
  };
  const reason = (code && reasons[code]) ?? message ?? String(error);
  return new Error(`cannot read the jwt-auth database at ${location(source)}: ${reason}`);
}

/** A TIMESTAMP read in a UTC session (`YYYY-MM-DD HH:MM:SS`) as ISO 8601. */
function isoDatetime(value: string | null): string | undefined {
  if (!value || value.startsWith("0000-00-00")) return undefined;
  return `${value.replace(" ", "T")}Z`;
}

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
  // The promise API buffers a whole result; its underlying connection streams row by row, and
  // pauses the socket while this generator's consumer is busy.
  const core = (connection as unknown as { connection: CallbackConnection }).connection;
  for await (const row of core.query(USERS_QUERY).stream({ highWaterMark: 256 })) {
    line += 1;
    yield translate(line, row as UserRow);
  }
}

async function open(source: string): Promise<ImportSource> {
  if (!/^mysql:\/\/[^/]+\/[^/?]+/.test(source)) throw new Error(`the jwt-auth --source must be ${SOURCE_FORM}`);
  let connection: mysql.Connection | undefined;
  try {
    connection = await mysql.createConnection({
      uri: source,
      dateStrings: true,
      supportBigNumbers: true,
      connectTimeout: 10_000,
      charset: "utf8mb4_unicode_ci",
    });
    // Lumen's TIMESTAMP columns are stored in UTC and shown in the session's zone.
    await connection.query("SET time_zone = '+00:00'");
    // The query parses and names every column: a missing table or column fails here.
    await connection.query(`${USERS_QUERY} LIMIT 0`);
  } catch (error) {
    await connection?.end().catch(() => undefined);
    throw failure(source, error);
  }
  const opened = connection;
  return {
    records: () => records(opened),
    close: async () => {
      // After a consumer stopped early the connection may be mid-result; destroy it then.
      await opened.end().catch(() => opened.destroy());
    },
  };
}

export const importSource: ImportSourceReader = { sourceForm: SOURCE_FORM, open };
