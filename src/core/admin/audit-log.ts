import type { CoreContext } from "../context.js";
import { decodeCursor, fetchPage, MAX_PAGE_SIZE, type Page } from "./cursor.js";
import type { AdminStats, AuditFilter, AuditRecord } from "./ports.js";

export type AuditSearch = AuditFilter & { limit: number; cursor: string | null };

/** Audit records newest first, one page at a time. */
export async function searchAudit(ctx: CoreContext, search: AuditSearch): Promise<Page<AuditRecord>> {
  const { limit, cursor, ...filter } = search;
  const beforeId = decodeCursor("audit", cursor);
  return fetchPage(
    "audit",
    limit,
    (rows) => ctx.store.admin.queryAudit(filter, beforeId, rows),
    (record) => record.id,
  );
}

/** Audit records oldest first, from the one after record `afterId` (0: the first): an export's pages. */
export const auditAfter = (ctx: CoreContext, filter: AuditFilter, afterId: number, limit: number): Promise<AuditRecord[]> =>
  ctx.store.admin.queryAuditAfter(filter, afterId, Math.min(Math.max(limit, 1), MAX_PAGE_SIZE));

export const adminStats = (ctx: CoreContext): Promise<AdminStats> => ctx.store.admin.stats(ctx.now());
