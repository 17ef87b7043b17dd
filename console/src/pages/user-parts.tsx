import { useEffect, useState } from "preact/hooks";
import { ActionError, useAction } from "../action";
import { api, type Role, type Session, shownTime, userApiPath, type UserDetail } from "../api";
import { Confirm } from "../confirm";
import { useT } from "../i18n";
import { ListHead, PickOne } from "../list";

/** The user's roles: each can be taken away, any other role given. The list is re-read after each change. */
export function RolesPanel({ user, onChanged }: { user: UserDetail; onChanged: (user: UserDetail) => void }) {
  const { t } = useT();
  const action = useAction();
  const [roles, setRoles] = useState<Role[]>([]);
  useEffect(() => {
    api<{ items: Role[] }>("GET", "/v1/admin/roles").then(
      (answer) => setRoles(answer.items),
      (e: Error) => action.setError(e.message),
    );
  }, []);
  const others = roles.map((role) => role.name).filter((name) => !user.roles.includes(name));
  const change = (method: "PUT" | "DELETE", role: string) =>
    void action.run(async () => {
      await api(method, userApiPath(user.id, `/roles/${encodeURIComponent(role)}`));
      onChanged(await api<UserDetail>("GET", userApiPath(user.id)));
    });

  return (
    <div class="panel" role="group" aria-labelledby="roles-title">
      <h2 id="roles-title">{t("user.roles")}</h2>
      <ul class="chips">
        {user.roles.map((role) => (
          <li key={role}>
            {role}
            <button type="button" onClick={() => change("DELETE", role)} disabled={action.busy}>
              {t("user.removeRole", { role })}
            </button>
          </li>
        ))}
      </ul>
      <PickOne
        label={t("user.addRoleLabel")}
        placeholder={t("user.chooseRole")}
        options={others}
        action={t("user.addRole")}
        busy={action.busy}
        onPick={(role) => change("PUT", role)}
      />
      <ActionError error={action.error} />
    </div>
  );
}

/** Where a session signs in from, as the operator recognises it. */
const deviceOf = (session: Session) => session.user_agent ?? session.terminal ?? session.client_id ?? "—";

/** The user's live sessions, newest first: one revoked, or all (confirmed). */
export function SessionsPanel({ userId }: { userId: string }) {
  const { t } = useT();
  const action = useAction();
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [asking, setAsking] = useState(false);
  const read = () =>
    api<{ items: Session[] }>("GET", userApiPath(userId, "/sessions")).then((answer) => setSessions(answer.items));
  useEffect(() => void action.run(read), [userId]);
  const revokeOne = (id: string) =>
    void action.run(async () => {
      await api("DELETE", `/v1/admin/sessions/${encodeURIComponent(id)}`);
      await read();
    });
  const revokeAll = () => {
    setAsking(false);
    void action.run(async () => {
      await api("DELETE", userApiPath(userId, "/sessions"));
      await read();
    });
  };

  return (
    <div class="panel wide" role="group" aria-labelledby="sessions-title">
      <h2 id="sessions-title">{t("user.sessions")}</h2>
      {sessions?.length === 0 && <p>{t("user.noSessions")}</p>}
      {sessions && sessions.length > 0 && (
        <table class="list">
          <ListHead
            cols={[t("user.col.device"), t("user.col.ip"), t("user.col.client"), t("user.col.lastUsed"), t("users.col.actions")]}
          />
          <tbody>
            {sessions.map((session) => (
              <tr key={session.id}>
                <td data-label={t("user.col.device")}>{deviceOf(session)}</td>
                <td data-label={t("user.col.ip")}>{session.ip ?? "—"}</td>
                <td data-label={t("user.col.client")}>{session.client_id ?? "—"}</td>
                <td data-label={t("user.col.lastUsed")}>{shownTime(session.last_used_at ?? session.created_at)}</td>
                <td data-label={t("users.col.actions")}>
                  <button type="button" onClick={() => revokeOne(session.id)} disabled={action.busy}>
                    {t("user.revoke", { device: deviceOf(session) })}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {sessions && sessions.length > 0 && (
        <button type="button" class="danger" onClick={() => setAsking(true)} disabled={action.busy}>
          {t("user.revokeAll")}
        </button>
      )}
      <ActionError error={action.error} />
      {asking && <Confirm message={t("user.confirmRevokeAll")} onConfirm={revokeAll} onCancel={() => setAsking(false)} />}
    </div>
  );
}

/** A new password under the server's policy; every session of the user ends with it. */
export function PasswordForm({ userId }: { userId: string }) {
  const { t } = useT();
  const action = useAction();
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  const submit = (e: Event) => {
    e.preventDefault();
    setDone(false);
    void action.run(async () => {
      await api("POST", userApiPath(userId, "/password"), { password });
      setPassword("");
      setDone(true);
    });
  };
  return (
    <form class="panel" onSubmit={submit} aria-labelledby="password-title">
      <h2 id="password-title">{t("user.password")}</h2>
      <label class="field">
        {t("user.newPassword")}
        <input type="password" autoComplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      </label>
      <p class="hint">{t("user.passwordHint")}</p>
      <div class="row">
        <button type="submit" disabled={!password || action.busy}>
          {t("user.setPassword")}
        </button>
        <span aria-live="polite">{done ? t("user.passwordSet") : ""}</span>
      </div>
      <ActionError error={action.error} />
    </form>
  );
}
