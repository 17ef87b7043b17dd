import type { FastifyInstance } from "fastify";

/** A route may set a `content-security-policy` of its own (the hosted pages do); this is the default. */
const DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'";

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
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
  // Callback-style hooks: they run on every request, and an async hook costs a promise each.
  app.addHook("onSend", (_request, reply, payload, done) => {
    reply.headers(SECURITY_HEADERS);
    if (!reply.hasHeader("content-security-policy")) reply.header("content-security-policy", DEFAULT_CSP);
    if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store");
    // Every documented 503 and 429 tells the client when to come back, whatever front door
    // answered. The rate limiter sets its own; a burst of one account's logins clears in moments.
    if (reply.statusCode === 503 && !reply.hasHeader("retry-after")) reply.header("retry-after", "5");
    if (reply.statusCode === 429 && !reply.hasHeader("retry-after")) reply.header("retry-after", "1");
    done(null, payload);
  });
  // The log level is set at start; below info, the request line is not even assembled.
  const logsRequests = app.log.level === "info" || app.log.level === "debug" || app.log.level === "trace";
  app.addHook("onResponse", (request, reply, done) => {
    if (logsRequests) {
      const path = request.url.split("?", 1)[0];
      request.log.info(
        { method: request.method, path, status: reply.statusCode, ms: Math.round(reply.elapsedTime), ip: request.ip },
        "request",
      );
    }
    done();
  });
}
