import { useEffect, useState } from "preact/hooks";
import { ActionError, useAction } from "../action";
import { api, userApiPath, type UserDetail } from "../api";
import { Confirm } from "../confirm";
import { useT } from "../i18n";
import { attributes, changed } from "../lib/forms";
import { navigate } from "../lib/route";
import { Link } from "../link";
import { PasswordForm, RolesPanel, SessionsPanel } from "./user-parts";

/** One user's page: profile, roles, sessions, status, password, and deletion. */
export function UserPage({ id }: { id: string }) {
  const { t } = useT();
  const [user, setUser] = useState<UserDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<UserDetail>("GET", userApiPath(id)).then(setUser, (e: Error) => setError(e.message));
  }, [id]);

  return (
    <section aria-labelledby="page-title">
      <p>
        <Link to="/console/users">{t("user.back")}</Link>
      </p>
      <h1 id="page-title">{user ? t("user.title", { name: user.username }) : t("loading")}</h1>
      {user && (
        <p>
          <Link to={`/console/audit?user_id=${encodeURIComponent(user.id)}`}>{t("user.auditLink")}</Link>
        </p>
      )}
      <ActionError error={error} />
      {user && (
        <div class="panels">
          <ProfileForm user={user} onSaved={setUser} />
          <RolesPanel user={user} onChanged={setUser} />
          <SessionsPanel userId={user.id} />
          <StatusPanel user={user} onChanged={setUser} />
          <PasswordForm userId={user.id} />
          <DeletePanel user={user} />
        </div>
      )}
    </section>
  );
}

/** Email, its verification, phone, display name and attributes: only the changed members are sent. */
function ProfileForm({ user, onSaved }: { user: UserDetail; onSaved: (user: UserDetail) => void }) {
  const { t } = useT();
  const action = useAction();
  const [email, setEmail] = useState(user.email ?? "");
  const [verified, setVerified] = useState(user.email_verified);
  const [phone, setPhone] = useState(user.phone ?? "");
  const [displayName, setDisplayName] = useState(user.display_name ?? "");
  const [attributeText, setAttributeText] = useState(JSON.stringify(user.attributes ?? {}, null, 2));
  const [saved, setSaved] = useState(false);

  const save = (e: Event) => {
    e.preventDefault();
    setSaved(false);
    const parsed = attributes(attributeText);
    if (!parsed.ok) return action.setError(t(parsed.error));
    const body = changed(user as Record<string, unknown>, {
      email: email.trim() || null,
      email_verified: verified,
      phone: phone.trim() || null,
      display_name: displayName.trim() || null,
      attributes: parsed.value,
    });
    void action.run(async () => {
      onSaved(await api<UserDetail>("PATCH", userApiPath(user.id), body));
      setSaved(true);
    });
  };

  return (
    <form class="panel" onSubmit={save} aria-labelledby="profile-title">
      <h2 id="profile-title">{t("user.profile")}</h2>
      <label class="field">
        {t("user.email")}
        <input type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      </label>
      <label class="check">
        <input type="checkbox" checked={verified} onChange={(e) => setVerified(e.currentTarget.checked)} />
        {t("user.emailVerified")}
      </label>
      <label class="field">
        {t("user.phone")}
        <input type="tel" value={phone} onInput={(e) => setPhone(e.currentTarget.value)} />
      </label>
      <label class="field">
        {t("user.displayName")}
        <input type="text" value={displayName} onInput={(e) => setDisplayName(e.currentTarget.value)} />
      </label>
      <label class="field">
        {t("user.attributes")}
        <textarea rows={4} class="mono" value={attributeText} onInput={(e) => setAttributeText(e.currentTarget.value)} />
      </label>
      <div class="row">
        <button type="submit" disabled={action.busy}>
          {t("user.save")}
        </button>
        <span aria-live="polite">{saved ? t("user.saved") : ""}</span>
      </div>
      <ActionError error={action.error} />
    </form>
  );
}

function StatusPanel({ user, onChanged }: { user: UserDetail; onChanged: (user: UserDetail) => void }) {
  const { t } = useT();
  const action = useAction();
  const [asking, setAsking] = useState(false);
  const disabling = user.status === "active";
  const name = user.username;
  const change = () => {
    setAsking(false);
    void action.run(async () => {
      onChanged(await api<UserDetail>("PATCH", userApiPath(user.id), { status: disabling ? "disabled" : "active" }));
    });
  };
  return (
    <div class="panel" role="group" aria-labelledby="status-title">
      <h2 id="status-title">{t("user.status")}</h2>
      <p>
        <span class={`status ${user.status}`}>{t(disabling ? "users.status.active" : "users.status.disabled")}</span>
      </p>
      <button type="button" class={disabling ? "danger" : ""} onClick={() => setAsking(true)} disabled={action.busy}>
        {t(disabling ? "users.disable" : "users.enable", { name })}
      </button>
      <ActionError error={action.error} />
      {asking && (
        <Confirm
          message={t(disabling ? "users.confirmDisable" : "users.confirmEnable", { name })}
          onConfirm={change}
          onCancel={() => setAsking(false)}
        />
      )}
    </div>
  );
}

/** Deletion, confirmed by typing the username; then back to the list. */
function DeletePanel({ user }: { user: UserDetail }) {
  const { t } = useT();
  const action = useAction();
  const [asking, setAsking] = useState(false);
  const remove = () => {
    setAsking(false);
    void action.run(async () => {
      await api("DELETE", userApiPath(user.id));
      navigate("/console/users");
    });
  };
  return (
    <div class="panel" role="group" aria-labelledby="delete-title">
      <h2 id="delete-title">{t("user.delete")}</h2>
      <button type="button" class="danger" onClick={() => setAsking(true)} disabled={action.busy}>
        {t("user.deleteNamed", { name: user.username })}
      </button>
      <ActionError error={action.error} />
      {asking && (
        <Confirm
          message={t("user.confirmDelete", { name: user.username })}
          typed={{ value: user.username, label: t("user.typeName") }}
          onConfirm={remove}
          onCancel={() => setAsking(false)}
        />
      )}
    </div>
  );
}
