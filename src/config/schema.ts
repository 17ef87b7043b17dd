/**
 * Every setting of the core and the shared HTTP server, in one table: environment name,
 * default, documentation and parser. Each dialect declares its own settings in its folder;
 * `loadConfig` validates both together. The README's configuration table is checked against
 * them by a test.
 */

import { availableParallelism } from "node:os";
import { boolean, DAY, integer, list, oneOf, type Setting, type SettingValues, seconds, text, url } from "./setting.js";

export const settings = {
  port: { env: "PORT", default: "8080", doc: "TCP port the HTTP server listens on.", parse: integer(0, 65_535) },
  host: { env: "HOST", default: "0.0.0.0", doc: "Address the HTTP server binds to.", parse: text },
  metricsPort: {
    env: "METRICS_PORT",
    default: "9464",
    doc: "TCP port of the private Prometheus listener (`GET /metrics`), never the public port; empty: no metrics at all.",
    parse: (raw: string): number | null => (raw === "" ? null : integer(0, 65_535)(raw)),
  },
  metricsHost: {
    env: "METRICS_HOST",
    default: "127.0.0.1",
    doc: "Address the metrics listener binds to; keep it private (loopback or an internal network).",
    parse: (raw: string): string => {
      if (!/^[\w.:-]+$/.test(raw)) throw new Error(`must be an IP address or host name, got "${raw}"`);
      return raw;
    },
  },
  databaseUrl: {
    env: "DATABASE_URL",
    default: "sqlite:./data/gatehouse.db",
    doc: "`sqlite:<path>` (created and migrated on first start) or `postgres://user:pass@host:5432/db`.",
    parse: (raw: string) => {
      if (/^postgres(ql)?:\/\/[^/]/.test(raw)) return raw;
      if (!raw.startsWith("sqlite:") || raw.length <= "sqlite:".length) {
        throw new Error("must look like sqlite:<path> or postgres://host/db");
      }
      return raw;
    },
  },
  dbPoolSize: {
    env: "DB_POOL_SIZE",
    default: "10",
    doc: "Most PostgreSQL connections per process.",
    parse: integer(1, 500),
  },
  dbStatementTimeoutMs: {
    env: "DB_STATEMENT_TIMEOUT_MS",
    default: "5000",
    doc: "PostgreSQL statement timeout and connection-acquire timeout in ms; past it a request gets 503.",
    parse: integer(100, 600_000),
  },
  workers: {
    env: "WORKERS",
    default: "1",
    doc: "Worker processes sharing the port (`auto`: one per core); each is a full Gatehouse.",
    parse: (raw: string): number | "auto" => (raw === "auto" ? "auto" : integer(1, 256)(raw)),
  },
  redisUrl: {
    env: "REDIS_URL",
    default: "",
    doc: "`redis://host:6379`: per-IP rate-limit counters shared by every process; empty: counted per process.",
    parse: (raw: string) => {
      if (raw !== "" && !/^rediss?:\/\/./.test(raw)) throw new Error("must look like redis://host:6379");
      return raw;
    },
  },
  rateLimitMax: {
    env: "RATE_LIMIT_MAX",
    default: "300",
    doc: "Requests one client IP may make per `RATE_LIMIT_WINDOW` seconds before getting 429 (probes and key documents excepted).",
    parse: integer(1, 1_000_000),
  },
  rateLimitWindow: {
    env: "RATE_LIMIT_WINDOW",
    default: "60",
    doc: "Length of the rate-limit window in seconds.",
    parse: integer(1, 86_400),
  },
  logLevel: {
    env: "LOG_LEVEL",
    default: "info",
    doc: "fatal, error, warn, info, debug, trace or silent.",
    parse: oneOf("fatal", "error", "warn", "info", "debug", "trace", "silent"),
  },
  dialects: {
    env: "DIALECTS",
    default: "all",
    doc: "Comma-separated legacy dialects to serve (see [Dialects](#dialects)), `all` or `none`.",
    parse: list,
  },
  issuer: {
    env: "ISSUER",
    default: "http://localhost:8080",
    doc: "Public base URL; the `iss` of every token and the base of the metadata document.",
    parse: url,
  },
  trustProxy: {
    env: "TRUST_PROXY",
    default: "false",
    doc: "Take the client IP from `X-Forwarded-For` only when the direct peer is trusted: `false`, `true`, or a comma-separated list of addresses/CIDRs.",
    parse: (raw: string): boolean | string[] => (raw === "true" ? true : raw === "false" || raw === "" ? false : list(raw)),
  },
  jwtAlg: {
    env: "JWT_ALG",
    default: "EdDSA",
    doc: "Access-token signing algorithm: `EdDSA` (Ed25519), `ES256`, `RS256`, or `HS256` (needs `JWT_SECRET`).",
    parse: oneOf("EdDSA", "ES256", "RS256", "HS256"),
  },
  jwtSecret: {
    env: "JWT_SECRET",
    default: "",
    doc: "Shared secret for `JWT_ALG=HS256`: at least 32 bytes of randomness. Ignored otherwise.",
    parse: text,
  },
  accessTokenTtl: seconds("ACCESS_TOKEN_TTL", 900, "Lifetime in seconds of access tokens issued by `/oauth/token`.", 30 * DAY),
  refreshTokenTtl: seconds(
    "REFRESH_TOKEN_TTL",
    30 * DAY,
    "Absolute lifetime in seconds of a `/oauth/token` session and its refresh tokens.",
  ),
  refreshTokenIdleTtl: seconds(
    "REFRESH_TOKEN_IDLE_TTL",
    7 * DAY,
    "Seconds an opaque refresh token may go unused before it dies; each rotation starts a new period, never past the session's absolute end.",
  ),
  sessionPolicy: {
    env: "SESSION_POLICY",
    default: "per-terminal",
    doc: "`per-terminal`: a login on a terminal (device) revokes that terminal's previous session; `single`: a login revokes every other session of the user; `unlimited`.",
    parse: oneOf("per-terminal", "single", "unlimited"),
  },
  maxSessionsPerUser: {
    env: "MAX_SESSIONS_PER_USER",
    default: "50",
    doc: "Most live sessions one user may have; a new login beyond it revokes the oldest.",
    parse: integer(1, 10_000),
  },
  smtpUrl: {
    env: "SMTP_URL",
    default: "",
    doc: "Mail server for verification codes, e.g. `smtp://user:pass@host:587` or `smtps://...`; empty: mails are written to the log (development only).",
    parse: (raw: string) => {
      if (raw === "") return "";
      if (!/^smtps?:\/\/[^/]/.test(raw)) throw new Error("must look like smtp://host:port or smtps://user:pass@host");
      return raw;
    },
  },
  mailFrom: {
    env: "MAIL_FROM",
    default: "Gatehouse <no-reply@localhost>",
    doc: "Sender of verification mails.",
    parse: text,
  },
  serviceName: {
    env: "SERVICE_NAME",
    default: "Gatehouse",
    doc: "Name shown in the subject and signature of mails; passwords containing it are refused.",
    parse: text,
  },
  codeTtl: {
    env: "CODE_TTL",
    default: "300",
    doc: "Seconds an email verification code stays valid.",
    parse: integer(1, 86_400),
  },
  codeResendCooldown: {
    env: "CODE_RESEND_COOLDOWN",
    default: "60",
    doc: "Seconds before another code may be sent to the same address.",
    parse: integer(0, 86_400),
  },
  codeDailyCap: {
    env: "CODE_DAILY_CAP",
    default: "10",
    doc: "Most codes sent to one address in 24 hours.",
    parse: integer(1, 1000),
  },
  lockoutThreshold: {
    env: "LOCKOUT_THRESHOLD",
    default: "10",
    doc: "Failed password checks after which an account is locked (counted per account, across processes).",
    parse: integer(1, 100),
  },
  lockoutSeconds: {
    env: "LOCKOUT_SECONDS",
    default: "30",
    doc: "First lock duration; each further lock before a successful login doubles it, up to an hour.",
    parse: integer(1, 3600),
  },
  passwordMinLength: {
    env: "PASSWORD_MIN_LENGTH",
    default: "8",
    doc: "Minimum password length in Unicode code points (NIST SP 800-63B-4 asks 15 for single-factor use).",
    parse: integer(1, 64),
  },
  passwordMaxLength: {
    env: "PASSWORD_MAX_LENGTH",
    default: "128",
    doc: "Maximum password length in code points; longer passwords are rejected before hashing, never truncated.",
    parse: integer(64, 1024),
  },
  argon2MemoryKib: {
    env: "ARGON2_MEMORY_KIB",
    default: "19456",
    doc: "Argon2id memory cost in KiB (OWASP minimum 19456).",
    parse: integer(19_456, 4_194_304),
  },
  argon2Iterations: {
    env: "ARGON2_ITERATIONS",
    default: "2",
    doc: "Argon2id time cost (OWASP minimum 2 at 19456 KiB).",
    parse: integer(2, 100),
  },
  hashConcurrency: {
    env: "HASH_CONCURRENCY",
    default: "auto",
    doc: "Argon2id runs at once per process (`auto`: one per core); each takes about `ARGON2_MEMORY_KIB` of memory.",
    parse: (raw: string): number => (raw === "auto" ? availableParallelism() : integer(1, 256)(raw)),
  },
  hashQueueMax: {
    env: "HASH_QUEUE_MAX",
    default: "64",
    doc: "Logins and registrations that may wait for a hashing slot per process; beyond them requests get 503 with Retry-After.",
    parse: integer(0, 100_000),
  },
  auditRetentionDays: {
    env: "AUDIT_RETENTION_DAYS",
    default: "365",
    doc: "Days audit records are kept; older ones are deleted by the housekeeping every 10 minutes, in bounded batches (archive them first with `audit export`). `0` keeps them forever.",
    parse: integer(0, 36_500),
  },
  console: {
    env: "CONSOLE",
    default: "true",
    doc: "Serve the admin console at `/console` (see [Admin console](#admin-console)); `false`: those paths are 404.",
    parse: boolean,
  },
  bodyLimit: {
    env: "BODY_LIMIT",
    default: "16384",
    doc: "Largest accepted request body in bytes; larger bodies get 413.",
    parse: integer(1024, 1_048_576),
  },
  requestTimeoutMs: {
    env: "REQUEST_TIMEOUT_MS",
    default: "30000",
    doc: "Time in ms a client has to send a whole request (Node's `requestTimeout`).",
    parse: integer(1000, 300_000),
  },
  // Webhooks (docs/events.md)
  webhookAllowPrivate: {
    env: "WEBHOOK_ALLOW_PRIVATE",
    default: "false",
    doc: "`true`: webhook endpoints may be on private, loopback and link-local addresses (tests, private networks).",
    parse: boolean,
  },
  webhookRetentionDays: {
    env: "WEBHOOK_RETENTION_DAYS",
    default: "7",
    doc: "Days a delivered (or given-up) webhook delivery is kept, for inspection and `webhook replay`.",
    parse: integer(1, 3650),
  },
  webhookTimeoutMs: {
    env: "WEBHOOK_TIMEOUT_MS",
    default: "10000",
    doc: "Time in ms one webhook delivery attempt may take.",
    parse: integer(100, 60_000),
  },
  webhookRetryBaseMs: {
    env: "WEBHOOK_RETRY_BASE_MS",
    default: "5000",
    doc: "Wait in ms before a failed webhook delivery's first retry (then doubling, with jitter, up to an hour); lowered only in tests.",
    parse: integer(100, 600_000),
  },
} satisfies Record<string, Setting<unknown>>;

export type Settings = typeof settings;

/** Each dialect's parsed settings, by dialect name. */
export type DialectSettings = { readonly [dialect: string]: Readonly<Record<string, unknown>> };

export type Config = SettingValues<Settings> & { readonly dialectSettings: DialectSettings };
