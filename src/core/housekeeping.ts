import type { CoreContext } from "./context.js";

/** How long ended rows are kept before they are deleted: a day, for investigating incidents. */
export const KEEP_ENDED_MS = 86_400_000;

const DAY_MS = 86_400_000;
/** Audit records deleted per statement: each batch is a short write that never holds others up for long. */
export const AUDIT_PRUNE_BATCH = 5_000;
/** Batches per run: at one run every 10 minutes, up to 14 million records a day. */
const AUDIT_PRUNE_MAX_BATCHES = 20;
/** Webhook deliveries deleted per statement, for the same reason. */
export const WEBHOOK_PURGE_BATCH = 1000;
const WEBHOOK_PURGE_MAX_BATCHES = 100;

/**
 * Deletes ended sessions (with their refresh tokens), idle-expired refresh tokens, expired
 * codes and stale throttling counters, so that the database does not grow without bound under
 * a stream of one-off logins or failed attempts on invented names, then the audit records and
 * settled webhook deliveries past their retention. Failures are logged and retried at the next
 * run; they never affect requests.
 */
export async function purgeEnded(ctx: CoreContext): Promise<void> {
  try {
    const deleted = await ctx.store.housekeeping.purge(ctx.now(), KEEP_ENDED_MS);
    deleted.auditEvents = await pruneAudit(ctx);
    deleted.webhookDeliveries = await purgeWebhookDeliveries(ctx);
    ctx.log.info({ deleted }, "housekeeping");
  } catch (error) {
    ctx.log.warn({ err: error }, "housekeeping failed; retrying at the next run");
  }
}

/**
 * Runs `deleteBatch` (deleting at most `batch` rows) until it deletes fewer, or `maxBatches`
 * have run (the next run goes on); returns how many rows it deleted in all.
 */
async function deleteInBatches(batch: number, maxBatches: number, deleteBatch: (limit: number) => Promise<number>) {
  let total = 0;
  for (let run = 0; run < maxBatches; run++) {
    const deleted = await deleteBatch(batch);
    total += deleted;
    if (deleted < batch) break;
  }
  return total;
}

/** Deletes the audit records older than `AUDIT_RETENTION_DAYS` (never with 0), oldest first. */
export async function pruneAudit(ctx: CoreContext): Promise<number> {
  const days = ctx.settings.auditRetentionDays;
  if (days === 0) return 0;
  const before = ctx.now() - days * DAY_MS;
  return deleteInBatches(AUDIT_PRUNE_BATCH, AUDIT_PRUNE_MAX_BATCHES, (limit) => ctx.store.housekeeping.pruneAudit(before, limit));
}

/** Deletes settled webhook deliveries older than `WEBHOOK_RETENTION_DAYS`. */
function purgeWebhookDeliveries(ctx: CoreContext): Promise<number> {
  const before = ctx.now() - ctx.webhooks.settings.retentionDays * DAY_MS;
  return deleteInBatches(WEBHOOK_PURGE_BATCH, WEBHOOK_PURGE_MAX_BATCHES, (limit) =>
    ctx.store.housekeeping.purgeWebhookDeliveries(before, limit),
  );
}
