// What the import sources that read an original server's MySQL (or MariaDB) database share:
// opening it with a clear one-line failure, streaming a query's rows, closing it. Imported only
// by the dialects' `import-source.ts` files (eslint.config.js); it names no dialect.
import type { Connection as CallbackConnection } from "mysql2";
import type mysql from "mysql2/promise";

export const MYSQL_SOURCE_FORM = "mysql://user:pass@host:3306/db";

/** `mysql://user:pass@host:port/db` without the credentials, for messages. */
function location(source: string): string {
  try {
    const url = new URL(source);
    return `mysql://${url.host}${url.pathname}`;
  } catch {
    return "the --source URL";
  }
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  ETIMEDOUT: "connection timed out",
  ER_ACCESS_DENIED_ERROR: "access denied for the user and password given",
  ER_DBACCESS_DENIED_ERROR: "access denied to that database",
  ER_BAD_DB_ERROR: "no such database",
};

/** One line on why the database cannot be read, never quoting the user or the password. */
function failure(name: string, source: string, error: unknown): Error {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  const reason = (code && REASONS[code]) ?? message ?? String(error);
  return new Error(`cannot read the ${name} database at ${location(source)}: ${reason}`);
}

/**
 * Opens the original's database: `setup` statements first (the session's time zone, say), then
 * each of `queries` with `LIMIT 0`, which parses and names every table and column, so that a
 * database of another shape fails here, before anything is imported, not row by row.
 */
export async function openMysqlSource(
  name: string,
  source: string,
  { setup, queries }: { setup: string; queries: string[] },
): Promise<mysql.Connection> {
  if (!/^mysql:\/\/[^/]+\/[^/?]+/.test(source)) throw new Error(`the ${name} --source must be ${MYSQL_SOURCE_FORM}`);
  let connection: mysql.Connection | undefined;
  try {
    // Loaded here, not with the dialect: a serving process never reads an original's store.
    const { createConnection } = await import("mysql2/promise");
    connection = await createConnection({
      uri: source,
      dateStrings: true,
      supportBigNumbers: true,
      connectTimeout: 10_000,
      charset: "utf8mb4_unicode_ci",
    });
    await connection.query(setup);
    for (const query of queries) await connection.query(`${query} LIMIT 0`);
    return connection;
  } catch (error) {
    await connection?.end().catch(() => undefined);
    throw failure(name, source, error);
  }
}

/**
 * The rows of `query`, one at a time. The promise API buffers a whole result; its underlying
 * connection streams row by row, and pauses the socket while the consumer is busy.
 */
export function streamRows(connection: mysql.Connection, query: string): AsyncIterable<unknown> {
  const core = (connection as unknown as { connection: CallbackConnection }).connection;
  return core.query(query).stream({ highWaterMark: 256 });
}

/** Ends the connection; after a consumer stopped early it may be mid-result, and is destroyed. */
export async function closeMysql(connection: mysql.Connection): Promise<void> {
  await connection.end().catch(() => connection.destroy());
}

/** A DATETIME or a TIMESTAMP read in a UTC session (`YYYY-MM-DD HH:MM:SS[.ffffff]`) as ISO 8601. */
export function isoDatetime(value: string | null): string | undefined {
  if (!value || value.startsWith("0000-00-00")) return undefined;
  return `${value.replace(" ", "T")}Z`;
}
