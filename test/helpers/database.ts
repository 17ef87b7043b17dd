import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import pg from "pg";

/** The database this test run targets: `GATEHOUSE_TEST_DATABASE` is `sqlite` (default) or `postgres`. */
export const testDatabase = (): "sqlite" | "postgres" =>
  process.env.GATEHOUSE_TEST_DATABASE === "postgres" ? "postgres" : "sqlite";

/** Where the test PostgreSQL server is; each test server gets a database of its own on it. */
export const POSTGRES_ADMIN_URL = process.env.GATEHOUSE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export type PostgresDatabase = { url: string; drop: () => Promise<void> };

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database with a unique name; `drop` removes it (closing its connections). */
export async function createPostgresDatabase(): Promise<PostgresDatabase> {
  const name = `gatehouse_test_${randomBytes(6).toString("hex")}`;
  await admin((client) => client.query(`create database ${name}`));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin((client) => client.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

/**
 * Runs one statement on a test server's database, SQLite or PostgreSQL alike (`?` placeholders):
 * on SQLite through `sqlite`, on PostgreSQL as one query whose result `postgres` reads.
 */
async function onDatabase<T>(
  databaseUrl: string,
  text: string,
  params: unknown[],
  sqlite: { readonly: boolean; run: (statement: Database.Statement) => T },
  postgres: (result: pg.QueryResult) => T,
): Promise<T> {
  if (databaseUrl.startsWith("sqlite:")) {
    const db = new Database(databaseUrl.slice("sqlite:".length), { readonly: sqlite.readonly });
    try {
      db.pragma("busy_timeout = 5000");
      return sqlite.run(db.prepare(text));
    } finally {
      db.close();
    }
  }
  let index = 0;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return postgres(
      await client.query(
        text.replace(/\?/g, () => `$${++index}`),
        params,
      ),
    );
  } finally {
    await client.end();
  }
}

/** Runs one read query against a test server's database, SQLite or PostgreSQL alike; write the SQL with `?` placeholders. */
export function queryDatabase<T = Record<string, unknown>>(
  databaseUrl: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  return onDatabase(
    databaseUrl,
    text,
    params,
    { readonly: true, run: (statement) => statement.all(...params) as T[] },
    (result) => result.rows as T[],
  );
}

/**
 * Runs one write against a test server's database, as another program on the same database
 * would (`?` placeholders); resolves with the number of rows it changed.
 */
export function writeDatabase(databaseUrl: string, text: string, params: unknown[] = []): Promise<number> {
  return onDatabase(
    databaseUrl,
    text,
    params,
    { readonly: false, run: (statement) => statement.run(...params).changes },
    (result) => result.rowCount ?? 0,
  );
}
