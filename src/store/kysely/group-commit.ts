import type SQLite from "better-sqlite3";
import type { Kysely } from "kysely";
import type { RefreshTokenRecord } from "../ports.js";
import type { Database } from "./database.js";

type Job = { run: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void };

/** Runs a synchronous unit of writes inside the next group commit; resolves once it is durable. */
export type GroupCommit = <T>(run: () => T) => Promise<T>;

/**
 * Group commit for SQLite. With `synchronous=FULL` every commit waits for the disk, and on the
 * single connection nothing else runs meanwhile; that wait, not the statements, bounds how many
 * writes per second one process can acknowledge. Units queued during one turn of the event loop
 * therefore run in order inside one transaction and share its one disk flush. Each caller is
 * answered only after that commit, so nothing is acknowledged before it is durable. Each unit
 * runs in a savepoint: one that throws is undone and fails alone; if the commit itself fails,
 * every unit is rolled back and every caller gets the error.
 *
 * A unit must be synchronous and see only its own statements' results: units in one batch do
 * not interleave, and each runs on the connection Kysely lends us (its mutex keeps Kysely's own
 * transactions out meanwhile). BEGIN IMMEDIATE takes the write lock up front, so a second
 * process on the same file waits (busy_timeout) instead of failing mid-transaction.
 */
export function createGroupCommit(db: Kysely<Database>, raw: SQLite.Database): GroupCommit {
  let queue: Job[] = [];
  let scheduled = false;
  const flush = async () => {
    scheduled = false;
    const jobs = queue;
    queue = [];
    let outcomes: Outcome[];
    try {
      outcomes = await db
        .connection()
        .execute(async () => raw.transaction(() => jobs.map((job) => runIsolated(raw, job))).immediate());
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    jobs.forEach((job, index) => {
      const outcome = outcomes[index] as Outcome;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  };
  return <T>(run: () => T) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => void flush());
      }
    });
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** One unit in a savepoint of its own: a unit that throws is undone alone and fails alone. */
function runIsolated(raw: SQLite.Database, job: Job): Outcome {
  try {
    return { ok: true, value: raw.transaction(job.run)() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** `RefreshTokenRepository.rotate` as one unit of a group commit: same conditions, same result. */
export function groupCommittedRotation(raw: SQLite.Database, groupCommit: GroupCommit) {
  return (id: string, successor: RefreshTokenRecord, at: number): Promise<boolean> =>
    groupCommit(() => {
      // The conditional update is still the single point of truth for "exactly one rotation wins".
      const used = raw.prepare("update refresh_tokens set used_at = ? where id = ? and used_at is null").run(at, id);
      if (used.changes !== 1) return false;
      raw
        .prepare(
          "insert into refresh_tokens (id, session_id, secret_hash, created_at, expires_at, used_at) values (?, ?, ?, ?, ?, ?)",
        )
        .run(successor.id, successor.sessionId, successor.secretHash, successor.createdAt, successor.expiresAt, successor.usedAt);
      raw.prepare("update sessions set last_used_at = ? where id = ?").run(at, successor.sessionId);
      return true;
    });
}
