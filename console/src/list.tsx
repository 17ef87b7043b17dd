import { useT } from "./i18n";

/** A list table's header row: one column heading each. */
export function ListHead({ cols }: { cols: readonly string[] }) {
  return (
    <thead>
      <tr>
        {cols.map((col) => (
          <th scope="col" key={col}>
            {col}
          </th>
        ))}
      </tr>
    </thead>
  );
}

type PagedEnd = { loading: boolean; error: string | null; items: unknown[]; next: string | null; loadMore: () => unknown };

/** Below a paged list: "loading", or `none` when nothing matched, and "load more" while there is more. */
export function ListEnd({ list, none }: { list: PagedEnd; none: string }) {
  const { t } = useT();
  return (
    <>
      <p aria-live="polite">{list.loading ? t("loading") : list.items.length === 0 && !list.error ? none : ""}</p>
      {list.next && (
        <button type="button" onClick={() => void list.loadMore()} disabled={list.loading}>
          {t("users.more")}
        </button>
      )}
    </>
  );
}
