import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Config } from "./config/schema.js";
import { type Core, createCore } from "./core/index.js";
import { DIALECTS, selectDialects } from "./dialects/index.js";
import { settingsOf } from "./dialects/types.js";
import { buildApp } from "./http/app.js";
import { consoleClient } from "./http/console/client.js";
import { createLogger } from "./logger.js";
import { createLogSender } from "./mail/log.js";
import { openStore } from "./store/kysely/connect.js";
import type { Store } from "./core/ports.js";
import type { Dispatcher } from "./core/index.js";
import { createHttpTransport } from "./webhooks/http-transport.js";
import { type Metrics, type MetricsListener, metricsFor, serveProcessMetrics, timedStore } from "./metrics/index.js";

export type Gatehouse = { core: Core; store: Store; log: Logger; close: () => Promise<void> };

/**
 * No token outlives its session, so a retired signing key must have been superseded for longer
 * than the longest session any front door opens. Every dialect counts, enabled or not, so that
 * processes sharing a database agree whatever `DIALECTS` each serves.
 */
function longestTokenLifetime(config: Config): number {
  const dialects = DIALECTS.map((dialect) => dialect.longestTokenLifetime(settingsOf(dialect, config.dialectSettings)));
  return Math.max(config.accessTokenTtl, config.refreshTokenTtl, ...dialects);
}

/**
 * Composition root without HTTP: store (migrated) → core. The CLI uses exactly this, without
 * `metrics`.
 */
export async function createGatehouse(
  config: Config,
  log: Logger = createLogger(config.logLevel),
  metrics: Metrics | null = null,
): Promise<Gatehouse> {
  const opened = await openStore(config, metrics?.store);
  const { migrate } = opened;
  const store = metrics ? timedStore(opened.store, metrics) : opened.store;
  // The SMTP client is loaded only when configured, to keep the idle footprint small.
  const mail = config.smtpUrl
    ? (await import("./mail/smtp.js")).createSmtpSender(config.smtpUrl, config.mailFrom)
    : createLogSender(log);
  try {
    await migrate();
    const core = await createCore({
      store,
      mail,
      settings: {
        issuer: config.issuer,
        passwordPolicy: { minLength: config.passwordMinLength, maxLength: config.passwordMaxLength },
        accessTokenTtl: config.accessTokenTtl,
        refreshTokenTtl: config.refreshTokenTtl,
        refreshTokenIdleTtl: config.refreshTokenIdleTtl,
        sessionPolicy: config.sessionPolicy,
        maxSessionsPerUser: config.maxSessionsPerUser,
        codeTtl: config.codeTtl,
        codeCooldown: config.codeResendCooldown,
        codeDailyCap: config.codeDailyCap,
        serviceName: config.serviceName,
        lockoutThreshold: config.lockoutThreshold,
        lockoutSeconds: config.lockoutSeconds,
        auditRetentionDays: config.auditRetentionDays,
      },
      hashParams: { memoryKib: config.argon2MemoryKib, iterations: config.argon2Iterations },
      hashPool: { concurrency: config.hashConcurrency, queueMax: config.hashQueueMax },
      keyRetentionSeconds: longestTokenLifetime(config),
      // Tokens that a dialect issued stay ours (and verifiable) whatever `DIALECTS` says now.
      issuerPaths: DIALECTS.flatMap((dialect) => dialect.issuerPaths ?? []),
      jwtAlg: config.jwtAlg,
      jwtSecret: config.jwtSecret,
      log,
      webhooks: {
        allowPrivate: config.webhookAllowPrivate,
        timeoutMs: config.webhookTimeoutMs,
        retryBaseMs: config.webhookRetryBaseMs,
        retentionDays: config.webhookRetentionDays,
      },
      ...(metrics ? { metrics: metrics.core } : {}),
    });
    const close = async () => {
      // Reset mails queued after their request was answered go out before the store closes.
      await core.settlePendingMail();
      mail.close();
      await store.close();
    };
    return { core, store, log, close };
  } catch (error) {
    mail.close();
    await store.close();
    throw error;
  }
}

/** Closes what was opened before a start-up step failed, then fails with that step's error. */
const closing =
  (app: FastifyInstance, gatehouse: Gatehouse) =>
  async (error: unknown): Promise<never> => {
    await app.close();
    await gatehouse.close();
    throw error;
  };

export type Server = Gatehouse & {
  app: FastifyInstance;
  /** This process's webhook dispatcher (`onDelivery` reports each attempt's outcome). */
  webhooks: Dispatcher;
  /** The metrics listener of this process; `null` when metrics are off or a cluster primary serves them. */
  metricsListener: MetricsListener | null;
};

/** How often a serving process deletes ended sessions, codes and counters. */
const HOUSEKEEPING_INTERVAL_MS = 10 * 60_000;

/**
 * The full server: store → core → HTTP app with the enabled dialects. The public port is not yet
 * listening; the metrics listener is (see `serveProcessMetrics`).
 */
export async function createServer(config: Config, log: Logger = createLogger(config.logLevel)): Promise<Server> {
  const dialects = selectDialects(config.dialects);
  const metrics = metricsFor(config);
  const gatehouse = await createGatehouse(config, log, metrics);
  for (const dialect of dialects) {
    const client = dialect.builtInClient?.(settingsOf(dialect, config.dialectSettings));
    if (client) await gatehouse.core.ensureBuiltInClient(client);
  }
  if (config.console) await gatehouse.core.ensureBuiltInClient(consoleClient(config));
  const app = await buildApp({ core: gatehouse.core, config, dialects, logger: log, metrics: metrics?.http });
  const metricsListener = metrics ? await serveProcessMetrics(config, metrics, log).catch(closing(app, gatehouse)) : null;
  // Every serving process runs it; the deletes are idempotent. Unref'd: it never keeps the process up.
  const housekeeping = setInterval(() => void gatehouse.core.purgeEnded(), HOUSEKEEPING_INTERVAL_MS);
  housekeeping.unref();
  const { allowPrivate, timeoutMs } = gatehouse.core.webhookSettings;
  const webhooks = gatehouse.core.createWebhookDispatcher(createHttpTransport({ allowPrivate, timeoutMs }));
  if (metrics) {
    webhooks.onDelivery(metrics.webhooks.delivery);
    metrics.webhooks.watchOutboxDepth(() => gatehouse.core.webhookOutboxDepth());
  }
  webhooks.start();
  return {
    ...gatehouse,
    app,
    webhooks,
    metricsListener,
    close: async () => {
      clearInterval(housekeeping);
      await webhooks.stop();
      await metricsListener?.close();
      await app.close();
      await gatehouse.close();
    },
  };
}
