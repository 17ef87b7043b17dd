import cluster from "node:cluster";
import { answerPrimaryScrapes, type MetricsListener, scrapeRegistry, scrapeWorkers, startMetricsListener } from "./listener.js";
import { createMetrics, type Metrics } from "./registry.js";

export { createMetrics, type Metrics, type WebhookMetrics, type WebhookDeliveryOutcome } from "./registry.js";
export { timedStore } from "./store.js";
export type { MetricsListener } from "./listener.js";

type Log = {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
};
/** `METRICS_PORT` (`null`: off) and `METRICS_HOST`. */
type MetricsSettings = { readonly metricsPort: number | null; readonly metricsHost: string };

/** This serving process's metrics, or `null` when `METRICS_PORT` is empty (metrics off). */
export const metricsFor = (config: MetricsSettings): Metrics | null => (config.metricsPort === null ? null : createMetrics());

/**
 * Serves this process's metrics: on the metrics listener when it is the only process, or, in a
 * cluster worker, to the primary over IPC (the primary's listener serves every worker's sum).
 */
export async function serveProcessMetrics(config: MetricsSettings, metrics: Metrics, log: Log): Promise<MetricsListener | null> {
  if (cluster.isWorker) {
    answerPrimaryScrapes(metrics.registry);
    return null;
  }
  return listenForScrapes(config, scrapeRegistry(metrics.registry), log);
}

/** The cluster primary's listener: the aggregated view of all workers; `null` when metrics are off. */
export async function serveClusterMetrics(config: MetricsSettings, log: Log): Promise<MetricsListener | null> {
  return config.metricsPort === null ? null : listenForScrapes(config, scrapeWorkers(), log);
}

async function listenForScrapes(config: MetricsSettings, scrape: ReturnType<typeof scrapeWorkers>, log: Log) {
  const listener = await startMetricsListener({ host: config.metricsHost, port: config.metricsPort ?? 0, scrape, log });
  log.info({ address: listener.url }, "metrics listening");
  return listener;
}
