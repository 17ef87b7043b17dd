import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import type { Logger } from "pino";
import type { Config } from "./config/schema.js";
import { serveClusterMetrics } from "./metrics/index.js";
import { createGatehouse } from "./server.js";

/** First restart delay after a worker died; doubles with each further death within a minute. */
const RESTART_BASE_MS = 500;
const RESTART_MAX_MS = 30_000;
const CRASH_MEMORY_MS = 60_000;

/** How many processes `WORKERS` asks for; `auto` is one per core available to this process. */
export function workerCount(config: Pick<Config, "workers">): number {
  return config.workers === "auto" ? availableParallelism() : config.workers;
}

export type PrimaryOptions = {
  workers: number;
  /** Time the workers get to finish in-flight requests after SIGTERM/SIGINT before being killed. */
  graceMs: number;
};

/**
 * The cluster primary: it serves nothing itself. It prepares the database once, forks the
 * workers (each a full Gatehouse listening on the shared port), replaces a worker that dies
 * unexpectedly, and on SIGTERM/SIGINT passes the signal on and exits once every worker has
 * shut down gracefully: 0 if all of them exited cleanly, 1 otherwise or past the grace period.
 */
export async function runPrimary(config: Config, log: Logger, options: PrimaryOptions): Promise<void> {
  // Migrate and create the signing and hash keys here, before any worker starts: N processes
  // doing it at once on one SQLite file could fail, or each create a signing key of its own.
  const gatehouse = await createGatehouse(config, log);
  await gatehouse.close();
  log.info({ workers: options.workers, pid: process.pid }, "starting workers");
  // One metrics listener for the cluster: the workers' metrics summed (they open no port for it).
  const metrics = await serveClusterMetrics(config, log);
  const supervisor = createSupervisor(log, options.graceMs, () => metrics?.close());
  process.on("SIGTERM", () => supervisor.stop("SIGTERM"));
  process.on("SIGINT", () => supervisor.stop("SIGINT"));
  for (let i = 0; i < options.workers; i++) supervisor.fork();
}

function createSupervisor(log: Logger, graceMs: number, onStop: () => void) {
  const live = new Set<Worker>();
  const pendingRestarts = new Set<NodeJS.Timeout>();
  const crashes: number[] = [];
  let stopping = false;
  let clean = true;
  let anyListened = false;

  const fork = () => {
    const worker = cluster.fork();
    live.add(worker);
    worker.once("listening", () => {
      anyListened = true;
    });
    worker.once("exit", (code, signal) => {
      live.delete(worker);
      onExit(worker, code, signal);
    });
  };

  const onExit = (worker: Worker, code: number | null, signal: string | null) => {
    const pid = worker.process.pid;
    if (stopping) {
      if (code !== 0) {
        clean = false;
        log.warn({ pid, code, signal }, "worker did not shut down cleanly");
      }
      if (live.size === 0) process.exit(clean ? 0 : 1);
      return;
    }
    if (!anyListened) {
      // No worker ever got as far as listening: a restart would fail the same way (port taken,
      // database refused), so fail like a single process would instead of looping.
      log.error({ pid, code, signal }, "worker failed to start; stopping");
      clean = false;
      stop("startup failure");
      return;
    }
    const delayMs = nextRestartDelay(crashes);
    log.warn({ pid, code, signal, restartInMs: delayMs }, "worker died unexpectedly; starting a replacement");
    const timer = setTimeout(() => {
      pendingRestarts.delete(timer);
      if (!stopping) fork();
    }, delayMs);
    pendingRestarts.add(timer);
  };

  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    onStop();
    for (const timer of pendingRestarts) clearTimeout(timer);
    pendingRestarts.clear();
    log.info({ reason, workers: live.size }, "shutting down: waiting for the workers to finish");
    if (live.size === 0) process.exit(clean ? 0 : 1);
    // A signal of our own choosing (not a startup failure) is passed on as is.
    const signal = reason === "SIGINT" ? "SIGINT" : "SIGTERM";
    for (const worker of live) worker.process.kill(signal);
    const force = setTimeout(() => {
      log.error({ workers: live.size }, "shutdown grace period over; killing the remaining workers");
      for (const worker of live) worker.process.kill("SIGKILL");
      process.exit(1);
    }, graceMs);
    force.unref();
  };

  return { fork, stop };
}

/** Exponential backoff over the deaths of the last minute, so a crash loop does not spin. */
function nextRestartDelay(crashes: number[]): number {
  const now = Date.now();
  crashes.push(now);
  while (crashes.length > 0 && (crashes[0] as number) < now - CRASH_MEMORY_MS) crashes.shift();
  return Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** (crashes.length - 1));
}
