import { performance } from "node:perf_hooks";
import type { Store } from "../core/ports.js";
import type { Metrics } from "./registry.js";

type Method = (...args: unknown[]) => Promise<unknown>;

/** Methods that are not operations on the database. */
const UNTIMED = new Set(["close"]);

/**
 * The store with every operation timed into `gatehouse_db_query_duration_seconds`: each
 * repository method as `<repository>.<method>` (a bounded set, fixed by the code), a whole
 * transaction as `transaction` (the statements inside it are not timed one by one), and `ping`.
 * Each method's label child is bound once, here, so a call costs two clock reads and one
 * observation. A failed operation is timed too.
 */
export function timedStore(store: Store, metrics: Pick<Metrics, "queryTimer">): Store {
  const timed = (operation: string, method: Method, self: unknown): Method => {
    const observe = metrics.queryTimer(operation);
    return async (...args) => {
      const started = performance.now();
      try {
        return await method.apply(self, args);
      } finally {
        observe((performance.now() - started) / 1000);
      }
    };
  };
  const entries = Object.entries(store).map(([name, member]) => {
    if (typeof member === "function") return [name, UNTIMED.has(name) ? member : timed(name, member as Method, store)];
    const repository = Object.entries(member as Record<string, unknown>).map(([method, fn]) => [
      method,
      typeof fn === "function" ? timed(`${name}.${method}`, fn as Method, member) : fn,
    ]);
    return [name, Object.fromEntries(repository)];
  });
  return Object.fromEntries(entries) as Store;
}
