import { useEffect, useState } from "preact/hooks";
import { ActionError, useAction } from "../action";
import { api, shownTime } from "../api";
import { Confirm } from "../confirm";
import { useT } from "../i18n";
import { SecretOnce } from "../secret";
// The catalogue itself (docs/events.md): a list of names with no imports, bundled as it is.
import { WEBHOOK_EVENTS as EVENTS } from "../../../src/core/webhooks/catalogue.js";

type Endpoint = {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  failing: boolean;
  last_success_at: string | null;
};
type Shown = { id: string; secret: string };

const webhookPath = (id: string, rest = "") => `/v1/admin/webhooks/${encodeURIComponent(id)}${rest}`;

/** Webhook endpoints: registered (the secret shown once), their secret rotated (shown once), deleted. */
export function Webhooks() {
  const { t } = useT();
  const action = useAction();
  const [endpoints, setEndpoints] = useState<Endpoint[] | null>(null);
  const [secret, setSecret] = useState<Shown | null>(null);
  const read = async () => setEndpoints((await api<{ items: Endpoint[] }>("GET", "/v1/admin/webhooks")).items);
  useEffect(() => void action.run(read), []);

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t("webhooks.title")}</h1>
      <ActionError error={action.error} />
      {secret && (
        <SecretOnce label={t("webhooks.secretOf", { url: secret.id })} secret={secret.secret} onDone={() => setSecret(null)} />
      )}
      <NewEndpoint onCreated={(shown) => (setSecret(shown), void action.run(read))} />
      {endpoints?.length === 0 && <p>{t("webhooks.none")}</p>}
      <ul class="clients">
        {endpoints?.map((endpoint) => (
          <EndpointItem key={endpoint.id} endpoint={endpoint} onSecret={setSecret} onChanged={() => void action.run(read)} />
        ))}
      </ul>
    </section>
  );
}

function NewEndpoint({ onCreated }: { onCreated: (shown: Shown) => void }) {
  const { t } = useT();
  const action = useAction();
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [events, setEvents] = useState<string[]>([]);
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const body = { url: url.trim(), events, description: description.trim() || null };
      const created = await api<Endpoint & { secret: string }>("POST", "/v1/admin/webhooks", body);
      setUrl("");
      setDescription("");
      setEvents([]);
      onCreated({ id: created.url, secret: created.secret });
    });
  };
  return (
    <form class="panel" onSubmit={submit} aria-labelledby="new-webhook-title">
      <h2 id="new-webhook-title">{t("webhooks.new")}</h2>
      <label class="field">
        {t("webhooks.url")}
        <input type="url" required value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
      </label>
      <label class="field">
        {t("roles.description")}
        <input type="text" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </label>
      <fieldset class="events">
        <legend>{t("webhooks.events")}</legend>
        {EVENTS.map((event) => (
          <label class="check" key={event}>
            <input
              type="checkbox"
              checked={events.includes(event)}
              onChange={(e) => setEvents(e.currentTarget.checked ? [...events, event] : events.filter((x) => x !== event))}
            />
            <span class="mono">{event}</span>
          </label>
        ))}
      </fieldset>
      <button type="submit" disabled={!url.trim() || events.length === 0 || action.busy}>
        {t("webhooks.create")}
      </button>
      <ActionError error={action.error} />
    </form>
  );
}

type ItemProps = { endpoint: Endpoint; onSecret: (shown: Shown) => void; onChanged: () => void };

function EndpointItem({ endpoint, onSecret, onChanged }: ItemProps) {
  const { t } = useT();
  const action = useAction();
  const [asking, setAsking] = useState<"rotate" | "delete" | null>(null);
  const url = endpoint.url;
  const confirmed = () => {
    const what = asking;
    setAsking(null);
    void action.run(async () => {
      if (what === "delete") await api("DELETE", webhookPath(endpoint.id));
      else onSecret({ id: url, secret: (await api<Shown>("POST", webhookPath(endpoint.id, "/secret"))).secret });
      onChanged();
    });
  };
  return (
    <li class="panel">
      <h2 class="mono">{url}</h2>
      <dl class="facts">
        <dt>{t("roles.description")}</dt>
        <dd>{endpoint.description ?? "—"}</dd>
        <dt>{t("webhooks.events")}</dt>
        <dd class="mono">{endpoint.events.join(", ")}</dd>
        <dt>{t("webhooks.health")}</dt>
        <dd>
          {endpoint.failing ? t("webhooks.failing") : t("webhooks.lastSuccess", { at: shownTime(endpoint.last_success_at) })}
        </dd>
      </dl>
      <div class="row">
        <button type="button" onClick={() => setAsking("rotate")} disabled={action.busy}>
          {t("webhooks.rotate", { url })}
        </button>
        <button type="button" class="danger" onClick={() => setAsking("delete")} disabled={action.busy}>
          {t("webhooks.delete", { url })}
        </button>
      </div>
      <ActionError error={action.error} />
      {asking && (
        <Confirm
          message={t(asking === "delete" ? "webhooks.confirmDelete" : "webhooks.confirmRotate", { url })}
          onConfirm={confirmed}
          onCancel={() => setAsking(null)}
        />
      )}
    </li>
  );
}
