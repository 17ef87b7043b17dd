import { useState } from "preact/hooks";
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

type PickProps = {
  label: string;
  placeholder: string;
  options: string[];
  action: string;
  busy: boolean;
  onPick: (name: string) => void;
};

/** A select of names to add (a role to a user, a permission to a role) and its button. */
export function PickOne({ label, placeholder, options, action, busy, onPick }: PickProps) {
  const [chosen, setChosen] = useState("");
  return (
    <div class="row">
      <label class="field">
        {label}
        <select value={chosen} onChange={(e) => setChosen(e.currentTarget.value)}>
          <option value="">{placeholder}</option>
          {options.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        disabled={!chosen || busy}
        onClick={() => {
          onPick(chosen);
          setChosen("");
        }}
      >
        {action}
      </button>
    </div>
  );
}
