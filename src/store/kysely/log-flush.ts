import { type FileHandle, open } from "node:fs/promises";

export type LogFlusher = {
  /** Makes every commit made so far durable; a failure is an SQLITE_IOERR (a 503). */
  flush(): Promise<void>;
  /** Closes the log file; for when the database itself is closed. */
  close(): Promise<void>;
};

/**
 * Flushes SQLite's write-ahead log to the disk from libuv's thread pool. The group commit
 * commits with `synchronous=NORMAL` (the log is written, not flushed), releases the write lock
 * and answers its callers once a flush that began after its commit has finished: the log is
 * appended sequentially, so that flush carries the commit to the disk. Meanwhile the event loop
 * goes on serving requests, and another process can take the write lock. Calls made while a
 * flush is under way share the next one. Checkpoints still flush the log before copying it into
 * the database (SQLite does so at `NORMAL`). Other requests may read a commit before its flush
 * has ended; a power loss (not a crash of the process, whose writes the system keeps) in that
 * window can take back what they read, never what a caller was told had succeeded.
 *
 * The log file is opened once, at the first flush (after a commit, so it exists), and kept:
 * SQLite deletes it only when the last connection closes, and this process holds one.
 */
export function createLogFlusher(logPath: string): LogFlusher {
  let handle: Promise<FileHandle> | null = null;
  let inFlight: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  const flushOnce = async () => {
    try {
      handle ??= open(logPath, "r");
      const file = await handle.catch((error: unknown) => {
        handle = null;
        throw error;
      });
      await file.datasync();
    } catch (error) {
      throw Object.assign(new Error("could not flush the database log to the disk", { cause: error }), {
        code: "SQLITE_IOERR",
      });
    }
  };
  const start = (): Promise<void> => {
    const flushing = flushOnce().finally(() => {
      if (inFlight === flushing) inFlight = null;
    });
    inFlight = flushing;
    return flushing;
  };
  return {
    flush() {
      if (!inFlight) return start();
      // The flush under way may have begun before this commit: wait for the next one.
      queued ??= inFlight.then(settled, settled).then(() => {
        queued = null;
        return start();
      });
      return queued;
    },
    async close() {
      const opened = handle;
      handle = null;
      await (await opened?.catch(() => null))?.close();
    },
  };
}

const settled = () => undefined;
