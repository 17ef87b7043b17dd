import type { AuditRecord, Core } from "../core/index.js";
import { wireAudit } from "../http/admin/wire.js";
import type { Command } from "./commands.js";
import { type Args, one, UsageError } from "./options.js";
import { checkedBeforeOpening, JSON_OPTION, limitOf, PAGE_SIZE, jsonDocument, shortTime, timeOf } from "./read-options.js";
import { cell, columnWidths, formatRow } from "./table.js";

type Out = (line: string) => void;

const DEFAULT_LIMIT = 20;
/** How often `--follow` asks for newer records. */
const POLL_MS = 1000;

/**
 * How far back (before the newest record seen) `--follow` keeps looking. On PostgreSQL a record's
 * number is taken when it is written but the record shows only when its transaction commits, so
 * a lower number can appear after a higher one; this allows for such a commit lag (transactions
 * end within the statement timeout) and for clocks of different machines differing a little.
 */
const SETTLE_MS = 10_000;

/**
 * Pages of the audit log (from `since`, when given), newest first, read back until `stop` says
 * the record is one too far.
 */
async function readBack(
  core: Core,
  userId: string | null,
  since: number | null,
  stop: (record: AuditRecord, found: number) => boolean,
) {
  const found: AuditRecord[] = [];
  let cursor: string | null = null;
  for (;;) {
    const search = { userId, event: null, outcome: null, since, until: null, limit: PAGE_SIZE, cursor };
    const page = await core.searchAudit(search);
    for (const record of page.items) {
      if (stop(record, found.length)) return found.reverse();
      found.push(record);
    }
    if (page.nextCursor === null) return found.reverse();
    cursor = page.nextCursor;
  }
}

/** The newest `limit` records, oldest first (like `tail`). */
const newest = (core: Core, userId: string | null, limit: number) =>
  readBack(core, userId, null, (_record, found) => found >= limit);

/**
 * What `--follow` has not shown yet: each poll reads the records of the last `SETTLE_MS` before
 * the newest one seen and hands out those it has not seen, in their order of numbering. The ids
 * seen are kept only for that window, so that memory stays bounded.
 */
function createFollower(core: Core, userId: string | null) {
  const seen = new Map<number, number>();
  let newestAt = Date.now();
  const window = () => readBack(core, userId, newestAt - SETTLE_MS, () => false);
  const remember = (records: AuditRecord[]) => {
    for (const record of records) {
      seen.set(record.id, record.at);
      newestAt = Math.max(newestAt, record.at);
    }
    for (const [id, at] of seen) if (at < newestAt - SETTLE_MS) seen.delete(id);
  };
  return {
    /** Marks what is already there as seen: `--follow` prints only what comes after its start. */
    start: async () => remember(await window()),
    seen: remember,
    next: async (): Promise<AuditRecord[]> => {
      const unseen = (await window()).filter((record) => !seen.has(record.id)).sort((a, b) => a.id - b.id);
      remember(unseen);
      return unseen;
    },
  };
}

const HEADER = ["ID", "TIME", "EVENT", "OUTCOME", "USER", "CLIENT", "IP", "ACTOR", "DETAIL"];

/** Prints records as they come: JSON (one array, or one line each while following) or table rows. */
function createPrinter(core: Core, args: Args, out: Out) {
  const following = args.flags.has("follow");
  // A user's name is looked up once; a deleted user's record keeps only the id.
  const names = new Map<string, string>();
  const nameOf = async (id: string): Promise<string> => {
    if (!names.has(id)) names.set(id, (await core.findUserById(id))?.username ?? id);
    return names.get(id) ?? id;
  };
  const row = async (record: AuditRecord): Promise<string[]> =>
    [
      String(record.id),
      shortTime(record.at),
      record.event,
      record.outcome,
      record.userId === null ? null : await nameOf(record.userId),
      record.clientId,
      record.ip,
      record.actor,
      record.detail,
    ].map(cell);
  let widths: number[] = [];
  return async (records: AuditRecord[], first: boolean): Promise<void> => {
    if (args.flags.has("json")) {
      const lines = following ? records.map((record) => JSON.stringify(wireAudit(record))) : jsonDocument(records.map(wireAudit));
      for (const line of lines) out(line);
      return;
    }
    if (first && records.length === 0 && !following) {
      out("no audit records");
      return;
    }
    const rows: string[][] = [];
    for (const record of records) rows.push(await row(record));
    // Later rows keep the first screen's columns (at least the header's widths), as `tail -f` would.
    if (first) widths = columnWidths([HEADER, ...rows]);
    for (const line of (first ? [HEADER, ...rows] : rows).map((cells) => formatRow(cells, widths))) out(line);
  };
}

