import type { FastifyInstance } from "fastify";

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-resource-policy": "same-origin",
} as const;

/**
 * Security headers on every response, errors included; `no-store` unless a route chose a
 * cache policy (only public documents do); one log line per request with the path but never
 * the query string, headers or body, where tokens and passwords travel.
 */
export function registerHardening(app: FastifyInstance): void {
  app.addHook("onSend", async (_request, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store");
    // Every documented 503 tells the client when to come back, whatever front door answered.
    if (reply.statusCode === 503 && !reply.hasHeader("retry-after")) reply.header("retry-after", "5");
    return payload;
  });
  app.addHook("onResponse", async (request, reply) => {
    const path = request.url.split("?", 1)[0];
    request.log.info(
      { method: request.method, path, status: reply.statusCode, ms: Math.round(reply.elapsedTime), ip: request.ip },
      "request",
    );
  });
}
