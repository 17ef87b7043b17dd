import { useEffect, useState } from "preact/hooks";
import { api, type Stats } from "../api";
import { useT } from "../i18n";

/** The counts of GET /v1/admin/stats, and the last day's logins as a two-part bar. */
export function Overview() {
  const { t } = useT();
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<Stats>("GET", "/v1/admin/stats").then(setStats, (e: Error) => setError(e.message));
  }, []);

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t("overview.title")}</h1>
      {error && (
        <p role="alert" class="error">
          {t("error.api", { message: error })}
        </p>
      )}
      {!stats && !error && <p>{t("loading")}</p>}
      {stats && (
        <>
          <dl class="cards">
            <Card label={t("overview.users")} value={stats.users.total} />
            <Card label={t("overview.active")} value={stats.users.active} />
            <Card label={t("overview.disabled")} value={stats.users.disabled} />
            <Card label={t("overview.sessions")} value={stats.live_sessions} />
            <Card label={t("overview.clients")} value={stats.clients} />
          </dl>
          <LoginChart succeeded={stats.logins_24h.succeeded} failed={stats.logins_24h.failed} />
        </>
      )}
    </section>
  );
}

function Card({ label, value }: { label: string; value: number }) {
  return (
    <div class="card">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

/** Succeeded and failed logins as the two parts of one bar, with the numbers written out beside it. */
function LoginChart({ succeeded, failed }: { succeeded: number; failed: number }) {
  const { t } = useT();
  const total = Math.max(1, succeeded + failed);
  const width = (count: number) => (count / total) * 300;
  return (
    <figure class="chart">
      <figcaption>{t("overview.logins")}</figcaption>
      <svg
        viewBox="0 0 300 24"
        width="100%"
        height="24"
        role="img"
        aria-label={`${t("overview.succeeded")} ${succeeded}, ${t("overview.failed")} ${failed}`}
      >
        <rect class="ok" x="0" y="0" width={width(succeeded)} height="24" />
        <rect class="bad" x={width(succeeded)} y="0" width={width(failed)} height="24" />
      </svg>
      <ul class="legend">
        <li>
          <span class="swatch ok" aria-hidden="true" /> {t("overview.succeeded")}: {succeeded}
        </li>
        <li>
          <span class="swatch bad" aria-hidden="true" /> {t("overview.failed")}: {failed}
        </li>
      </ul>
    </figure>
  );
}
