import { useEffect, useState } from "preact/hooks";
import { ActionError, useAction } from "../action";
import { api, type Role } from "../api";
import { useT } from "../i18n";
import { PickOne } from "../list";

type Permission = { name: string; description: string | null };

const rolePath = (role: string, rest = "") => `/v1/admin/roles/${encodeURIComponent(role)}${rest}`;

/** Roles with their permissions: roles and permissions created, permissions granted and revoked. */
export function Roles() {
  const { t } = useT();
  const action = useAction();
  const [roles, setRoles] = useState<Role[] | null>(null);
  const [permissions, setPermissions] = useState<Permission[]>([]);
  const read = async () => {
    const [roleList, permissionList] = await Promise.all([
      api<{ items: Role[] }>("GET", "/v1/admin/roles"),
      api<{ items: Permission[] }>("GET", "/v1/admin/permissions"),
    ]);
    setRoles(roleList.items);
    setPermissions(permissionList.items);
  };
  useEffect(() => void action.run(read), []);

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t("roles.title")}</h1>
      <ActionError error={action.error} />
      <div class="panels">
        <NameForm kind="role" onCreated={read} />
        <NameForm kind="permission" onCreated={read} />
      </div>
      {!roles && !action.error && <p>{t("loading")}</p>}
      <ul class="clients">
        {roles?.map((role) => (
          <RoleItem key={role.name} role={role} permissions={permissions} onChanged={read} />
        ))}
      </ul>
    </section>
  );
}

/** A new role or permission: a name and a description. */
function NameForm({ kind, onCreated }: { kind: "role" | "permission"; onCreated: () => Promise<void> }) {
  const { t } = useT();
  const action = useAction();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      await api("POST", kind === "role" ? "/v1/admin/roles" : "/v1/admin/permissions", {
        name: name.trim(),
        description: description.trim() || null,
      });
      setName("");
      setDescription("");
      await onCreated();
    });
  };
  const title = t(kind === "role" ? "roles.newRole" : "roles.newPermission");
  return (
    <form class="panel" onSubmit={submit} aria-label={title}>
      <h2>{title}</h2>
      <label class="field">
        {t(kind === "role" ? "roles.roleName" : "roles.permissionName")}
        <input type="text" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label class="field">
        {t("roles.description")}
        <input type="text" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </label>
      <button type="submit" disabled={!name.trim() || action.busy}>
        {t("roles.create")}
      </button>
      <ActionError error={action.error} />
    </form>
  );
}

type ItemProps = { role: Role; permissions: Permission[]; onChanged: () => Promise<void> };

function RoleItem({ role, permissions, onChanged }: ItemProps) {
  const { t } = useT();
  const action = useAction();
  const others = permissions.map((p) => p.name).filter((name) => !role.permissions.includes(name));
  const change = (method: "PUT" | "DELETE", permission: string) =>
    void action.run(async () => {
      await api(method, rolePath(role.name, `/permissions/${encodeURIComponent(permission)}`));
      await onChanged();
    });
  return (
    <li class="panel">
      <h2 class="mono">{role.name}</h2>
      {role.description && <p>{role.description}</p>}
      <ul class="chips" aria-label={t("roles.permissionsOf", { role: role.name })}>
        {role.permissions.map((permission) => (
          <li key={permission}>
            <span class="mono">{permission}</span>
            <button type="button" onClick={() => change("DELETE", permission)} disabled={action.busy}>
              {t("roles.revoke", { permission, role: role.name })}
            </button>
          </li>
        ))}
      </ul>
      <PickOne
        label={t("roles.grantLabel", { role: role.name })}
        placeholder={t("roles.choosePermission")}
        options={others}
        action={t("roles.grant")}
        busy={action.busy}
        onPick={(permission) => change("PUT", permission)}
      />
      <ActionError error={action.error} />
    </li>
  );
}
