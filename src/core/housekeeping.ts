import type { CoreContext } from "./context.js";

/** How long ended rows are kept before they are deleted: a day, for investigating incidents. */
export const KEEP_ENDED_MS = 86_400_000;

/**
 * Deletes ended sessions (with their refresh tokens), idle-expired refresh tokens, expired
 * codes and stale throttling counters, so that the database does not grow without bound under
 * a stream of one-off logins or failed attempts on invented names. Failures are logged and
 * retried at the next run; they never affect requests.
 */
export async function purgeEnded(ctx: CoreContext): Promise<void> {
  try {
    const deleted = await ctx.store.housekeeping.purge(ctx.now(), KEEP_ENDED_MS);
    deleted.webhookDeliveries = await purgeWebhookDeliveries(ctx);
    ctx.log.info({ deleted }, "housekeeping");
  } catch (error) {
    ctx.log.warn({ err: error }, "housekeeping failed; retrying at the next run");
  }
}

/** Deleted per statement, so that a large backlog never holds the write lock for long. */
export const WEBHOOK_PURGE_BATCH = 1000;
const WEBHOOK_PURGE_MAX_BATCHES = 100;

/** Deletes settled webhook deliveries older than `WEBHOOK_RETENTION_DAYS`, in bounded batches. */
async function purgeWebhookDeliveries(ctx: CoreContext): Promise<number> {
  const before = ctx.now() - ctx.webhooks.settings.retentionDays * 86_400_000;
  let total = 0;
  for (let batch = 0; batch < WEBHOOK_PURGE_MAX_BATCHES; batch++) {
    const deleted = await ctx.store.housekeeping.purgeWebhookDeliveries(before, WEBHOOK_PURGE_BATCH);
    total += deleted;
    if (deleted < WEBHOOK_PURGE_BATCH) break;
  }
  return total;
}
