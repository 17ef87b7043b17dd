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

/** Composition root without HTTP: store (migrated) → core. The CLI uses exactly this. */
export async function createGatehouse(config: Config, log: Logger = createLogger(config.logLevel)): Promise<Gatehouse> {
  const { store, migrate } = await openStore(config);
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
    });
    const close = async () => {
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

export type Server = Gatehouse & { app: FastifyInstance };

/** How often a serving process deletes ended sessions, codes and counters. */
const HOUSEKEEPING_INTERVAL_MS = 10 * 60_000;

/** The full server: store → core → HTTP app with the enabled dialects. Not yet listening. */
export async function createServer(config: Config, log: Logger = createLogger(config.logLevel)): Promise<Server> {
  const dialects = selectDialects(config.dialects);
  const gatehouse = await createGatehouse(config, log);
  for (const dialect of dialects) {
    const client = dialect.builtInClient?.(settingsOf(dialect, config.dialectSettings));
    if (client) await gatehouse.core.ensureBuiltInClient(client);
  }
  if (config.console) await gatehouse.core.ensureBuiltInClient(consoleClient(config));
  const app = await buildApp({ core: gatehouse.core, config, dialects, logger: log });
  // Every serving process runs it; the deletes are idempotent. Unref'd: it never keeps the process up.
  const housekeeping = setInterval(() => void gatehouse.core.purgeEnded(), HOUSEKEEPING_INTERVAL_MS);
  housekeeping.unref();
  return {
    ...gatehouse,
    app,
    close: async () => {
      clearInterval(housekeeping);
      await app.close();
      await gatehouse.close();
    },
  };
}
