import { useEffect, useRef, useState } from "preact/hooks";
import { type AuditRecord, shownTime } from "../api";
import { ActionError } from "../action";
import { useT } from "../i18n";
import { ListEnd, ListHead } from "../list";
import { isoTime } from "../lib/forms";
import { listPath, wantsMore } from "../lib/paging";

import { usePaged } from "../use-paged";

const PAGE_SIZE = 50;

type Filter = { user_id: string; event: string; outcome: string; since: string; until: string };

/** The filter a link can preset (`/console/audit?user_id=…`). */
function filterFromUrl(): Filter {
  const params = new URLSearchParams(location.search);
  const value = (name: string) => params.get(name) ?? "";
  return { user_id: value("user_id"), event: value("event"), outcome: value("outcome"), since: "", until: "" };
}

/** The audit log, newest first, filtered; the next page is read as the end of the list scrolls into view. */
export function Audit() {
  const { t } = useT();
  const [filter, setFilter] = useState<Filter>(filterFromUrl);
  const since = isoTime(filter.since);
  const until = isoTime(filter.until);
  const query = { ...filter, since: since.ok ? since.value : "", until: until.ok ? until.value : "" };
  const list = usePaged<AuditRecord>(
    (cursor) => listPath("/v1/admin/audit", query, cursor, PAGE_SIZE),
    JSON.stringify(query),
    250,
  );
  const end = useRef<HTMLDivElement>(null);
  const more = useRef(() => {});
  more.current = () => wantsMore(list) && list.loadMore();
  // Observed afresh after each answer: a new observer reports at once whether the end is already
  // in view (a short page, or one that arrived while the operator waited at the bottom).
  useEffect(() => {
    const observer = new IntersectionObserver((entries) => entries.some((entry) => entry.isIntersecting) && more.current(), {
      rootMargin: "0px 0px 200px 0px",
    });
    if (end.current) observer.observe(end.current);
    return () => observer.disconnect();
  }, [list.loading]);
  const set = (name: keyof Filter) => (e: Event) => setFilter({ ...filter, [name]: (e.currentTarget as HTMLInputElement).value });

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t("audit.title")}</h1>
      <div class="filters">
        <label>
          {t("audit.user")}
          <input type="search" value={filter.user_id} onInput={set("user_id")} />
        </label>
        <label>
          {t("audit.event")}
          <input type="search" value={filter.event} onInput={set("event")} />
        </label>
        <label>
          {t("audit.outcome")}
          <select value={filter.outcome} onChange={set("outcome")}>
            <option value="">{t("audit.outcome.any")}</option>
            <option value="success">{t("audit.outcome.success")}</option>
            <option value="failure">{t("audit.outcome.failure")}</option>
          </select>
        </label>
        <label>
          {t("audit.since")}
          <input type="datetime-local" value={filter.since} onInput={set("since")} />
        </label>
        <label>
          {t("audit.until")}
          <input type="datetime-local" value={filter.until} onInput={set("until")} />
        </label>
      </div>
      <ActionError error={list.error} />
      <AuditTable records={list.items} />
      <div ref={end} />
      <ListEnd list={list} none={t("audit.none")} />
    </section>
  );
}

function AuditTable({ records }: { records: AuditRecord[] }) {
  const { t } = useT();
  const cols = [
    t("audit.col.at"),
    t("audit.col.event"),
    t("audit.outcome"),
    t("audit.user"),
    t("audit.col.actor"),
    t("audit.col.ip"),
  ];
  return (
    <table class="list">
      <ListHead cols={cols} />
      <tbody>
        {records.map((record) => (
          <tr key={record.id}>
            <td data-label={cols[0]}>{shownTime(record.at)}</td>
            <td data-label={cols[1]} class="mono">
              {record.event}
            </td>
            <td data-label={cols[2]}>
              <span class={`outcome ${record.outcome}`}>{t(`audit.outcome.${record.outcome}`)}</span>
            </td>
            <td data-label={cols[3]} class="mono">
              {record.user_id ?? "—"}
            </td>
            <td data-label={cols[4]} class="mono">
              {record.actor ?? record.client_id ?? "—"}
            </td>
            <td data-label={cols[5]}>{record.ip ?? "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
