import {
  type AuditEvent,
  type CoreMetrics,
  type MailSender,
  SELF_TRANSACTING,
  type Store,
  type TransactionOptions,
  type TransactionRepositories,
} from "./ports.js";
import { isAuthError } from "./errors.js";
import type { PasswordHasher } from "./passwords/hasher.js";
import type { PasswordPolicy } from "./passwords/policy.js";
import type { SessionPolicy } from "./sessions/sessions.js";
import type { JwtService } from "./tokens/jwt.js";
import type { WebhookContext } from "./webhooks/outbox.js";

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
  /** Days audit records are kept before the housekeeping deletes them; 0 keeps them forever. */
  auditRetentionDays: number;
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
  /** The webhook outbox's settings, its endpoint secrets' seal and the dispatcher's wake-up. */
  webhooks: WebhookContext;
  /** Counters for the metrics; no-ops when there are none. */
  metrics: CoreMetrics;
};

/**
 * The context a helper needs that only runs statements, in or outside a transaction: its store
 * has no method that opens a transaction, so none can be called from it (a compile error). Both
 * a `CoreContext` and a `TransactionContext` are one.
 */
export type StatementContext = Omit<CoreContext, "store"> & { store: TransactionRepositories };

/** Where a request came from, for sessions and the audit trail. */
export type RequestMeta = { ip: string | null; userAgent: string | null };

/**
 * Records an audit event; a failure to record is logged, never surfaced to the caller. Within a
 * transaction (`inTransaction`), the record commits with the rest; on PostgreSQL a failed insert
 * fails that transaction, so that no login is ever committed without its record.
 */
export async function audit(ctx: StatementContext, event: Omit<AuditEvent, "at">): Promise<void> {
  const record = logAudit(ctx, event);
  try {
    await ctx.store.audit.record(record);
  } catch (error) {
    ctx.log.error({ err: error, audit: record.event }, "audit record failed");
  }
}

/** The audit record's log line (the log is the record that needs no database). */
function logAudit(ctx: StatementContext, event: Omit<AuditEvent, "at">): AuditEvent {
  const record = { ...event, at: ctx.now() };
  const { event: audit, outcome, userId, clientId, ip, detail, actor } = record;
  ctx.log.info({ audit, outcome, userId, clientId, ip, detail, ...(actor ? { actor } : {}) }, "audit");
  return record;
}

/**
 * Runs `work`; if it fails with anything but one of our own refusals (the database could not
 * answer, say), the failed `event` is audited with detail `error`, in the log only, since the
 * database that would store the record is what failed, and the error goes on (a 503 at the edge
 * when the database is unavailable).
 */
export async function auditingFailures<T>(
  ctx: CoreContext,
  event: Pick<AuditEvent, "event" | "clientId" | "ip">,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isAuthError(error)) logAudit(ctx, { ...event, outcome: "failure", detail: "error" });
    throw error;
  }
}

/**
 * What a method that opens a transaction becomes inside one: no call to it type-checks (no
 * argument is assignable to `never`), and one made through a wider type throws. On SQLite such
 * a transaction would wait for the batch its caller holds open: a deadlock.
 */
type Refused = (...forbidden: never[]) => never;

type SelfTransacting = typeof SELF_TRANSACTING;

/**
 * The store of a context inside a transaction: the repositories bound to it, with every
 * self-transacting method (and `transaction`) refused.
 */
export type TransactionStore = {
  [R in keyof TransactionRepositories]: R extends keyof SelfTransacting
    ? TransactionRepositories[R] & Record<SelfTransacting[R][number], Refused>
    : TransactionRepositories[R];
} & { transaction: Refused; ping: Store["ping"]; close: Store["close"] };

/**
 * A context whose store is one transaction (given by `inTransaction`). It can be handed to a
 * function that takes a `CoreContext`; there a refused method fails when called.
 */
export type TransactionContext = Omit<CoreContext, "store"> & {
  store: TransactionStore;
  /** Marks the context: `inTransaction` does not accept it. */
  readonly withinTransaction: true;
  /** Runs `callback` once the transaction has committed (never if it rolls back). */
  afterCommit(callback: () => void): void;
};

/**
 * Runs `work` with a context whose store is one transaction: its writes (audit records
 * included) commit together, once. `work` may await only that store (see `Store.transaction`).
 * A context that is already inside a transaction is refused, at compile time where its type
 * says so, and otherwise when called.
 */
export function inTransaction<T>(
  ctx: CoreContext & { readonly withinTransaction?: never },
  work: (tx: TransactionContext) => Promise<T>,
  options?: TransactionOptions,
): Promise<T> {
  const committed: (() => void)[] = [];
  const afterCommit = (callback: () => void) => void committed.push(callback);
  return ctx.store
    .transaction(
      (repositories) => work({ ...ctx, store: transactionStore(ctx.store, repositories), withinTransaction: true, afterCommit }),
      options,
    )
    .then((result) => {
      for (const callback of committed) callback();
      return result;
    });
}

function transactionStore(store: Store, repositories: TransactionRepositories): TransactionStore {
  const refusing = Object.fromEntries(
    Object.entries(SELF_TRANSACTING).map(([name, methods]) => [
      name,
      { ...repositories[name as keyof SelfTransacting], ...Object.fromEntries(methods.map((method) => [method, refuse])) },
    ]),
  );
  return { ...repositories, ...refusing, transaction: refuse, ping: store.ping, close: store.close } as TransactionStore;
}

const refuse: Refused = () => {
  throw new Error("a transaction cannot be opened inside another");
};

/** Runs `work` in the caller's transaction when `ctx` is inside one, else in a transaction of its own. */
export function joinTransaction<T>(
  ctx: CoreContext | TransactionContext,
  work: (tx: TransactionContext) => Promise<T>,
): Promise<T> {
  if ("withinTransaction" in ctx && ctx.withinTransaction) return work(ctx);
  return inTransaction(ctx as CoreContext, work);
}
