/** A list read a page at a time by keyset cursor (docs/admin-api.md "Pages"). */
export type PagedState<T> = {
  items: T[];
  /** The cursor of the next page; null when the last page has been read. */
  next: string | null;
  loading: boolean;
  error: string | null;
  /** Counts the requests started: an answer to an older one is dropped. */
  generation: number;
};

export const initialPaged = <T>(): PagedState<T> => ({ items: [], next: null, loading: true, error: null, generation: 0 });

/** A request starts: a first page (no cursor) empties the list only when its answer arrives. */
export const started = <T>(state: PagedState<T>): PagedState<T> => ({
  ...state,
  loading: true,
  generation: state.generation + 1,
});

/** The answer of request `generation` for `cursor`: appended after a cursor, replacing otherwise. */
export function answered<T>(
  state: PagedState<T>,
  generation: number,
  cursor: string | null,
  page: { items: T[]; next_cursor: string | null },
): PagedState<T> {
  if (generation !== state.generation) return state;
  const items = cursor ? [...state.items, ...page.items] : page.items;
  return { ...state, items, next: page.next_cursor, loading: false, error: null };
}

export function failed<T>(state: PagedState<T>, generation: number, error: string): PagedState<T> {
  if (generation !== state.generation) return state;
  return { ...state, loading: false, error };
}

/** Whether scrolling to the end should ask for another page. */
export const wantsMore = (state: PagedState<unknown>) => state.next !== null && !state.loading && state.error === null;

/** A list path: the non-empty filter members, then limit and cursor, as query parameters. */
export function listPath(base: string, filter: Record<string, string>, cursor: string | null, limit: number): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filter)) if (value.trim()) params.set(name, value.trim());
  params.set("limit", String(limit));
  if (cursor) params.set("cursor", cursor);
  return `${base}?${params}`;
}
