import { useEffect, useState } from "preact/hooks";
import { ActionError, useAction } from "../action";
import { api, shownTime, type SigningKey } from "../api";
import { Confirm } from "../confirm";
import { useT } from "../i18n";
import { ListHead } from "../list";

/** The signing keys by identifier and state (never key material), and rotation, confirmed. */
export function Keys() {
  const { t } = useT();
  const action = useAction();
  const [keys, setKeys] = useState<SigningKey[] | null>(null);
  const [asking, setAsking] = useState(false);
  const read = async () => setKeys((await api<{ items: SigningKey[] }>("GET", "/v1/admin/keys")).items);
  useEffect(() => void action.run(read), []);
  const rotate = () => {
    setAsking(false);
    void action.run(async () => {
      await api("POST", "/v1/admin/keys/rotate");
      await read();
    });
  };
  const cols = [t("keys.kid"), t("keys.alg"), t("keys.created"), t("keys.state"), t("keys.retires")] as const;

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t("keys.title")}</h1>
      <div class="row">
        <button type="button" class="danger" onClick={() => setAsking(true)} disabled={action.busy}>
          {t("keys.rotate")}
        </button>
      </div>
      <ActionError error={action.error} />
      {!keys && !action.error && <p>{t("loading")}</p>}
      {keys && (
        <table class="list">
          <ListHead cols={cols} />
          <tbody>
            {keys.map((key) => (
              <tr key={key.kid}>
                <td data-label={cols[0]} class="mono">
                  {key.kid}
                </td>
                <td data-label={cols[1]}>{key.alg}</td>
                <td data-label={cols[2]}>{shownTime(key.created_at)}</td>
                <td data-label={cols[3]}>
                  <span class={`state ${key.state}`}>{t(`keys.state.${key.state}`)}</span>
                </td>
                <td data-label={cols[4]}>{shownTime(key.retires_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {asking && <Confirm message={t("keys.confirmRotate")} onConfirm={rotate} onCancel={() => setAsking(false)} />}
    </section>
  );
}
