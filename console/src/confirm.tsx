import { useEffect, useRef, useState } from "preact/hooks";
import { useT } from "./i18n";

type ConfirmProps = {
  message: string;
  onConfirm: () => void;
  onCancel: () => void;
  /** When given, the operator must type this (a username) before confirming. */
  typed?: { value: string; label: string };
};

/**
 * A modal question before a change that cannot be taken back quietly. The native `<dialog>`
 * keeps keyboard focus inside it, and Escape cancels.
 */
export function Confirm({ message, onConfirm, onCancel, typed }: ConfirmProps) {
  const { t } = useT();
  const dialog = useRef<HTMLDialogElement>(null);
  const [answer, setAnswer] = useState("");
  useEffect(() => {
    const element = dialog.current;
    element?.showModal();
    return () => element?.close();
  }, []);
  return (
    <dialog ref={dialog} class="confirm" aria-labelledby="confirm-message" onCancel={onCancel}>
      <p id="confirm-message">{message}</p>
      {typed && (
        <label class="field">
          {typed.label}
          <input type="text" autoComplete="off" value={answer} onInput={(e) => setAnswer(e.currentTarget.value)} />
        </label>
      )}
      <div class="actions">
        <button type="button" onClick={onCancel}>
          {t("confirm.no")}
        </button>
        <button type="button" class="danger" disabled={typed !== undefined && answer !== typed.value} onClick={onConfirm}>
          {t("confirm.yes")}
        </button>
      </div>
    </dialog>
  );
}
