import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CoreMetrics, PoolUsage, StoreMetrics } from "../core/ports.js";

/**
 * Every metric Gatehouse exports, in one registry per process (docs/metrics.md lists them).
 * Label values come from bounded sets only: route patterns, HTTP methods and statuses, door and
 * grant names, repository operations; never a user, client, address, token or raw URL.
 */

/** The route label of a request that matched no route (a 404 or 405 of the router itself). */
export const UNMATCHED_ROUTE = "unmatched";

/** How a webhook delivery attempt ended. */
export type WebhookDeliveryOutcome = "delivered" | "failed" | "refused";
export const WEBHOOK_DELIVERY_OUTCOMES: readonly WebhookDeliveryOutcome[] = ["delivered", "failed", "refused"];

/** What the HTTP layer reports: one call per answered request, one per 429 of the rate limit. */
export type HttpMetrics = {
  /** A request answered: its route pattern (or `UNMATCHED_ROUTE`), method, status and seconds taken. */
  request(route: string, method: string, status: number, seconds: number): void;
  rateLimited(): void;
};

/**
 * How the webhook dispatcher feeds its two metrics: `delivery` once per attempt, and
 * `watchOutboxDepth` once, with a function that counts the undelivered deliveries (read at each
 * scrape; a failing read keeps the last value rather than failing the scrape).
 */
export type WebhookMetrics = {
  delivery(outcome: WebhookDeliveryOutcome): void;
  watchOutboxDepth(depth: () => number | Promise<number>): void;
};

export type Metrics = {
  registry: Registry;
  core: CoreMetrics;
  store: StoreMetrics;
  http: HttpMetrics;
  webhooks: WebhookMetrics;
  /** Times one store operation (a repository method, `transaction`, `ping`). */
  queryTimer(operation: string): (seconds: number) => void;
};

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/** A fresh registry with Gatehouse's metrics and prom-client's default process and Node.js ones. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    core: coreMetrics(registers),
    store: storeMetrics(registers),
    http: httpMetrics(registers),
    webhooks: webhookMetrics(registers),
    queryTimer: queryTimers(registers),
  };
}

type Registers = Registry[];

/** A gauge read from a source at each scrape; 0 until one is registered. */
function watchedGauge(registers: Registers, name: string, help: string) {
  let source: () => number = () => 0;
  new Gauge({
    name,
    help,
    registers,
    collect() {
      this.set(source());
    },
  });
  return (read: () => number) => {
    source = read;
  };
}

function coreMetrics(registers: Registers): CoreMetrics {
  const logins = new Counter({
    name: "gatehouse_logins_total",
    help: "Password logins, by front door and outcome.",
    labelNames: ["door", "outcome"],
    registers,
  });
  const tokens = new Counter({
    name: "gatehouse_tokens_issued_total",
    help: "Access tokens issued, by OAuth grant type or the dialect that issued them.",
    labelNames: ["grant"],
    registers,
  });
  const reuse = new Counter({
    name: "gatehouse_refresh_reuse_detected_total",
    help: "Rotated refresh tokens presented again (each revoked its session).",
    registers,
  });
  const lockouts = new Counter({ name: "gatehouse_lockouts_total", help: "Accounts (or unknown names) locked.", registers });
  const hashWait = new Histogram({
    name: "gatehouse_hash_wait_seconds",
    help: "Time a password hashing waited for a slot of the hash pool.",
    buckets: WAIT_BUCKETS,
    registers,
  });
  const watchHashQueue = watchedGauge(registers, "gatehouse_hash_queue_depth", "Password hashings waiting for a slot.");
  // A login's labels are found once per door and outcome, not on every login.
  const loginChildren = new Map<string, Counter.Internal>();
  const tokenChildren = new Map<string, Counter.Internal>();
  return {
    login(door, outcome) {
      const key = `${door}\0${outcome}`;
      let child = loginChildren.get(key);
      if (!child) loginChildren.set(key, (child = logins.labels(door, outcome)));
      child.inc();
    },
    tokenIssued(grant) {
      let child = tokenChildren.get(grant);
      if (!child) tokenChildren.set(grant, (child = tokens.labels(grant)));
      child.inc();
    },
    refreshReuse: () => reuse.inc(),
    lockout: () => lockouts.inc(),
    hashWaited: (seconds) => hashWait.observe(seconds),
    watchHashQueue,
  };
}

