import { useEffect, useRef, useState } from "preact/hooks";
import { api, type Page } from "./api";
import { answered, failed, initialPaged, type PagedState, started } from "./lib/paging";

/**
 * A list read a page at a time: the first page again `delay` ms after `key` last changed (a
 * search as the operator types), the next one on `loadMore`; a late answer to an older request
 * is dropped.
 */
export function usePaged<T>(pathFor: (cursor: string | null) => string, key: string, delay = 0) {
  const [state, setState] = useState<PagedState<T>>(initialPaged<T>());
  const generation = useRef(0);

  const load = (cursor: string | null) => {
    const mine = ++generation.current;
    setState((s) => ({ ...started(s), generation: mine }));
    api<Page<T>>("GET", pathFor(cursor)).then(
      (page) => setState((s) => answered(s, mine, cursor, page)),
      (e: Error) => setState((s) => failed(s, mine, e.message)),
    );
  };

  useEffect(() => {
    const timer = setTimeout(() => load(null), delay);
    return () => clearTimeout(timer);
  }, [key]);

  const replace = (match: (item: T) => boolean, item: T) =>
    setState((s) => ({ ...s, items: s.items.map((i) => (match(i) ? item : i)) }));
  return { ...state, loadMore: () => state.next && load(state.next), reload: () => load(null), replace };
}
