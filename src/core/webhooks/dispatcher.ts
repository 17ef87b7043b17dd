import { randomBytes } from "node:crypto";
import { type CoreContext, inTransaction } from "../context.js";
import { RefusedTarget } from "./addresses.js";
import { FAILING_AFTER } from "./endpoints.js";
import type { ClaimedDelivery, WebhookTransport } from "./ports.js";
import { nextAttemptAt } from "./schedule.js";
import { signedHeaders } from "./signing.js";

/** What became of one attempt: a 2xx, anything else (an answer, a timeout, a network error), or the SSRF guard's refusal. */
export type DeliveryOutcome = "delivered" | "failed" | "refused";

export type Dispatcher = {
  start(): void;
  /** Stops claiming and aborts the attempts in flight; their leases run out and another dispatcher retries them. */
  stop(): Promise<void>;
  /** Looks for due deliveries now (after a local commit that wrote some). */
  wake(): void;
  /** Called once per attempt with its outcome (for the metrics). */
  onDelivery(listener: (outcome: DeliveryOutcome) => void): void;
};

/** How often an idle dispatcher looks for due deliveries (one indexed read). */
export const POLL_MS = 500;
/** Attempts in flight at once per process. */
const CONCURRENCY = 16;
/** The last attempts kept per delivery. */
const RECENT_ATTEMPTS = 5;
const LEASE_MARGIN_MS = 5_000;

type Attempt = { at: number; outcome: DeliveryOutcome; status: number | null; error: string | null };

/**
 * Delivers the outbox: every serving process runs one. It claims due deliveries with a lease
 * (one dispatcher at a time per delivery, across processes), signs and sends each with a
 * timeout, and records the attempt: delivered, or retried with backoff, or given up after 24
 * hours. A crash leaves its claims to expire and be retried elsewhere: at least once.
 */
export function createDispatcher(ctx: CoreContext, transport: WebhookTransport, pollMs = POLL_MS): Dispatcher {
  const claimant = randomBytes(8).toString("hex");
  const leaseMs = ctx.webhooks.settings.timeoutMs + LEASE_MARGIN_MS;
  const listeners: ((outcome: DeliveryOutcome) => void)[] = [];
  const inFlight = new Set<Promise<void>>();
  const abort = new AbortController();
  let timer: NodeJS.Timeout | null = null;
  let pumping: Promise<void> | null = null;
  let again = false;

  const schedule = () => {
    if (abort.signal.aborted) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(wake, pollMs);
    timer.unref();
  };

  async function claimDue(): Promise<void> {
    while (!abort.signal.aborted && inFlight.size < CONCURRENCY) {
      const now = ctx.now();
      if (!(await ctx.store.webhooks.hasDue(now))) return;
      const claimed = await inTransaction(ctx, (tx) =>
        tx.store.webhooks.claim(now, leaseMs, claimant, CONCURRENCY - inFlight.size),
      );
      if (claimed.length === 0) return;
      for (const delivery of claimed) {
        const attempt: Promise<void> = deliver(delivery)
          .catch((error: unknown) => ctx.log.warn({ err: error, delivery: delivery.id }, "webhook attempt not recorded"))
          .finally(() => {
            inFlight.delete(attempt);
            wake();
          });
        inFlight.add(attempt);
      }
    }
  }

  function wake(): void {
    if (abort.signal.aborted) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = (async () => {
      do {
        again = false;
        try {
          await claimDue();
        } catch (error) {
          ctx.log.warn({ err: error }, "webhook dispatcher: claiming failed; retrying at the next poll");
        }
      } while (again && !abort.signal.aborted);
    })().finally(() => {
      pumping = null;
      schedule();
    });
  }

  async function attempt(delivery: ClaimedDelivery): Promise<Attempt> {
    const at = ctx.now();
    try {
      const secret = ctx.webhooks.box.open(delivery.endpointId, delivery.secretBox);
      const headers = {
        ...signedHeaders(secret, delivery.messageId, at, delivery.payload),
        "content-type": "application/json",
        "user-agent": "Gatehouse-Webhooks",
      };
      const { status } = await transport.post(delivery.url, headers, delivery.payload, abort.signal);
      const delivered = status >= 200 && status < 300;
      return { at, outcome: delivered ? "delivered" : "failed", status, error: delivered ? null : `answered ${status}` };
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 200);
      return { at, outcome: error instanceof RefusedTarget ? "refused" : "failed", status: null, error: message };
    }
  }

  async function deliver(delivery: ClaimedDelivery): Promise<void> {
    const result = await attempt(delivery);
    // Stopping: the attempt was aborted; its lease runs out and it is tried again.
    if (abort.signal.aborted) return;
    const delivered = result.outcome === "delivered";
    const finished = ctx.now();
    const recent = [{ at: result.at, status: result.status, error: result.error }, ...parseRecent(delivery.recentAttempts)];
    await inTransaction(ctx, (tx) =>
      tx.store.webhooks.recordAttempt(delivery.id, claimant, {
        at: finished,
        delivered,
        nextAttemptAt: delivered
          ? null
          : nextAttemptAt(delivery.createdAt, finished, delivery.attempts, ctx.webhooks.settings.retryBaseMs),
        lastStatus: result.status,
        lastError: result.error,
        recentAttempts: JSON.stringify(recent.slice(0, RECENT_ATTEMPTS)),
        failingAfter: FAILING_AFTER,
      }),
    );
    for (const listener of listeners) listener(result.outcome);
  }

  return {
    start: wake,
    wake,
    onDelivery: (listener) => void listeners.push(listener),
    async stop() {
      abort.abort();
      if (timer) clearTimeout(timer);
      await pumping;
      await Promise.all(inFlight);
    },
  };
}

function parseRecent(json: string): unknown[] {
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}
