import rateLimit from "@fastify/rate-limit";
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from "fastify";
import type { Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import type { HttpMetrics } from "../metrics/registry.js";

export type RateLimitSettings = Pick<Config, "rateLimitMax" | "rateLimitWindow" | "redisUrl">;

/** Redis keys are `gatehouse:rate-limit:<client ip>`, after any `keyPrefix` the URL sets. */
const NAMESPACE = "gatehouse:rate-limit:";
/** The longest a request waits for a Redis that accepted the connection but does not answer. */
const REDIS_COMMAND_TIMEOUT_MS = 500;
/** The longest start-up waits for the first connection attempt before serving anyway. */
const REDIS_FIRST_CONNECT_MS = 2_000;

/**
 * Per-client-IP request limit on every route but the probes and the public key documents,
 * which load balancers and resource servers poll and which check no secret.
 *
 * The key is `request.ip`, which honours `TRUST_PROXY` only, so a forged `X-Forwarded-For` on
 * a direct connection does not give a fresh counter; IPv6 clients are counted per /64, as the
 * plugin does by default. Counters live in Redis when `REDIS_URL` is set (shared by every
 * process), otherwise in a bounded in-process LRU.
 *
 * Over the limit, the plugin sets `Retry-After` and throws an error with `statusCode` 429 from
 * an `onRequest` hook. That error reaches the error handler of the route's own front door,
 * which maps it to `rate_limited` (see problems.ts) and answers in its own wire shape.
 *
 * Must be registered before any route: the plugin attaches its hook as routes are added.
 */
export async function registerRateLimit(
  app: FastifyInstance,
  settings: RateLimitSettings,
  metrics?: Pick<HttpMetrics, "rateLimited">,
): Promise<void> {
  const redis = settings.redisUrl ? await connectRedis(settings.redisUrl, app.log) : null;
  if (redis) app.addHook("onClose", () => closeRedis(redis));
  await app.register(rateLimit, {
    global: true,
    hook: "onRequest",
    max: settings.rateLimitMax,
    timeWindow: settings.rateLimitWindow * 1000,
    allowList: (request) => isExempt(request),
    // With Redis away the limit fails open: refusing every request, or making each one wait,
    // would turn a cache outage into an authentication outage. connectRedis logs the outage.
    skipOnError: true,
    // Only Retry-After, and only on a 429: a per-response remaining count would make responses
    // that must be byte-identical (unknown user vs wrong password, security S8) differ.
    addHeadersOnExceeding: { "x-ratelimit-limit": false, "x-ratelimit-remaining": false, "x-ratelimit-reset": false },
    addHeaders: { "x-ratelimit-limit": false, "x-ratelimit-remaining": false, "x-ratelimit-reset": false, "retry-after": true },
    ...(redis ? { redis, nameSpace: NAMESPACE } : {}),
    // Called once for each request the limit refuses.
    errorResponseBuilder: (_request, context) => {
      metrics?.rateLimited();
      return Object.assign(new Error(`rate limit exceeded, retry in ${context.after}`), {
        statusCode: 429,
        code: "GATEHOUSE_RATE_LIMITED",
      });
    },
  });
}

function isExempt(request: FastifyRequest): boolean {
  const route = request.routeOptions.url ?? "";
  return route === "/healthz" || route === "/readyz" || route.startsWith("/.well-known/");
}

/**
 * A Redis client that never makes a request wait for a Redis that is not there: commands fail
 * at once while disconnected (no offline queue) and time out when it stops answering, and the
 * client keeps reconnecting in the background. Outages are logged once, when they start and
 * when they end, not on every reconnection attempt.
 */
async function connectRedis(url: string, log: FastifyBaseLogger): Promise<Redis> {
  // Loaded only when configured: the client costs memory that most installations never use.
  const { Redis } = await import("ioredis");
  // Options in the URL's query (for example `?keyPrefix=`) are ioredis options and win.
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: REDIS_FIRST_CONNECT_MS,
  });
  let reachable = true;
  redis.on("error", (error: Error) => {
    if (!reachable) return;
    reachable = false;
    log.warn({ error: error.message }, "redis unreachable: rate limits are not enforced until it is back");
  });
  redis.on("ready", () => {
    if (!reachable) log.info("redis reachable again: rate limits enforced");
    reachable = true;
  });
  // Wait for the first attempt so that the first requests are already counted; a refused or
  // timed-out attempt does not stop the start.
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, REDIS_FIRST_CONNECT_MS);
    function done() {
      clearTimeout(timer);
      redis.off("ready", done);
      redis.off("error", done);
      resolve();
    }
    redis.once("ready", done);
    redis.once("error", done);
  });
  return redis;
}

/** QUIT when connected (bounded, so shutdown never waits on a stuck Redis), else drop the socket. */
async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === "ready") {
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, REDIS_COMMAND_TIMEOUT_MS).unref());
    await Promise.race([redis.quit().then(() => undefined), timeout]).catch(() => undefined);
  }
  if (redis.status !== "end") redis.disconnect();
}
