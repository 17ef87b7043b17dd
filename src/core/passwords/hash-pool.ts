import { performance } from "node:perf_hooks";
import { AuthError } from "../errors.js";
import type { CoreMetrics } from "../ports.js";

export type HashPoolLimits = {
  /** Argon2id runs at once in this process. */
  concurrency: number;
  /** Further runs that may wait for a free slot; beyond them a request is refused at once. */
  queueMax: number;
};

export type HashPool = {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** True while a new run would be refused: callers check it before counting a login attempt. */
  full(): boolean;
};

/** What the pool reports: each run's wait for a slot, and where its queue's depth is read. */
export type HashPoolMetrics = Pick<CoreMetrics, "hashWaited" | "watchHashQueue">;

/**
 * Bounds password hashing. Each Argon2id run takes about 19 MiB and a core for tens of
 * milliseconds, and runs on libuv's thread pool, which file access and WebCrypto share. Left
 * alone, a login flood would queue unboundedly (memory), occupy every pool thread (starving
 * token signatures) and compete with the event loop on every core. So at most `concurrency`
 * runs go at once, `queueMax` more wait in order, and beyond that the request fails at once
 * with `service_unavailable` (503 with Retry-After): excess load is shed, not queued.
 */
export function createHashPool(limits: HashPoolLimits, metrics?: HashPoolMetrics): HashPool {
  let running = 0;
  const waiting: Array<() => void> = [];
  metrics?.watchHashQueue(() => waiting.length);
  const full = () => running >= limits.concurrency && waiting.length >= limits.queueMax;
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return {
    full,
    async run(task) {
      if (full()) throw new AuthError("service_unavailable", "the server is at capacity");
      if (running < limits.concurrency) {
        running++;
        metrics?.hashWaited(0);
      } else {
        // A slot handed over by `release` keeps `running` as it is.
        const queuedAt = performance.now();
        await new Promise<void>((resolve) => waiting.push(resolve));
        metrics?.hashWaited((performance.now() - queuedAt) / 1000);
      }
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}
