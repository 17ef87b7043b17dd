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
    ctx.log.info({ deleted }, "housekeeping");
  } catch (error) {
    ctx.log.warn({ err: error }, "housekeeping failed; retrying at the next run");
  }
}
