import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, type Migration, type MigrationProvider, Migrator, SqliteDialect, sql } from "kysely";
import type { Store } from "../ports.js";
import type { Database } from "./database.js";
import * as initial from "./migrations/0001-initial.js";
import { createAuditRepository, createClientRepository, createKeyRepository, createSecretRepository } from "./server-tables.js";
import { createCodeRepository } from "./codes.js";
import { createRefreshTokenRepository, createSessionRepository } from "./sessions.js";
import { createRbacRepository, createUserRepository } from "./users.js";

/** The migration set, in order. Names are frozen once released. */
const migrations: Record<string, Migration> = {
  "0001-initial": initial,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

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

export type OpenStore = { store: Store; migrate: () => Promise<void> };

export function openStore(databaseUrl: string): OpenStore {
  const db = openSqlite(databaseUrl.slice("sqlite:".length));
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

async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider, migrationTableName: "gatehouse_migrations" });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}
