import type { FastifyInstance } from "fastify";
import { type HttpMetrics, UNMATCHED_ROUTE } from "../metrics/registry.js";

/**
 * Counts and times every answered request by its route pattern (`/v1/admin/users/:id`, never
 * the URL asked for), method and status; a request that matched no route is counted under one
 * fixed route label. The time is Fastify's own measure of the request (`reply.elapsedTime`), so
 * the hook adds no clock reads of its own.
 */
export function registerRequestMetrics(app: FastifyInstance, metrics: HttpMetrics): void {
  // Callback style: it runs on every request, and an async hook costs a promise each.
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE);
    metrics.request(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
