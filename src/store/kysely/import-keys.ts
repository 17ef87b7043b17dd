import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import type { ImportInputKeys } from "../../core/ports.js";

/**
 * The keys one import's rows claimed, in a throwaway SQLite file of its own (never Gatehouse's
 * database): memory stays bounded however long the input is, and the file is removed when the
 * import ends. Nothing in it needs to survive a crash, so it is written without journal or sync.
 */
export function openImportInputKeys(): ImportInputKeys {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-import-"));
  const db = new SQLite(join(dir, "keys.db"));
  db.pragma("journal_mode = OFF");
  db.pragma("synchronous = OFF");
  db.pragma("locking_mode = EXCLUSIVE");
  db.exec("create table claimed (key text primary key, line integer not null) without rowid");
  const find = db.prepare<[string], { line: number }>("select line from claimed where key = ?");
  const insert = db.prepare<[string, number]>("insert or ignore into claimed (key, line) values (?, ?)");
  const claimRow = (keys: string[], line: number): { key: string; line: number } | null => {
    for (const key of keys) {
      const earlier = find.get(key);
      if (earlier) return { key, line: earlier.line };
    }
    for (const key of keys) insert.run(key, line);
    return null;
  };
  // One transaction a batch: its pages are written once, not once a row.
  const claim = db.transaction((rows: { keys: string[]; line: number }[]) => rows.map((row) => claimRow(row.keys, row.line)));
  return {
    claim: (rows) => claim(rows),
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
