import type { Kysely } from "kysely";
import type { AdminStats, AuditFilter, AuditRecord } from "../../core/admin/ports.js";
import type { AuditEvent, UserStatus } from "../../core/ports.js";
import type { Database } from "./database.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/** The audit records matching `filter`, in no order yet. */
function filteredAudit(db: Kysely<Database>, filter: AuditFilter) {
  let query = db.selectFrom("audit_events").selectAll();
  if (filter.userId !== null) query = query.where("user_id", "=", filter.userId);
  if (filter.event !== null) query = query.where("event", "=", filter.event);
  if (filter.outcome !== null) query = query.where("outcome", "=", filter.outcome);
  if (filter.since !== null) query = query.where("at", ">=", filter.since);
  if (filter.until !== null) query = query.where("at", "<", filter.until);
  return query;
}

type AuditRow = Awaited<ReturnType<ReturnType<typeof filteredAudit>["execute"]>>[number];

const auditRecord = (row: AuditRow): AuditRecord => ({
  id: Number(row.id),
  at: Number(row.at),
  event: row.event,
  outcome: row.outcome as AuditEvent["outcome"],
  userId: row.user_id,
  clientId: row.client_id,
  ip: row.ip,
  detail: row.detail,
  actor: row.actor,
});

/** `AdminRepository.queryAudit`: newest first, by the record's number (its order of writing). */
export async function queryAudit(
  db: Kysely<Database>,
  filter: AuditFilter,
  beforeId: number | null,
  limit: number,
): Promise<AuditRecord[]> {
  let query = filteredAudit(db, filter);
  if (beforeId !== null) query = query.where("id", "<", beforeId);
  const rows = await query.orderBy("id", "desc").limit(limit).execute();
  return rows.map(auditRecord);
}

/** `AdminRepository.queryAuditAfter`: oldest first, for an export that reads the log in order. */
export async function queryAuditAfter(
  db: Kysely<Database>,
  filter: AuditFilter,
  afterId: number,
  limit: number,
): Promise<AuditRecord[]> {
  const rows = await filteredAudit(db, filter).where("id", ">", afterId).orderBy("id", "asc").limit(limit).execute();
  return rows.map(auditRecord);
}

/** `AdminRepository.stats`: a handful of counts, each one indexed or over a small table. */
export async function stats(db: Kysely<Database>, now: number): Promise<AdminStats> {
  const [byStatus, sessions, clients, logins] = await Promise.all([
    db
      .selectFrom("users")
      .select(["status", (eb) => eb.fn.countAll<number>().as("count")])
      .groupBy("status")
      .execute(),
    db
      .selectFrom("sessions")
      .select((eb) => eb.fn.countAll<number>().as("count"))
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("oauth_clients")
      .select((eb) => eb.fn.countAll<number>().as("count"))
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("audit_events")
      .select(["outcome", (eb) => eb.fn.countAll<number>().as("count")])
      .where("event", "=", "login")
      .where("at", ">=", now - DAY_MS)
      .groupBy("outcome")
      .execute(),
  ]);
  const users: Record<UserStatus, number> = { active: 0, disabled: 0 };
  for (const row of byStatus) users[row.status as UserStatus] = Number(row.count);
  const loginCount = (outcome: string) => Number(logins.find((row) => row.outcome === outcome)?.count ?? 0);
  return {
    users,
    liveSessions: Number(sessions.count),
    clients: Number(clients.count),
    logins: loginCount("success"),
    failedLogins: loginCount("failure"),
  };
}
