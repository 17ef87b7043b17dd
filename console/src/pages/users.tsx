import { useEffect, useRef, useState } from "preact/hooks";
import { api, type Page, type User, userListPath } from "../api";
import { Confirm } from "../confirm";
import { useT } from "../i18n";

/** How long typing must pause before the search is sent. */
const DEBOUNCE_MS = 250;

type Filter = { query: string; status: string };

/**
 * GET /v1/admin/users, searched as the operator types, one page at a time ("load more" follows
 * next_cursor); an answer that arrives after a newer search started is dropped.
 */
function useUserList(filter: Filter) {
  const [items, setItems] = useState<User[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);

  const load = (cursor: string | null) => {
    const mine = ++generation.current;
    setLoading(true);
    api<Page<User>>("GET", userListPath({ ...filter, cursor })).then(
      (page) => {
        if (mine !== generation.current) return;
        setItems((shown) => (cursor ? [...shown, ...page.items] : page.items));
        setNext(page.next_cursor);
        setError(null);
        setLoading(false);
      },
      (e: Error) => {
        if (mine !== generation.current) return;
        setError(e.message);
        setLoading(false);
      },
    );
  };

  useEffect(() => {
    const timer = setTimeout(() => load(null), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [filter.query, filter.status]);

  const replace = (user: User) => setItems((shown) => shown.map((u) => (u.id === user.id ? user : u)));
  return { items, next, error, loading, loadMore: () => load(next), replace };
}

export function Users() {
  const { t } = useT();
  const [filter, setFilter] = useState<Filter>({ query: "", status: "" });
  const list = useUserList(filter);

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t("users.title")}</h1>
      <div class="filters">
        <label>
          {t("users.search")}
          <input type="search" value={filter.query} onInput={(e) => setFilter({ ...filter, query: e.currentTarget.value })} />
        </label>
        <label>
          {t("users.status")}
          <select value={filter.status} onChange={(e) => setFilter({ ...filter, status: e.currentTarget.value })}>
            <option value="">{t("users.status.any")}</option>
            <option value="active">{t("users.status.active")}</option>
            <option value="disabled">{t("users.status.disabled")}</option>
          </select>
        </label>
      </div>
      {list.error && (
        <p role="alert" class="error">
          {t("error.api", { message: list.error })}
        </p>
      )}
      <table class="users">
        <thead>
          <tr>
            <th scope="col">{t("users.col.username")}</th>
            <th scope="col">{t("users.col.email")}</th>
            <th scope="col">{t("users.col.status")}</th>
            <th scope="col">{t("users.col.lastLogin")}</th>
            <th scope="col">{t("users.col.actions")}</th>
          </tr>
        </thead>
        <tbody>
          {list.items.map((user) => (
            <UserRow key={user.id} user={user} onChanged={list.replace} />
          ))}
        </tbody>
      </table>
      <p aria-live="polite">{list.loading ? t("loading") : list.items.length === 0 && !list.error ? t("users.none") : ""}</p>
      {list.next && (
        <button type="button" onClick={list.loadMore} disabled={list.loading}>
          {t("users.more")}
        </button>
      )}
    </section>
  );
}

/** One user; its action is confirmed first, and the row shows only what the server answered. */
function UserRow({ user, onChanged }: { user: User; onChanged: (user: User) => void }) {
  const { t } = useT();
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const disabling = user.status === "active";
  const name = user.username;

  const change = async () => {
    setAsking(false);
    try {
      onChanged(
        await api<User>("PATCH", `/v1/admin/users/${encodeURIComponent(user.id)}`, { status: disabling ? "disabled" : "active" }),
      );
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <tr>
      <td data-label={t("users.col.username")}>{name}</td>
      <td data-label={t("users.col.email")}>{user.email ?? "—"}</td>
      <td data-label={t("users.col.status")}>
        <span class={`status ${user.status}`}>{t(disabling ? "users.status.active" : "users.status.disabled")}</span>
      </td>
      <td data-label={t("users.col.lastLogin")}>
        {user.last_login_at ? new Date(user.last_login_at).toLocaleString() : t("users.never")}
      </td>
      <td data-label={t("users.col.actions")}>
        <button type="button" class={disabling ? "danger" : ""} onClick={() => setAsking(true)}>
          {t(disabling ? "users.disable" : "users.enable", { name })}
        </button>
        {error && (
          <p role="alert" class="error">
            {t("error.api", { message: error })}
          </p>
        )}
        {asking && (
          <Confirm
            message={t(disabling ? "users.confirmDisable" : "users.confirmEnable", { name })}
            onConfirm={() => void change()}
            onCancel={() => setAsking(false)}
          />
        )}
      </td>
    </tr>
  );
}
