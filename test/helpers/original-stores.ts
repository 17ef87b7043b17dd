import { writeFileSync } from "node:fs";
import Database from "better-sqlite3";
import type { ImportRecord, ImportSourceReader } from "../../src/dialects/types.js";
import { mysqlUnavailable } from "./mariadb.js";

/**
 * The originals' own stores, as each original creates them, for the tests of
 * `gatehouse import --from`: the readers' tests and the end-to-end ones build their sources here.
 */

// The Flask app's tables as its SQLAlchemy models create them (its login payload shows their
// columns). role_permissions has no primary key, as in the app, so a
// permission can be granted to a role twice.
export const FLASK_SCHEMA = `
  CREATE TABLE users (user_id VARCHAR(36) NOT NULL PRIMARY KEY, username VARCHAR(80) NOT NULL,
    password VARCHAR(256) NOT NULL, email VARCHAR(120) NULL, phone VARCHAR(20) NULL, faceInfo TEXT NULL,
    status TINYINT(1) NOT NULL DEFAULT 1, last_login DATETIME NULL, created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL);
  CREATE TABLE roles (role_id INT AUTO_INCREMENT PRIMARY KEY, role_name VARCHAR(50) NOT NULL, description VARCHAR(255));
  CREATE TABLE permissions (permission_id INT AUTO_INCREMENT PRIMARY KEY, permission_name VARCHAR(100) NOT NULL,
    description VARCHAR(255));
  CREATE TABLE user_roles (user_id VARCHAR(36) NOT NULL, role_id INT NOT NULL, PRIMARY KEY (user_id, role_id));
  CREATE TABLE role_permissions (role_id INT NOT NULL, permission_id INT NOT NULL, KEY (role_id))`;

// The Lumen app's users table as its migration creates it (uid, email, password, as its API
// documents them; Laravel's timestamps). Email is nullable here to cover rows written without one.
export const LUMEN_SCHEMA = `
  CREATE TABLE users (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, uid VARCHAR(255) NOT NULL, email VARCHAR(255) NULL,
    password VARCHAR(255) NOT NULL, remember_token VARCHAR(100) NULL, created_at TIMESTAMP NULL, updated_at TIMESTAMP NULL)`;

// The bookstore's user table, as its be/model/store.py creates it.
export const BOOKSTORE_SCHEMA = `CREATE TABLE user (user_id TEXT PRIMARY KEY, password TEXT NOT NULL, balance INTEGER NOT NULL,
  token TEXT, terminal TEXT); CREATE TABLE user_store (user_id TEXT, store_id TEXT, PRIMARY KEY (user_id, store_id))`;

/** A row of the bookstore's user table: user_id, password (plain text), balance, token, terminal. */
export type BookstoreRow = [string | null, string, number, string | null, string | null];

/** Writes a bookstore be.db at `path` holding `rows`; returns the path. */
export function writeBookstore(path: string, rows: BookstoreRow[]): string {
  const db = new Database(path);
  try {
    db.exec(BOOKSTORE_SCHEMA);
    const insert = db.prepare("INSERT INTO user VALUES (?, ?, ?, ?, ?)");
    db.transaction(() => rows.forEach((row) => insert.run(...row)))();
  } finally {
    db.close();
  }
  return path;
}

/** Writes `lines` as a mongoexport file would hold them (one document a line); returns the path. */
export function writeMongoexport(path: string, lines: string[]): string {
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}

/**
 * For a suite that needs the test MariaDB: false when it answers. When it does not, fails under
 * GATEHOUSE_TEST_REQUIRE_SERVICES=1, else warns loudly and returns the reason to skip with.
 */
export async function skipWithoutMariadb(suite: string): Promise<string | false> {
  const unavailable = await mysqlUnavailable();
  if (!unavailable) return false;
  const message = `MARIADB NOT REACHABLE for ${suite}: ${unavailable}`;
  if (process.env.GATEHOUSE_TEST_REQUIRE_SERVICES === "1") throw new Error(message);
  console.warn(`\n!!! ${message} — SKIPPED\n`);
  return "MariaDB not reachable";
}

/** Every record an import source reads from `source`, the source closed afterwards. */
export async function readAll(reader: ImportSourceReader, source: string): Promise<ImportRecord[]> {
  const opened = await reader.open(source);
  try {
    const records: ImportRecord[] = [];
    for await (const record of opened.records()) records.push(record);
    return records;
  } finally {
    await opened.close();
  }
}

/** A record's translated value, or its error. */
export const outcome = (record: ImportRecord) => ("value" in record ? record.value : { error: record.error });
