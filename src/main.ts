import cluster from "node:cluster";
import type { Logger } from "pino";
import { runPrimary, workerCount } from "./cluster.js";
import { ConfigError, loadConfig } from "./config/load.js";
import type { Config } from "./config/schema.js";
import { createLogger } from "./logger.js";
import { createServer } from "./server.js";

const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Loads the configuration and serves: in this process, or with `WORKERS` > 1 as a cluster
 * primary whose forked workers come back through here and serve in their own process.
 */
export async function serve(): Promise<void> {
  const config = loadConfigOrExit();
  const workers = workerCount(config);
  if (workers > 1 && cluster.isPrimary) {
    // The primary's own deadline leaves the workers their full grace period first.
    return runPrimary(config, createLogger(config.logLevel), { workers, graceMs: SHUTDOWN_GRACE_MS + 2_000 });
  }
  const log = createLogger(config.logLevel);
  return serveHere(config, cluster.isWorker ? log.child({ pid: process.pid }) : log);
}

/** The configuration, or exit 2 naming every problem (unknown dialects included). */
function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
}

/** Starts the server in this process and stops it gracefully on SIGTERM/SIGINT. */
async function serveHere(config: Config, log: Logger): Promise<void> {
  const server = await createServer(config, log);
  const address = await server.app.listen({ port: config.port, host: config.host });
  log.info({ address, dialects: config.dialects }, "gatehouse listening");

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down: finishing in-flight requests");
    const force = setTimeout(() => {
      log.error("shutdown grace period over; exiting");
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, "error during shutdown");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}
