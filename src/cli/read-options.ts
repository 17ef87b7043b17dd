import { parseSince } from "../http/admin/webhooks-wire.js";
import type { Command } from "./commands.js";
import { type Args, one, type OptionSpec, UsageError } from "./options.js";

/** `--json`: one JSON document (an array for a list) in the admin API's shapes instead of a table. */
export const JSON_OPTION: Record<string, OptionSpec> = { json: {} };

/** The most rows the core hands out in one page (`limit` 1–200); longer lists follow its cursors. */
export const PAGE_SIZE = 200;

/** A time as the tables show it: ISO 8601 in UTC, to the second. */
export const shortTime = (ms: number | null): string | null =>
  ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** A value as one JSON document, indented for reading. */
export const jsonDocument = (value: unknown): string[] => [JSON.stringify(value, null, 2)];

/** `--json`'s document, or the table's lines (`empty` alone when there are no rows). */
export const listing = <T>(
  args: Args,
  items: T[],
  json: (items: T[]) => unknown,
  lines: (items: T[]) => string[],
  empty: string,
) => (args.flags.has("json") ? jsonDocument(json(items)) : items.length === 0 ? [empty] : lines(items));

/** `--limit N`: a whole number from 1; `fallback` when not given. */
export function limitOf(args: Args, fallback: number): number {
  const text = one(args, "limit");
  if (text === undefined) return fallback;
  const limit = /^[0-9]{1,9}$/.test(text) ? Number(text) : 0;
  if (limit < 1) throw new UsageError(`--limit must be a whole number from 1, not "${text}"`);
  return limit;
}

/**
 * `--NAME TIME`: an ISO 8601 date or time (`2026-01-31`, `2026-01-31T12:00:00Z`; a date is its
 * midnight UTC), or a span back from now (`90m`, `24h`, `30d`), as the admin API reads them;
 * null when not given.
 */
export function timeOf(args: Args, name: string, now = Date.now()): number | null {
  const text = one(args, name);
  if (text === undefined) return null;
  const at = parseSince(text, now);
  if (at === null) {
    throw new UsageError(
      `--${name} must be an ISO 8601 date or time (2026-01-31, 2026-01-31T12:00:00Z) or a span like 30d, not "${text}"`,
    );
  }
  return at;
}

/** `--NAME` must be one of `allowed` when given. */
export function choiceOf<T extends string>(args: Args, name: string, allowed: readonly T[]): T | null {
  const text = one(args, name);
  if (text === undefined) return null;
  const known = allowed.find((candidate) => candidate === text);
  if (!known) throw new UsageError(`--${name} must be ${allowed.join(" or ")}, not "${text}"`);
  return known;
}

/** A `prepare` that checks the command line's values before the database is opened. */
export const checkedBeforeOpening =
  (check: (args: Args) => void): Command["prepare"] =>
  async (args) => {
    check(args);
    return { close: async () => {} };
  };
