import type { AuditEvent, MailSender, Store, TransactionOptions } from "./ports.js";
import type { PasswordHasher } from "./passwords/hasher.js";
import type { PasswordPolicy } from "./passwords/policy.js";
import type { SessionPolicy } from "./sessions/sessions.js";
import type { JwtService } from "./tokens/jwt.js";

/** What the log needs from the core: structured, never handed a secret. */
export type CoreLogger = {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
};

export type CoreSettings = {
  issuer: string;
  passwordPolicy: PasswordPolicy;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  /** Seconds an opaque refresh token may go unused before it dies (rotation starts it again). */
  refreshTokenIdleTtl: number;
  sessionPolicy: SessionPolicy;
  maxSessionsPerUser: number;
  /** Verification codes: validity, resend cooldown (seconds) and sends per address per day. */
  codeTtl: number;
  codeCooldown: number;
  codeDailyCap: number;
  /** Per-account lockout: failures before a lock, and the first lock's length in seconds. */
  lockoutThreshold: number;
  lockoutSeconds: number;
  /** The name mails are signed with. */
  serviceName: string;
};

/** Everything a use case may touch. Built once by `createCore`. */
export type CoreContext = {
  store: Store;
  settings: CoreSettings;
  hasher: PasswordHasher;
  mail: MailSender;
  jwt: JwtService;
  /** Keyed hash (HMAC-SHA256 with a server key) for high-entropy secrets. */
  secretHash: (secret: string) => string;
  now: () => number;
  log: CoreLogger;
};

/** Where a request came from, for sessions and the audit trail. */
export type RequestMeta = { ip: string | null; userAgent: string | null };

/**
 * Records an audit event; a failure to record is logged, never surfaced to the caller. Within a
 * transaction (`inTransaction`), the record commits with the rest; on PostgreSQL a failed insert
 * fails that transaction, so that no login is ever committed without its record.
 */
export async function audit(ctx: CoreContext, event: Omit<AuditEvent, "at">): Promise<void> {
  const record = { ...event, at: ctx.now() };
  const { event: audit, outcome, userId, clientId, ip, detail } = record;
  ctx.log.info({ audit, outcome, userId, clientId, ip, detail }, "audit");
  try {
    await ctx.store.audit.record(record);
  } catch (error) {
    ctx.log.error({ err: error, audit: record.event }, "audit record failed");
  }
}

/**
 * Runs `work` with a context whose store is one transaction: its writes (audit records
 * included) commit together, once. `work` may await only that store (see `Store.transaction`).
 */
export function inTransaction<T>(
  ctx: CoreContext,
  work: (tx: CoreContext) => Promise<T>,
  options?: TransactionOptions,
): Promise<T> {
  return ctx.store.transaction(
    (repositories) => work({ ...ctx, store: { ...ctx.store, ...repositories, transaction: refuseNestedTransaction } }),
    options,
  );
}

/** On SQLite a nested transaction would wait for the batch its caller holds open: a deadlock. */
const refuseNestedTransaction = (): never => {
  throw new Error("a transaction cannot be opened inside another");
};
