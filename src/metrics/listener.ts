import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AggregatorRegistry, type Registry } from "prom-client";

/** A scrape: the exposition text and its content type. */
export type Scrape = () => Promise<{ contentType: string; body: string }>;

export type MetricsListener = {
  /** `http://host:port/metrics`. */
  url: string;
  close(): Promise<void>;
};

/** What the scrape log needs (pino's shape). */
type ScrapeLog = { warn(fields: Record<string, unknown>, message: string): void };

export const METRICS_PATH = "/metrics";

/** This process's own registry. */
export const scrapeRegistry =
  (registry: Registry): Scrape =>
  async () => ({ contentType: registry.contentType, body: await registry.metrics() });

/**
 * The cluster primary's view: every worker's registry, asked over the cluster's IPC channel and
 * summed (gauges and histograms alike, by their labels) by prom-client's AggregatorRegistry.
 */
export function scrapeWorkers(): Scrape {
  const aggregator = new AggregatorRegistry();
  return async () => ({ contentType: aggregator.contentType, body: await aggregator.clusterMetrics() });
}

/**
 * Makes this cluster worker answer the primary's scrapes with `registry` (the listeners that
 * AggregatorRegistry adds in a worker); the worker opens no port of its own for metrics.
 */
export function answerPrimaryScrapes(registry: Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry();
}

/**
 * A plain `node:http` server, apart from the public port: `GET /metrics` (a query string is
 * ignored) answers the scrape; the path with another method is 405, anything else 404. A scrape
 * that fails (a worker that does not answer) is 503, logged without detail of any request.
 */
export async function startMetricsListener(options: {
  host: string;
  port: number;
  scrape: Scrape;
  log: ScrapeLog;
}): Promise<MetricsListener> {
  const server = createServer((request, response) => void answer(request, response, options));
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { address, family, port } = server.address() as AddressInfo;
  const host = family === "IPv6" ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}${METRICS_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(
  request: IncomingMessage,
  response: ServerResponse,
  { scrape, log }: { scrape: Scrape; log: ScrapeLog },
): Promise<void> {
  const path = (request.url ?? "").split("?", 1)[0];
  if (path !== METRICS_PATH) return plain(response, 404, "not found\n");
  if (request.method !== "GET") {
    response.setHeader("allow", "GET");
    return plain(response, 405, "method not allowed\n");
  }
  try {
    const { contentType, body } = await scrape();
    response.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
    response.end(body);
  } catch (error) {
    log.warn({ error: (error as Error).message }, "metrics scrape failed");
    plain(response, 503, "metrics unavailable\n");
  }
}

function plain(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
  response.end(text);
}
