import { useEffect, useState } from "preact/hooks";
import { ActionError } from "../action";
import { api, type Role, type User, userListPath } from "../api";
import { Confirm } from "../confirm";
import { useT } from "../i18n";
import { ListEnd, ListHead } from "../list";
import { userPath } from "../lib/route";
import { Link } from "../link";
import { usePaged } from "../use-paged";

/** How long typing must pause before the search is sent. */
const DEBOUNCE_MS = 250;

type Filter = { query: string; status: string; role: string };

export function Users() {
  const { t } = useT();
  const [filter, setFilter] = useState<Filter>({ query: "", status: "", role: "" });
  // The roles to filter by; without them (a failed read) the filter offers only "any role".
  const [roles, setRoles] = useState<string[]>([]);
  useEffect(() => {
    api<{ items: Role[] }>("GET", "/v1/admin/roles").then(
      (page) => setRoles(page.items.map((role) => role.name)),
      () => setRoles([]),
    );
  }, []);
  // Searched as the operator types, one page at a time ("load more" follows next_cursor).
  const list = usePaged<User>((cursor) => userListPath({ ...filter, cursor }), JSON.stringify(filter), DEBOUNCE_MS);
  const replace = (user: User) => list.replace((u) => u.id === user.id, user);

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
        <label>
          {t("users.role")}
          <select value={filter.role} onChange={(e) => setFilter({ ...filter, role: e.currentTarget.value })}>
            <option value="">{t("users.role.any")}</option>
            {roles.map((role) => (
              <option key={role} value={role}>
                {role}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ActionError error={list.error} />
      <table class="list">
        <ListHead
          cols={[
            t("users.col.username"),
            t("users.col.email"),
            t("users.col.status"),
            t("users.col.lastLogin"),
            t("users.col.actions"),
          ]}
        />
        <tbody>
          {list.items.map((user) => (
            <UserRow key={user.id} user={user} onChanged={replace} />
          ))}
        </tbody>
      </table>
      <ListEnd list={list} none={t("users.none")} />
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
      <td data-label={t("users.col.username")}>
        <Link to={userPath(user.id)}>{name}</Link>
      </td>
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
