import { ConfigError, loadConfig } from "./config/load.js";
import { createLogger } from "./logger.js";
import { createServer, type Server } from "./server.js";

const SHUTDOWN_GRACE_MS = 10_000;

/** Loads the configuration, starts the server and stops it gracefully on SIGTERM/SIGINT. */
export async function serve(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  let server: Server;
  try {
    config = loadConfig();
    server = await createServer(config, createLogger(config.logLevel));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const { log } = server;
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
