/**
 * When a failed delivery is tried again: exponential backoff with jitter. The n-th retry waits
 * between `base * 2^(n-1)` and twice that (capped), so the first comes 5 to 10 seconds after
 * the failure with the default base, and retries of many endpoints that failed together spread
 * out. A delivery is given up once its next attempt would come more than `GIVE_UP_AFTER_MS`
 * after its event.
 */

export const DEFAULT_RETRY_BASE_MS = 5_000;
/** The longest wait before the jitter: half an hour, so never more than an hour between attempts. */
export const MAX_RETRY_DELAY_MS = 30 * 60_000;
export const GIVE_UP_AFTER_MS = 24 * 60 * 60_000;

/** The wait after the `failedAttempts`-th failed attempt (1 for the first). */
export function retryDelayMs(failedAttempts: number, base = DEFAULT_RETRY_BASE_MS, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(failedAttempts - 1, 30));
  const delay = Math.min(base * 2 ** exponent, MAX_RETRY_DELAY_MS);
  return Math.round(delay * (1 + random()));
}

/** The next attempt's time after a failure, or `null` when the delivery is given up. */
export function nextAttemptAt(
  eventAt: number,
  failedAt: number,
  failedAttempts: number,
  base = DEFAULT_RETRY_BASE_MS,
): number | null {
  const next = failedAt + retryDelayMs(failedAttempts, base);
  return next - eventAt > GIVE_UP_AFTER_MS ? null : next;
}
