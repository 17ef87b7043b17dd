import type { CoreContext } from "./context.js";

/** How long ended rows are kept before they are deleted: a day, for investigating incidents. */
export const KEEP_ENDED_MS = 86_400_000;

const DAY_MS = 86_400_000;
/** Audit records deleted per statement: each batch is a short write that never holds others up for long. */
export const AUDIT_PRUNE_BATCH = 5_000;
/** Batches per run: at one run every 10 minutes, up to 14 million records a day. */
const AUDIT_PRUNE_MAX_BATCHES = 20;

/**
 * Deletes ended sessions (with their refresh tokens), idle-expired refresh tokens, expired
 * codes and stale throttling counters, so that the database does not grow without bound under
 * a stream of one-off logins or failed attempts on invented names, then the audit records past
 * their retention. Failures are logged and retried at the next run; they never affect requests.
 */
export async function purgeEnded(ctx: CoreContext): Promise<void> {
  try {
    const deleted = await ctx.store.housekeeping.purge(ctx.now(), KEEP_ENDED_MS);
    const auditEvents = await pruneAudit(ctx);
    ctx.log.info({ deleted: { ...deleted, auditEvents } }, "housekeeping");
  } catch (error) {
    ctx.log.warn({ err: error }, "housekeeping failed; retrying at the next run");
  }
}

/**
 * Deletes the audit records older than `AUDIT_RETENTION_DAYS`, oldest first, in batches, until
 * none is left or the run's share is done (the next run goes on); returns how many it deleted.
 */
export async function pruneAudit(ctx: CoreContext): Promise<number> {
  const days = ctx.settings.auditRetentionDays;
  if (days === 0) return 0;
  const before = ctx.now() - days * DAY_MS;
  let total = 0;
  for (let batch = 0; batch < AUDIT_PRUNE_MAX_BATCHES; batch++) {
    const deleted = await ctx.store.housekeeping.pruneAudit(before, AUDIT_PRUNE_BATCH);
    total += deleted;
    if (deleted < AUDIT_PRUNE_BATCH) break;
  }
  return total;
}