function storeMetrics(registers: Registers): StoreMetrics {
  const batch = new Histogram({
    name: "gatehouse_group_commit_batch_size",
    help: "Units of writes committed together by one SQLite group commit.",
    buckets: BATCH_BUCKETS,
    registers,
  });
  let usage: () => PoolUsage = () => ({ inUse: 0, waiting: 0 });
  new Gauge({
    name: "gatehouse_db_pool_in_use",
    help: "PostgreSQL: pool connections in use. SQLite: write units in the group commit being committed.",
    registers,
    collect() {
      this.set(usage().inUse);
    },
  });
  new Gauge({
    name: "gatehouse_db_pool_waiting",
    help: "PostgreSQL: requests waiting for a pool connection. SQLite: write units queued for the next group commit.",
    registers,
    collect() {
      this.set(usage().waiting);
    },
  });
  return {
    groupCommitted: (units) => batch.observe(units),
    watchPool(read) {
      usage = read;
    },
  };
}

function httpMetrics(registers: Registers): HttpMetrics {
  const requests = new Counter({
    name: "gatehouse_http_requests_total",
    help: "HTTP requests answered on the public port, by route pattern, method and status.",
    labelNames: ["route", "method", "status"],
    registers,
  });
  const duration = new Histogram({
    name: "gatehouse_http_request_duration_seconds",
    help: "Time to answer an HTTP request on the public port, by route pattern and method.",
    labelNames: ["route", "method"],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const limited = new Counter({
    name: "gatehouse_rate_limited_total",
    help: "Requests refused with 429 by the per-IP rate limit.",
    registers,
  });
  // The label children of each route, method and status, found once: the hot path is two
  // string joins, a map lookup, an increment and an observation.
  const children = new Map<string, { count: Counter.Internal; time: Histogram.Internal<string> }>();
  return {
    request(route, method, status, seconds) {
      const key = `${route}\0${method}\0${status}`;
      let child = children.get(key);
      if (!child) {
        child = { count: requests.labels(route, method, String(status)), time: duration.labels(route, method) };
        children.set(key, child);
      }
      child.count.inc();
      child.time.observe(seconds);
    },
    rateLimited: () => limited.inc(),
  };
}

function webhookMetrics(registers: Registers): WebhookMetrics {
  const deliveries = new Counter({
    name: "gatehouse_webhook_deliveries_total",
    help: "Webhook delivery attempts, by outcome.",
    labelNames: ["outcome"],
    registers,
  });
  // Every outcome from the start, at 0: a rate needs a first sample.
  const byOutcome = new Map(WEBHOOK_DELIVERY_OUTCOMES.map((outcome) => [outcome, deliveries.labels(outcome)]));
  for (const child of byOutcome.values()) child.inc(0);
  let depth: (() => number | Promise<number>) | null = null;
  new Gauge({
    name: "gatehouse_webhook_outbox_depth",
    help: "Webhook deliveries not yet delivered.",
    registers,
    // Every worker reads the same database-wide count: the cluster's view is one of them, not their sum.
    aggregator: "max",
    async collect() {
      if (!depth) return;
      try {
        this.set(await depth());
      } catch {
        // The database could not answer: the last value stands, the scrape goes on.
      }
    },
  });
  return {
    delivery: (outcome) => (byOutcome.get(outcome) ?? deliveries.labels(outcome)).inc(),
    watchOutboxDepth(read) {
      depth = read;
    },
  };
}

function queryTimers(registers: Registers): Metrics["queryTimer"] {
  const queries = new Histogram({
    name: "gatehouse_db_query_duration_seconds",
    help: "Time a store operation took (a repository method, or a whole transaction), by operation.",
    labelNames: ["operation"],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  return (operation) => {
    const child = queries.labels(operation);
    return (seconds) => child.observe(seconds);
  };
}
