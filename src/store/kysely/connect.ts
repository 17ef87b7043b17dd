import { chmodSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SQLite from "better-sqlite3";
import type { PoolClient } from "pg";
import { Kysely, type Migration, type MigrationProvider, Migrator, PostgresDialect, SqliteDialect, sql } from "kysely";
import { NO_STORE_METRICS, type Repositories, type Store, type StoreMetrics } from "../../core/ports.js";
import type { Database } from "./database.js";
import { WRITE_LOCK_WAIT_MS, createGroupCommit } from "./group-commit.js";
import { statementName } from "./precompiled.js";
import * as initial from "./migrations/0001-initial.js";
import * as loginThrottle from "./migrations/0002-login-throttle.js";
import * as loginReservations from "./migrations/0003-login-reservations.js";
import * as legacyTokens from "./migrations/0004-legacy-tokens.js";
import * as openIdConnect from "./migrations/0005-openid-connect.js";
import * as adminApi from "./migrations/0006-admin-api.js";
import * as webhooks from "./migrations/0007-webhooks.js";
import * as webhookRetention from "./migrations/0008-webhook-retention.js";
import { createStoreRepositories, createTransactionRepositories, type RunInTransaction } from "./repositories.js";
import { rotateInOneStatement, rotateInSteps } from "./sessions.js";

/** The migration set, in order. Names are frozen once released. */
const migrations: Record<string, Migration> = {
  "0001-initial": initial,
  "0002-login-throttle": loginThrottle,
  "0003-login-reservations": loginReservations,
  "0004-legacy-tokens": legacyTokens,
  "0005-openid-connect": openIdConnect,
  "0006-admin-api": adminApi,
  "0007-webhooks": webhooks,
  "0008-webhook-retention": webhookRetention,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export type StoreOptions = { databaseUrl: string; dbPoolSize: number; dbStatementTimeoutMs: number };

function openSqlite(path: string): { db: Kysely<Database>; raw: SQLite.Database } {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const database = new SQLite(path);
  // The file holds the signing keys and the secret-hashing key: owner only. SQLite gives the
  // WAL and shared-memory files the database file's mode; older ones are tightened too.
  if (path !== ":memory:") for (const file of [path, `${path}-wal`, `${path}-shm`]) restrictToOwner(file);
  // WAL for concurrent readers; FULL so that an acknowledged commit survives power loss.
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = FULL");
  database.pragma("foreign_keys = ON");
  database.pragma(`busy_timeout = ${WRITE_LOCK_WAIT_MS}`);
  cacheStatements(database);
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database }) }), raw: database };
}

function restrictToOwner(file: string): void {
  try {
    chmodSync(file, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

/** Enough for every distinct statement Gatehouse runs; the least recently used is dropped beyond. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every statement anew on each execution, and on SQLite preparing costs more
 * than running a small indexed query. A prepared statement is reusable once it has run (the
 * driver never leaves one mid-iteration), so statements are kept by their SQL text.
 */
function cacheStatements(database: SQLite.Database): void {
  const prepare = database.prepare.bind(database);
  const cache = new Map<string, SQLite.Statement>();
  database.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (statement) cache.delete(source);
    else statement = prepare(source);
    cache.set(source, statement);
    if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    return statement;
  }) as SQLite.Database["prepare"];
}

/**
 * A bounded pool whose every wait is bounded too: acquiring a connection and running a
 * statement both time out, so a database that went away yields prompt errors (503s), never
 * hung requests, and the pool reconnects by itself when it is back.
 */
async function openPostgres(options: StoreOptions, metrics: StoreMetrics): Promise<Kysely<Database>> {
  // Loaded only for PostgreSQL, to keep a SQLite installation's footprint small.
  const { default: pg } = await import("pg");
  // bigint columns hold epoch milliseconds and sequence numbers, all far below 2^53.
  pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.dbPoolSize,
    connectionTimeoutMillis: options.dbStatementTimeoutMs,
    statement_timeout: options.dbStatementTimeoutMs,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection dropped by the server must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  pool.on("connect", (client) => runPrecompiledAsPrepared(client));
  metrics.watchPool(() => ({ inUse: pool.totalCount - pool.idleCount, waiting: pool.waitingCount }));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * Makes a connection run the precompiled queries as named prepared statements: PostgreSQL then
 * parses and plans each once per connection, not on every run (Kysely sends all SQL unnamed).
 */
function runPrecompiledAsPrepared(client: PoolClient): void {
  const query = client.query.bind(client) as (config: unknown, values?: unknown) => unknown;
  client.query = ((config: unknown, values?: unknown) => {
    const name = typeof config === "string" ? statementName(config) : undefined;
    return name ? query({ name, text: config, values }) : query(config, values);
  }) as PoolClient["query"];
}

export type OpenStore = { store: Store; migrate: () => Promise<void> };

export const isPostgresUrl = (databaseUrl: string) => /^postgres(ql)?:\/\//.test(databaseUrl);

/** Opens the store; `metrics` receives the pool's usage and, on SQLite, the group commits' sizes. */
export async function openStore(options: StoreOptions, metrics: StoreMetrics = NO_STORE_METRICS): Promise<OpenStore> {
  const { db, raw } = isPostgresUrl(options.databaseUrl)
    ? { db: await openPostgres(options, metrics), raw: null }
    : openSqlite(options.databaseUrl.slice("sqlite:".length));
  const { run, repositories } = raw ? sqliteWrites(db, raw, metrics) : postgresWrites(db);
  const store: Store = {
    ...repositories,
    transaction: (work, options) => run((connection) => work(createTransactionRepositories(connection)), options),
    async ping() {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
  return { store, migrate: () => migrateToLatest(db) };
}

type Writes = { run: RunInTransaction; repositories: Repositories };

/**
 * SQLite's one connection needs grouping: every write, whether a transaction of the core, a
 * self-transacting method or a single statement, is a unit of the one group commit.
 */
function sqliteWrites(db: Kysely<Database>, raw: SQLite.Database, metrics: StoreMetrics): Writes {
  const run: RunInTransaction = createGroupCommit(db, raw, { metrics });
  const rotate: Repositories["refreshTokens"]["rotate"] = (id, successor, at) =>
    // Synchronous statements in an async unit: nothing else runs between them.
    run(async () => rotateInSteps(raw, db, id, successor, at));
  return { run, repositories: createStoreRepositories(db, { run, writesInTransactions: true, rotate }) };
}

/** PostgreSQL commits concurrently on many connections: ordinary transactions, and single statements as they are. */
function postgresWrites(db: Kysely<Database>): Writes {
  const run: RunInTransaction = (work, options) =>
    db.transaction().execute(async (trx) => {
      if (options?.lazyFlush) await sql`set local synchronous_commit = off`.execute(trx);
      return work(trx);
    });
  const rotate: Repositories["refreshTokens"]["rotate"] = (id, successor, at) => rotateInOneStatement(db, id, successor, at);
  return { run, repositories: createStoreRepositories(db, { run, writesInTransactions: false, rotate }) };
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
