import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import type SQLite from "better-sqlite3";
import type { Kysely } from "kysely";
import type { Database } from "./database.js";
import { NO_STORE_METRICS, type StoreMetrics } from "../../core/ports.js";

/**
 * One unit of writes: given the Kysely instance bound to the connection, it may run statements
 * through it (awaiting nothing else) or, synchronously, on the raw connection.
 */
type Unit<T> = (connection: Kysely<Database>) => T | Promise<T>;

type Job = { run: Unit<unknown>; lazyFlush: boolean; resolve: (value: unknown) => void; reject: (error: unknown) => void };

/**
 * Runs a unit of writes inside the next group commit; resolves once it is durable, or, with
 * `lazyFlush`, once it is committed (see `Store.transaction`).
 */
export type GroupCommit = <T>(run: Unit<T>, options?: { lazyFlush?: boolean }) => Promise<T>;

/**
 * Group commit for SQLite. With `synchronous=FULL` every commit waits for the disk, and on the
 * single connection nothing else runs meanwhile; that wait, not the statements, bounds how many
 * writes per second one process can acknowledge. Units queued during one turn of the event loop
 * therefore run in order inside one transaction and share its one disk flush. Each caller is
 * answered only after that commit, so nothing is acknowledged before it is durable. Each unit
 * runs in a savepoint: one that throws is undone and fails alone; if the commit itself fails,
 * every unit is rolled back and every caller gets the error.
 *
 * Units run one after another on the connection Kysely lends us (its mutex keeps every other
 * query out meanwhile), so a unit must await nothing but its own statements, and must not open
 * a transaction of its own. BEGIN IMMEDIATE takes the write lock up front, so that a batch never
 * fails mid-transaction because another process (a second worker, the CLI) is writing. While
 * that process holds the lock, the batch waits without blocking the event loop (see
 * `beginWhenFree`), and the units queued meanwhile join the next batch.
 */
export function createGroupCommit(
  db: Kysely<Database>,
  raw: SQLite.Database,
  { lockWaitMs = WRITE_LOCK_WAIT_MS, metrics = NO_STORE_METRICS }: { lockWaitMs?: number; metrics?: StoreMetrics } = {},
): GroupCommit {
  let queue: Job[] = [];
  let scheduled = false;
  // Units of the batch being committed: SQLite's one connection "in use".
  let committing = 0;
  metrics.watchPool(() => ({ inUse: committing, waiting: queue.length }));
  const flush = async () => {
    scheduled = false;
    const jobs = queue;
    queue = [];
    let outcomes: Outcome[];
    committing = jobs.length;
    try {
      const lazy = jobs.every((job) => job.lazyFlush);
      const batch = (connection: Kysely<Database>) => runBatch(raw, connection, jobs);
      outcomes = await beginWhenFree(db, raw, { lazy, lockWaitMs }, batch);
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    } finally {
      committing = 0;
    }
    metrics.groupCommitted(jobs.length);
    jobs.forEach((job, index) => {
      const outcome = outcomes[index] as Outcome;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  };
  return <T>(run: Unit<T>, options: { lazyFlush?: boolean } = {}) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ run, lazyFlush: options.lazyFlush === true, resolve: resolve as (value: unknown) => void, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => void flush());
      }
    });
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** How long a write waits for another process's write lock before failing (SQLITE_BUSY). */
export const WRITE_LOCK_WAIT_MS = 5_000;
const BUSY = Symbol("busy");

/**
 * Runs `batch` on Kysely's connection once this process holds SQLite's write lock. SQLite's own
 * busy handler would sleep inside the synchronous call, stalling every request of this process
 * for a millisecond or more each time another process (a second worker, the CLI) is writing.
 * Instead the lock is tried without waiting and, while it is taken, the connection is handed back
 * (reads go on) and the attempt repeated a moment later; after `lockWaitMs` the batch fails
 * with SQLITE_BUSY (a 503).
 */
async function beginWhenFree<T>(
  db: Kysely<Database>,
  raw: SQLite.Database,
  options: { lazy: boolean; lockWaitMs: number },
  batch: (connection: Kysely<Database>) => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + options.lockWaitMs;
  for (let attempt = 0; ; attempt++) {
    const result = await db.connection().execute(async (connection) => {
      // SQLite refuses to change the durability inside a transaction: set it before BEGIN.
      if (options.lazy) raw.pragma("synchronous = NORMAL");
      try {
        if (!tryBeginImmediate(raw)) return BUSY;
        return await batch(connection);
      } finally {
        if (options.lazy) raw.pragma("synchronous = FULL");
      }
    });
    if (result !== BUSY) return result as T;
    if (Date.now() >= deadline) throw Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" });
    // The next turn of the event loop, then every 1 to 2 ms: another process holds the lock for
    // about one batch and its disk flush.
    await (attempt === 0 ? nextTurn() : sleep(Math.min(2, attempt)));
  }
}

/** BEGIN IMMEDIATE if the write lock is free this instant; false if another process holds it. */
function tryBeginImmediate(raw: SQLite.Database): boolean {
  raw.pragma("busy_timeout = 0");
  try {
    raw.exec("BEGIN IMMEDIATE");
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === "SQLITE_BUSY") return false;
    throw error;
  } finally {
    raw.pragma(`busy_timeout = ${WRITE_LOCK_WAIT_MS}`);
  }
}

/**
 * The units of one flush in the transaction the caller began; commits, or throws after rolling
 * back. A batch of lazy units commits with `synchronous=NORMAL` (set by the caller): in WAL mode
 * its pages are written to the log but not flushed, and the next FULL commit's flush of the log
 * takes them along.
 */
async function runBatch(raw: SQLite.Database, connection: Kysely<Database>, jobs: Job[]): Promise<Outcome[]> {
  try {
    const outcomes: Outcome[] = [];
    for (const job of jobs) outcomes.push(await runIsolated(raw, connection, job));
    raw.exec("COMMIT");
    return outcomes;
  } catch (error) {
    if (raw.inTransaction) raw.exec("ROLLBACK");
    throw error;
  }
}

/** One unit in a savepoint of its own: a unit that throws is undone alone and fails alone. */
async function runIsolated(raw: SQLite.Database, connection: Kysely<Database>, job: Job): Promise<Outcome> {
  raw.exec("SAVEPOINT unit");
  try {
    const value = await job.run(connection);
    raw.exec("RELEASE unit");
    return { ok: true, value };
  } catch (error) {
    raw.exec("ROLLBACK TO unit");
    raw.exec("RELEASE unit");
    return { ok: false, error };
  }
}