/**
 * Resolves once SIGINT or SIGTERM arrives (or the reader of standard output has gone away),
 * and sleeps until then; `--follow` stops cleanly with exit status 0.
 */
function untilStopped() {
  let stopped = false;
  let wake = () => {};
  const stop = () => {
    stopped = true;
    wake();
  };
  const onOutputError = (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") stop();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  process.stdout.on("error", onOutputError);
  return {
    stopped: () => stopped,
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
    dispose: () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      process.stdout.off("error", onOutputError);
    },
  };
}

const tailAudit: Command = {
  options: { user: { value: "U" }, limit: { value: "N" }, follow: {}, ...JSON_OPTION },
  prepare: checkedBeforeOpening((args) => void limitOf(args, DEFAULT_LIMIT)),
  async run(core, args, out) {
    // Listening before the first read: an interrupt from then on ends the command cleanly.
    const signals = args.flags.has("follow") ? untilStopped() : null;
    try {
      const username = one(args, "user");
      const userId = username === undefined ? null : (await core.findUserByName(username)).id;
      const print = createPrinter(core, args, out);
      const follower = signals ? createFollower(core, userId) : null;
      await follower?.start();
      const first = await newest(core, userId, limitOf(args, DEFAULT_LIMIT));
      follower?.seen(first);
      await print(first, true);
      while (follower && signals && !signals.stopped()) {
        await signals.sleep(POLL_MS);
        if (signals.stopped()) break;
        await print(await follower.next(), false);
      }
    } finally {
      signals?.dispose();
    }
  },
};

/** Resolves when standard output has drained, or its reader has gone away (then nothing drains). */
const drainedOrGone = () =>
  new Promise<void>((resolve) => {
    const done = () => {
      for (const event of ["drain", "error", "close"]) process.stdout.off(event, done);
      resolve();
    };
    for (const event of ["drain", "error", "close"]) process.stdout.once(event, done);
  });

/** The `--since`/`--until` pair, checked before the database is opened. */
function exportWindow(args: Args): { since: number | null; until: number | null } {
  const since = timeOf(args, "since");
  const until = timeOf(args, "until");
  if (since !== null && until !== null && until <= since) throw new UsageError("--until must be later than --since");
  return { since, until };
}

/**
 * `audit export`: every record in the window as JSON Lines, oldest first, in the admin API's
 * shape, for an archive kept beyond `AUDIT_RETENTION_DAYS`. It reads page by page and waits for
 * standard output to drain between pages, so that memory stays flat however long the log is.
 */
const exportAudit: Command = {
  options: { since: { value: "TIME" }, until: { value: "TIME" }, user: { value: "U" }, event: { value: "E" } },
  prepare: checkedBeforeOpening((args) => void exportWindow(args)),
  async run(core, args, out) {
    const username = one(args, "user");
    const userId = username === undefined ? null : (await core.findUserByName(username)).id;
    const filter = { ...exportWindow(args), userId, event: one(args, "event") ?? null, outcome: null };
    let readerGone = false;
    const onOutputError = (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") readerGone = true;
    };
    process.stdout.on("error", onOutputError);
    try {
      for (let afterId = 0; !readerGone;) {
        const page = await core.auditAfter(filter, afterId, PAGE_SIZE);
        for (const record of page) out(JSON.stringify(wireAudit(record)));
        if (page.length < PAGE_SIZE) break;
        afterId = page.at(-1)?.id ?? afterId;
        if (process.stdout.writableNeedDrain) await drainedOrGone();
      }
    } finally {
      process.stdout.off("error", onOutputError);
    }
  },
};

/** The audit log: `audit tail`, `audit export`. */
export const AUDIT_COMMANDS: Record<string, Command> = {
  "audit tail": tailAudit,
  "audit export": exportAudit,
};
