import type { CoreContext } from "../context.js";
import { decodeCursor, fetchPage, type Page } from "./cursor.js";
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

export const adminStats = (ctx: CoreContext): Promise<AdminStats> => ctx.store.admin.stats(ctx.now());
