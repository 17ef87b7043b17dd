import { useState } from "preact/hooks";
import type { Client } from "../api";
import { useT } from "../i18n";
import { redirectUris, words } from "../lib/forms";

/** The grants the server knows (src/core/clients/registration.ts). */
export const GRANTS = ["authorization_code", "refresh_token", "client_credentials", "password"] as const;

export type ClientSettings = { grants: string[]; scopes: string[]; redirect_uris: string[]; name?: string | null };

type Props = {
  /** The client being edited; none for a new one, whose id, name and type are asked too. */
  client?: Client;
  busy: boolean;
  submitLabel: string;
  onSubmit: (settings: ClientSettings & { client_id?: string; public?: boolean }) => void;
  children?: preact.ComponentChildren;
};

/** The registration a client can be given or changed: grants, scopes, redirect URIs (one a line). */
export function ClientForm({ client, busy, submitLabel, onSubmit, children }: Props) {
  const { t } = useT();
  const prefix = client ? `edit-${client.client_id}` : "new";
  const [clientId, setClientId] = useState("");
  const [name, setName] = useState(client?.name ?? "");
  const [isPublic, setPublic] = useState(false);
  const [grants, setGrants] = useState<string[]>(client?.grants ?? ["client_credentials"]);
  const [scopes, setScopes] = useState((client?.scopes ?? []).join(" "));
  const [uris, setUris] = useState((client?.redirect_uris ?? []).join("\n"));
  const [fault, setFault] = useState<string | null>(null);

  const toggle = (grant: string, on: boolean) => setGrants(on ? [...grants, grant] : grants.filter((g) => g !== grant));
  const submit = (e: Event) => {
    e.preventDefault();
    const checked = redirectUris(uris);
    if (!checked.ok) return setFault(t(checked.error));
    setFault(null);
    const settings: ClientSettings = { grants, scopes: words(scopes), redirect_uris: checked.value, name: name.trim() || null };
    onSubmit(client ? settings : { ...settings, client_id: clientId.trim(), public: isPublic });
  };

  return (
    <form onSubmit={submit} class="client-form">
      {!client && (
        <>
          <label class="field">
            {t("clients.id")}
            <input type="text" required value={clientId} onInput={(e) => setClientId(e.currentTarget.value)} />
          </label>
          <label class="check">
            <input type="checkbox" checked={isPublic} onChange={(e) => setPublic(e.currentTarget.checked)} />
            {t("clients.public")}
          </label>
        </>
      )}
      <label class="field">
        {t("clients.name")}
        <input type="text" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <fieldset>
        <legend>{t("clients.grants")}</legend>
        {GRANTS.map((grant) => (
          <label class="check" key={grant}>
            <input
              type="checkbox"
              id={`${prefix}-${grant}`}
              checked={grants.includes(grant)}
              onChange={(e) => toggle(grant, e.currentTarget.checked)}
            />
            <span class="mono">{grant}</span>
          </label>
        ))}
      </fieldset>
      <label class="field">
        {t("clients.scopes")}
        <input type="text" value={scopes} onInput={(e) => setScopes(e.currentTarget.value)} />
      </label>
      <label class="field">
        {t("clients.redirectUris")}
        <textarea rows={3} class="mono" value={uris} onInput={(e) => setUris(e.currentTarget.value)} />
      </label>
      {fault && (
        <p role="alert" class="error">
          {fault}
        </p>
      )}
      <div class="row">
        <button type="submit" disabled={busy}>
          {submitLabel}
        </button>
        {children}
      </div>
    </form>
  );
}
