import { type FileHandle, open } from "node:fs/promises";
import type { Core } from "../../core/index.js";
import type { ConflictMode, ImportOutcome, ImportRejection } from "../../core/import/run.js";
import { DIALECTS } from "../../dialects/index.js";
import type { ImportRecord } from "../../dialects/types.js";
import { openImportInputKeys } from "../../store/kysely/import-keys.js";
import { type Args, describeError, SourceError, UsageError } from "../options.js";
import { openJsonLines } from "./jsonl.js";
import { startProgress } from "./progress.js";

/** What `import` opens before the database: its input and its rejects file. */
export type OpenedImport = {
  records: () => AsyncIterable<ImportRecord>;
  position: () => { done: number; total: number } | null;
  rejects: FileHandle | null;
  close: () => Promise<void>;
};

const CONFLICT_MODES: readonly ConflictMode[] = ["skip", "update", "fail"];

const one = (args: Args, name: string): string | undefined => args.options.get(name)?.[0];

function conflictMode(args: Args): ConflictMode {
  const mode = one(args, "on-conflict") ?? "skip";
  if (!CONFLICT_MODES.includes(mode as ConflictMode))
    throw new UsageError(`--on-conflict takes skip, update or fail, not "${mode}"`);
  return mode as ConflictMode;
}

/** `--from NAME --source SOURCE`: the original store of a dialect that can be imported from. */
async function openDialectSource(args: Args, name: string): Promise<Omit<OpenedImport, "rejects">> {
  const readable = DIALECTS.filter((dialect) => dialect.importSource);
  const dialect = readable.find((candidate) => candidate.name === name);
  const names = readable.map((candidate) => candidate.name).join(", ") || "none yet";
  if (!dialect?.importSource)
    throw new UsageError(`--from takes the name of a dialect that can be imported from (${names}), not "${name}"`);
  if (args.words.length > 0) throw new UsageError("give FILE or --from, not both");
  const source = one(args, "source");
  if (source === undefined) throw new UsageError(`--from ${name} needs --source ${dialect.importSource.sourceForm}`);
  try {
    // The source may carry a password (a database URL): it is never repeated in a message.
    const opened = await dialect.importSource.open(source);
    return { records: () => opened.records(), position: () => null, close: () => opened.close() };
  } catch (error) {
    throw new SourceError(`cannot open the --from ${name} source: ${describeError(error)}`);
  }
}

async function openInput(args: Args): Promise<Omit<OpenedImport, "rejects">> {
  const from = one(args, "from");
  if (from !== undefined) return openDialectSource(args, from);
  if (args.options.has("source")) throw new UsageError("--source needs --from");
  const path = args.words[0] ?? (process.stdin.isTTY ? undefined : "-");
  if (path === undefined) throw new UsageError("give FILE, - for standard input, or --from NAME --source SOURCE");
  const input = await openJsonLines(path);
  const position = () => (input.totalBytes === null ? null : { done: input.bytesRead(), total: input.totalBytes });
  return { records: () => input.records(), position, close: () => input.close() };
}

/** Opens the rejects file without emptying it (emptied once the database is open): unwritable fails now. */
async function openRejects(path: string | undefined): Promise<FileHandle | null> {
  if (path === undefined) return null;
  try {
    // Owner only: a rejected line is kept as given, a password or hash in it included.
    const handle = await open(path, "a", 0o600);
    await handle.chmod(0o600);
    return handle;
  } catch (error) {
    throw new SourceError(
      `cannot write the rejects file ${path}: ${(error as NodeJS.ErrnoException).code ?? describeError(error)}`,
    );
  }
}

export async function prepareImport(args: Args): Promise<OpenedImport> {
  conflictMode(args);
  const input = await openInput(args);
  let rejects: FileHandle | null;
  try {
    rejects = await openRejects(one(args, "rejects"));
  } catch (error) {
    await input.close();
    throw error;
  }
  const close = async () => {
    await input.close();
    await rejects?.close();
  };
  return { ...input, rejects, close };
}

function summary(outcome: ImportOutcome, elapsedMs: number, dryRun: boolean): string {
  const { imported, updated, skipped, rejected, roles } = outcome;
  const verb = dryRun ? "dry run, nothing written: would import" : "imported";
  const stopped = outcome.stoppedAtConflict ? "; stopped at the first conflict (--on-conflict fail)" : "";
  return `${verb} ${imported}, updated ${updated}, skipped ${skipped}, rejected ${rejected}, roles ${roles} in ${(elapsedMs / 1000).toFixed(1)} s${stopped}`;
}

/** Runs the import on the opened input; exit status 0 when nothing was rejected, else 1. */
export async function runImport(core: Core, args: Args, out: (line: string) => void, opened: OpenedImport): Promise<number> {
  const started = Date.now();
  const { rejects } = opened;
  // Opened for appending: emptied now, then each rejection is added at its end.
  await rejects?.truncate(0);
  const writeRejection = async (rejection: ImportRejection) => {
    await rejects?.write(`${JSON.stringify(rejection)}\n`);
  };
  const inputKeys = openImportInputKeys();
  const progress = startProgress(process.stderr, opened.position, started);
  const dryRun = args.flags.has("dry-run");
  let outcome: ImportOutcome;
  try {
    outcome = await core.importUsers(
      opened.records(),
      { onConflict: conflictMode(args), dryRun },
      { inputKeys, reject: writeRejection, progress: (counts) => progress.watch(counts) },
    );
  } catch (error) {
    throw new SourceError(`the import stopped: ${describeError(error)}; the rows written so far stay, a re-run continues`);
  } finally {
    progress.stop();
    inputKeys.close();
  }
  out(summary(outcome, Date.now() - started, dryRun));
  return outcome.rejected > 0 || outcome.stoppedAtConflict ? 1 : 0;
}
