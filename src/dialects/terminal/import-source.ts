// Reads the bookstore's own SQLite file (be.db) for `gatehouse import --from terminal`: its
// `user` table, translated into Gatehouse's import format (docs/import.md). The bookstore kept
// passwords in plain text; they are handed on as `password`, which the import hashes to Argon2id.
// Its `token` and `terminal` columns (the old server's live tokens) and `balance` (the shop's,
// not the account's) are not read. The one file of this dialect that opens a database, and only
// the original's, read-only.
import Database from "better-sqlite3";
import type { ImportRecord, ImportSource, ImportSourceReader } from "../types.js";

const SOURCE_FORM = "sqlite:/path/to/be.db";
const USERS_QUERY = "SELECT user_id, password FROM user ORDER BY rowid";

type UserRow = { user_id: unknown; password: unknown };

/** `sqlite:/path`, `sqlite:relative/path` or `sqlite:///path` → the file's path. */
function filePath(source: string): string | null {
  if (!source.startsWith("sqlite:")) return null;
  const rest = source.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "");
  return rest === "" ? null : rest;
}

function translate(line: number, row: UserRow): ImportRecord {
  const input = JSON.stringify(row);
  if (typeof row.user_id !== "string" || row.user_id === "") return { line, input, error: "the user has no user_id" };
  if (row.password !== null && typeof row.password !== "string") return { line, input, error: "the password is not text" };
  const value: Record<string, unknown> = { type: "user", username: row.user_id };
  if (row.password !== null) value.password = row.password;
  return { line, input, value };
}

function* records(database: Database.Database): Generator<ImportRecord> {
  let line = 0;
  // iterate() steps the statement one row at a time: the table is never held in memory.
  for (const row of database.prepare(USERS_QUERY).iterate()) {
    line += 1;
    yield translate(line, row as UserRow);
  }
}

async function open(source: string): Promise<ImportSource> {
  const path = filePath(source);
  if (!path) throw new Error(`the terminal --source must be ${SOURCE_FORM}`);
  let database: Database.Database | undefined;
  try {
    database = new Database(path, { readonly: true, fileMustExist: true });
    // Preparing parses the query against the schema: a missing table or column, or a file that
    // is not a database, fails here rather than half way.
    database.prepare(USERS_QUERY);
  } catch (error) {
    database?.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot read the bookstore database ${path}: ${reason}`);
  }
  const opened = database;
  return {
    records: async function* () {
      yield* records(opened);
    },
    close: async () => {
      opened.close();
    },
  };
}

export const importSource: ImportSourceReader = { sourceForm: SOURCE_FORM, open };
