import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, type Migration, type MigrationProvider, Migrator, PostgresDialect, SqliteDialect, sql } from "kysely";
import pg from "pg";
import type { Store } from "../ports.js";
import { createCodeRepository } from "./codes.js";
import type { Database } from "./database.js";
import * as initial from "./migrations/0001-initial.js";
import { createAuditRepository, createClientRepository, createKeyRepository, createSecretRepository } from "./server-tables.js";
import { createRefreshTokenRepository, createSessionRepository } from "./sessions.js";
import { createRbacRepository, createUserRepository } from "./users.js";

/** The migration set, in order. Names are frozen once released. */
const migrations: Record<string, Migration> = {
  "0001-initial": initial,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export type StoreOptions = { databaseUrl: string; dbPoolSize: number; dbStatementTimeoutMs: number };

function openSqlite(path: string): Kysely<Database> {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const database = new SQLite(path);
  // WAL for concurrent readers; FULL so that an acknowledged commit survives power loss.
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = FULL");
  database.pragma("foreign_keys = ON");
  database.pragma("busy_timeout = 5000");
  return new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
}

// bigint columns hold epoch milliseconds and sequence numbers, all far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/**
 * A bounded pool whose every wait is bounded too: acquiring a connection and running a
 * statement both time out, so a database that went away yields prompt errors (503s), never
 * hung requests, and the pool reconnects by itself when it is back.
 */
function openPostgres(options: StoreOptions): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.dbPoolSize,
    connectionTimeoutMillis: options.dbStatementTimeoutMs,
    statement_timeout: options.dbStatementTimeoutMs,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection dropped by the server must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

export type OpenStore = { store: Store; migrate: () => Promise<void> };

export const isPostgresUrl = (databaseUrl: string) => /^postgres(ql)?:\/\//.test(databaseUrl);

export function openStore(options: StoreOptions): OpenStore {
  const db = isPostgresUrl(options.databaseUrl) ? openPostgres(options) : openSqlite(options.databaseUrl.slice("sqlite:".length));
  const store: Store = {
    users: createUserRepository(db),
    rbac: createRbacRepository(db),
    sessions: createSessionRepository(db),
    refreshTokens: createRefreshTokenRepository(db),
    keys: createKeyRepository(db),
    clients: createClientRepository(db),
    secrets: createSecretRepository(db),
    codes: createCodeRepository(db),
    audit: createAuditRepository(db),
    async ping() {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
  return { store, migrate: () => migrateToLatest(db) };
}

/** Kysely's migrator holds a lock (a row lock on PostgreSQL), so concurrent starts do not race. */
async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: "gatehouse_migrations",
    migrationLockTableName: "gatehouse_migrations_lock",
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}
