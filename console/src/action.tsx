import { useState } from "preact/hooks";
import { useT } from "./i18n";

/**
 * One control's call to the server: `run` reports whether it succeeded, and the work updates
 * what the page shows only after the server's answer, so nothing looks done that was refused.
 * The error is shown next to the control (ActionError).
 */
export function useAction() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (work: () => Promise<void>): Promise<boolean> => {
    setBusy(true);
    try {
      await work();
      setError(null);
      return true;
    } catch (e) {
      setError((e as Error).message);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { run, error, busy, setError };
}

export function ActionError({ error }: { error: string | null }) {
  const { t } = useT();
  if (!error) return null;
  return (
    <p role="alert" class="error">
      {t("error.api", { message: error })}
    </p>
  );
}
