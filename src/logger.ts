import pino, { type Logger } from "pino";

/**
 * The process logger. Requests are serialised as method and path only: query strings, headers
 * and bodies carry tokens and passwords and never reach the log.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "gatehouse" },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: {
        req: (request: { method?: string; url?: string }) => ({ method: request.method, path: request.url?.split("?", 1)[0] }),
        res: (reply: { statusCode?: number }) => ({ status: reply.statusCode }),
      },
      redact: { paths: ["*.authorization", "*.password", "*.token", "*.secret", "*.client_secret"], censor: "[redacted]" },
    },
    destination,
  );
}
