import type { CoreContext } from "../context.js";
import type { ImportInputKeys } from "../ports.js";

/** The types of one `gatehouse import` run, shared by its steps (engine.ts, decide.ts). */

/** One record of the input; `value` not yet checked, or `error` when it could not be read. */
export type ImportInputRecord = { line: number; input: string } & ({ value: unknown } | { error: string });

export type ConflictMode = "skip" | "update" | "fail";

export type ImportOptions = {
  onConflict: ConflictMode;
  dryRun: boolean;
  /** Rows a transaction writes; small enough that a batch holds SQLite's write lock briefly. */
  batchSize?: number;
};

export type ImportRejection = { line: number; reason: string; input: string };

export type ImportCounts = { rows: number; imported: number; updated: number; skipped: number; rejected: number; roles: number };

export type ImportHooks = {
  inputKeys: ImportInputKeys;
  reject: (rejection: ImportRejection) => void | Promise<void>;
  progress: (counts: Readonly<ImportCounts>) => void;
};

export type ImportOutcome = ImportCounts & {
  /** `--on-conflict fail` met an existing user: nothing after that row was read. */
  stoppedAtConflict: boolean;
};

export const DEFAULT_IMPORT_BATCH = 1000;

/** The state of one run, shared by its steps. */
export type ImportRun = {
  ctx: CoreContext;
  options: ImportOptions;
  hooks: ImportHooks;
  counts: ImportCounts;
  /** Role ids by name, as found in the database (and, in a dry run, -1 for roles the input declared). */
  roles: Map<string, number>;
  stopped: boolean;
};

export async function rejectRow(run: ImportRun, row: { line: number; input: string }, reason: string): Promise<void> {
  run.counts.rejected++;
  await run.hooks.reject({ line: row.line, reason, input: row.input });
}
