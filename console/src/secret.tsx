import { useState } from "preact/hooks";
import { useT } from "./i18n";

/** A secret the server shows this once (a client's or a webhook's): readable, copyable, then dismissed. */
export function SecretOnce({ label, secret, onDone }: { label: string; secret: string; onDone: () => void }) {
  const { t } = useT();
  const [copied, setCopied] = useState<boolean | null>(null);
  const copy = () =>
    navigator.clipboard.writeText(secret).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  return (
    <div class="secret" role="status">
      <p>{t("secret.once")}</p>
      <label>
        {label}
        <input type="text" readOnly value={secret} class="mono" onFocus={(e) => e.currentTarget.select()} />
      </label>
      <div class="row">
        <button type="button" onClick={() => void copy()}>
          {t("secret.copy")}
        </button>
        <button type="button" onClick={onDone}>
          {t("secret.done")}
        </button>
        <span aria-live="polite">{copied === true ? t("secret.copied") : copied === false ? t("secret.copyFailed") : ""}</span>
      </div>
    </div>
  );
}
