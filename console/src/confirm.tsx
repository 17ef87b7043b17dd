import { useEffect, useRef } from "preact/hooks";
import { useT } from "./i18n";

type ConfirmProps = { message: string; onConfirm: () => void; onCancel: () => void };

/**
 * A modal question before a change that cannot be taken back quietly. The native `<dialog>`
 * keeps keyboard focus inside it, and Escape cancels.
 */
export function Confirm({ message, onConfirm, onCancel }: ConfirmProps) {
  const { t } = useT();
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    element?.showModal();
    return () => element?.close();
  }, []);
  return (
    <dialog ref={dialog} class="confirm" aria-labelledby="confirm-message" onCancel={onCancel}>
      <p id="confirm-message">{message}</p>
      <div class="actions">
        <button type="button" onClick={onCancel}>
          {t("confirm.no")}
        </button>
        <button type="button" class="danger" onClick={onConfirm}>
          {t("confirm.yes")}
        </button>
      </div>
    </dialog>
  );
}
