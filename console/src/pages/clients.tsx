import { useEffect, useState } from "preact/hooks";
import { ActionError, useAction } from "../action";
import { api, type Client } from "../api";
import { Confirm } from "../confirm";
import { useT } from "../i18n";
import { SecretOnce } from "../secret";
import { ClientForm, type ClientSettings } from "./client-form";

const clientPath = (id: string, rest = "") => `/v1/admin/clients/${encodeURIComponent(id)}${rest}`;

/** The OAuth clients: registered, edited, their secrets rotated, deleted. A secret is shown once. */
export function Clients() {
  const { t } = useT();
  const [clients, setClients] = useState<Client[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ id: string; secret: string } | null>(null);
  const read = () =>
    api<{ items: Client[] }>("GET", "/v1/admin/clients").then(
      (answer) => setClients(answer.items),
      (e: Error) => setError(e.message),
    );
  useEffect(() => void read(), []);

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t("clients.title")}</h1>
      <ActionError error={error} />
      {secret && (
        <SecretOnce label={t("clients.secretOf", { id: secret.id })} secret={secret.secret} onDone={() => setSecret(null)} />
      )}
      <NewClient onCreated={(id, created) => (setSecret(created ? { id, secret: created } : null), void read())} />
      {!clients && !error && <p>{t("loading")}</p>}
      <ul class="clients">
        {clients?.map((client) => (
          <ClientItem key={client.client_id} client={client} onChanged={() => void read()} onSecret={setSecret} />
        ))}
      </ul>
    </section>
  );
}

function NewClient({ onCreated }: { onCreated: (id: string, secret: string | null) => void }) {
  const { t } = useT();
  const action = useAction();
  const [open, setOpen] = useState(false);
  const create = (settings: ClientSettings) =>
    void action.run(async () => {
      const created = await api<Client & { client_secret?: string }>("POST", "/v1/admin/clients", settings);
      setOpen(false);
      onCreated(created.client_id, created.client_secret ?? null);
    });
  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)}>
        {t("clients.new")}
      </button>
    );
  }
  return (
    <div class="panel" role="group" aria-labelledby="new-client-title">
      <h2 id="new-client-title">{t("clients.new")}</h2>
      <ClientForm busy={action.busy} submitLabel={t("clients.create")} onSubmit={create}>
        <button type="button" onClick={() => setOpen(false)}>
          {t("confirm.no")}
        </button>
      </ClientForm>
      <ActionError error={action.error} />
    </div>
  );
}

type ItemProps = { client: Client; onChanged: () => void; onSecret: (secret: { id: string; secret: string }) => void };

/** One client: its registration, and edit, rotate (confidential only) and delete, each confirmed. */
function ClientItem({ client, onChanged, onSecret }: ItemProps) {
  const { t } = useT();
  const action = useAction();
  const [editing, setEditing] = useState(false);
  const [asking, setAsking] = useState<"rotate" | "delete" | null>(null);
  const id = client.client_id;
  const save = (settings: ClientSettings) =>
    void action.run(async () => {
      await api("PATCH", clientPath(id), settings);
      setEditing(false);
      onChanged();
    });
  const confirmed = () => {
    const what = asking;
    setAsking(null);
    void action.run(async () => {
      if (what === "delete") await api("DELETE", clientPath(id));
      else onSecret({ id, secret: (await api<{ client_secret: string }>("POST", clientPath(id, "/secret"))).client_secret });
      onChanged();
    });
  };

  return (
    <li class="panel">
      <h2 class="mono">{id}</h2>
      <dl class="facts">
        <dt>{t("clients.name")}</dt>
        <dd>{client.name ?? "—"}</dd>
        <dt>{t("clients.type")}</dt>
        <dd>{t(client.public ? "clients.typePublic" : "clients.typeConfidential")}</dd>
        <dt>{t("clients.grants")}</dt>
        <dd class="mono">{client.grants.join(", ") || "—"}</dd>
        <dt>{t("clients.redirects")}</dt>
        <dd class="mono">{client.redirect_uris.join(" ") || "—"}</dd>
      </dl>
      {editing ? (
        <ClientForm client={client} busy={action.busy} submitLabel={t("user.save")} onSubmit={save}>
          <button type="button" onClick={() => setEditing(false)}>
            {t("confirm.no")}
          </button>
        </ClientForm>
      ) : (
        <div class="row">
          <button type="button" onClick={() => setEditing(true)}>
            {t("clients.edit", { id })}
          </button>
          {!client.public && (
            <button type="button" onClick={() => setAsking("rotate")} disabled={action.busy}>
              {t("clients.rotate", { id })}
            </button>
          )}
          <button type="button" class="danger" onClick={() => setAsking("delete")} disabled={action.busy}>
            {t("clients.delete", { id })}
          </button>
        </div>
      )}
      <ActionError error={action.error} />
      {asking && (
        <Confirm
          message={t(asking === "delete" ? "clients.confirmDelete" : "clients.confirmRotate", { id })}
          onConfirm={confirmed}
          onCancel={() => setAsking(null)}
        />
      )}
    </li>
  );
}
