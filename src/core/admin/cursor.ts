import { AuthError } from "../errors.js";

/**
 * Keyset pagination: a page's `next_cursor` is the position of its last item, opaque to the
 * caller (base64url of a kind and a number), so that rows written meanwhile neither shift nor
 * repeat a later page.
 */
export const encodeCursor = (kind: string, position: number): string =>
  Buffer.from(`${kind}:${position}`, "utf8").toString("base64url");

/** The position a cursor of `kind` holds; `null` for none; a foreign or damaged one is `invalid_request`. */
export function decodeCursor(kind: string, cursor: string | null): number | null {
  if (cursor === null) return null;
  const match = /^([a-z]+):(\d{1,15})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match || match[1] !== kind) throw new AuthError("invalid_request", "cursor is not one this list gave");
  return Number(match[2]);
}

export type Page<T> = { items: T[]; nextCursor: string | null };

export const MAX_PAGE_SIZE = 200;

/**
 * Fetches one item more than the page holds, to know whether another page follows without a
 * count; the cursor points at the page's last item.
 */
export async function fetchPage<T>(
  kind: string,
  limit: number,
  fetch: (limit: number) => Promise<T[]>,
  positionOf: (item: T) => number,
): Promise<Page<T>> {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new AuthError("invalid_request", `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  const rows = await fetch(limit + 1);
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(kind, positionOf(last)) : null };
}
