import type { UserRecord } from "../ports.js";
import { audit, type CoreContext, inTransaction, type RequestMeta, type TransactionContext } from "../context.js";
import { AuthError } from "../errors.js";
import { normalisePassword } from "../passwords/policy.js";
import { canonicalEmail, lookupUsername } from "./identifiers.js";

/**
 * The account an identifier names: a login name, or (when allowed and it has an `@`) an email.
 * An identifier that cannot be a name or an address names no account; a failing lookup is no
 * answer at all, and its error goes on (a database that cannot be reached is a 503).
 */
async function findAccount(ctx: CoreContext, identifier: string, mayBeEmail: boolean): Promise<UserRecord | null> {
  if (mayBeEmail && identifier.includes("@")) {
    const canonical = lookupEmail(identifier);
    return canonical === null ? null : ctx.store.users.findByCanonicalEmail(canonical);
  }
  const canonical = lookupUsername(identifier);
  return canonical === null ? null : ctx.store.users.findByCanonicalName(canonical);
}

/** The lookup form of an address that may not be valid; `null` when it cannot exist. */
function lookupEmail(identifier: string): string | null {
  try {
    return canonicalEmail(identifier);
  } catch (error) {
    if (error instanceof AuthError && error.code === "email_invalid") return null;
    throw error;
  }
}

const MAX_LOCK_MS = 3_600_000;

/**
 * The failed-login counter an attempt is charged to: the account's, or, for a name that belongs
 * to no account, one kept under a keyed hash of the name. Both are counted and locked by the
 * same rules and the same kind of statement, so that neither the answers nor their timing
 * reveal whether an account exists. Its statements run in the transaction they are given.
 */
function attemptCounter(ctx: CoreContext, user: UserRecord | null, identifier: string) {
  const { lockoutThreshold: threshold } = ctx.settings;
  if (user) {
    return {
      reserve: (tx: TransactionContext) => tx.store.users.reserveLoginAttempt(user.id, ctx.now(), threshold),
      lockIfOverThreshold: (tx: TransactionContext, lockMs: number) =>
        tx.store.users.lockIfOverThreshold(user.id, ctx.now(), threshold, lockMs),
    };
  }
  const key = ctx.secretHash(`login:${identifier.normalize("NFKC").toLowerCase()}`);
  return {
    reserve: (tx: TransactionContext) => tx.store.loginThrottle.reserve(key, ctx.now(), threshold),
    lockIfOverThreshold: (tx: TransactionContext, lockMs: number) =>
      tx.store.loginThrottle.lockIfOverThreshold(key, ctx.now(), threshold, lockMs),
  };
}

/** A successful check: the account, and its password's new hash when the stored one was weaker. */
export type CheckedCredentials = { user: UserRecord; upgradedHash: string | null };

/**
 * Checks a username and password. An unknown user costs one dummy Argon2id verification, so
 * it is indistinguishable from a wrong password in result and timing. Each check on an
 * account (and each unknown name) is counted in the database, and its result used only if the
 * count admits it; past the threshold it is locked for a progressively longer time and answers
 * exactly like a wrong password. A disabled account is reported only after its password was
 * verified. A weaker stored hash is hashed anew. The caller records the success with
 * `withRecordedSuccess`.
 */
export async function checkCredentials(
  ctx: CoreContext,
  username: string,
  password: string,
  meta: RequestMeta,
  identifierMayBeEmail = false,
): Promise<CheckedCredentials> {
  let normalised: string;
  try {
    normalised = normalisePassword(password, ctx.settings.passwordPolicy);
  } catch {
    // Over-long or unstorable: cannot match any stored password; refused before hashing.
    throw new AuthError("invalid_credentials");
  }
  // Shed before counting an attempt: a refused request must not bring its account nearer a lock.
  if (ctx.hasher.saturated()) throw new AuthError("service_unavailable", "the server is at capacity");
  const user = await findAccount(ctx, username, identifierMayBeEmail);
  const counter = attemptCounter(ctx, user, username);
  // Every refusal (unknown name, wrong password, disabled, locked) runs one Argon2id verification
  // and statements of the same kind, so that neither answers nor timing tell them apart. The
  // count and the verification run side by side: the answer waits for the verification, which
  // takes far longer, so the count's cost (an account's row, or a name's counter) does not show
  // in it. A locked attempt's verification is discarded: it must not learn whether the password
  // was right. The count is lazily flushed (committed, not yet forced to the disk): a successful
  // login's durable commit takes it along; a refusal is no acknowledged write (see `refuse`).
  const [admitted, verified] = await Promise.all([
    inTransaction(ctx, (tx) => counter.reserve(tx), { lazyFlush: true }),
    ctx.hasher.verify(user?.passwordHash ?? null, normalised),
  ]);
  const matches = admitted && verified;
  if (!admitted || !user || !matches || user.status !== "active") {
    return refuse(ctx, { user, admitted, matches, counter, ip: meta.ip });
  }
  const upgradedHash = ctx.hasher.needsRehash(user.passwordHash) ? await ctx.hasher.hash(normalised) : null;
  return { user, upgradedHash };
}

type Refusal = {
  user: UserRecord | null;
  admitted: boolean;
  matches: boolean;
  counter: ReturnType<typeof attemptCounter>;
  ip: string | null;
};

/**
 * Locks the counter once it is over the threshold, audits, and throws: one transaction, lazily
 * flushed. A refusal acknowledges no write, so it need not wait for the disk. Every refusal then
 * costs the same whatever it wrote: the disk flush, whose time depends on how many pages a commit
 * changed (a new counter for an unknown name, an update of an account), stays out of its answer,
 * whose timing must not tell whether the account exists. A crash of the process loses none of it;
 * only a power loss in the next moments can forget the last refusals' counts and audit records.
 */
async function refuse(ctx: CoreContext, { user, admitted, matches, counter, ip }: Refusal): Promise<never> {
  const lockMs = Math.min(ctx.settings.lockoutSeconds * 1000 * 2 ** (user?.lockouts ?? 0), MAX_LOCK_MS);
  const disabled = admitted && user !== null && matches;
  await inTransaction(
    ctx,
    async (tx) => {
      if (await counter.lockIfOverThreshold(tx, lockMs)) {
        await audit(tx, { event: "account_locked", outcome: "success", userId: user?.id ?? null, ip, detail: `${lockMs} ms` });
      }
      const detail = !admitted ? "locked" : disabled ? "disabled" : null;
      await audit(tx, { event: "login", outcome: "failure", userId: user?.id ?? null, ip, detail });
    },
    { lazyFlush: true },
  );
  throw new AuthError(disabled ? "account_disabled" : "invalid_credentials");
}

/**
 * After a successful check, one transaction: first the failures are forgotten and a weaker hash
 * replaced, then `work` writes what the success leads to (a session, say). The account may have
 * been disabled or deleted while its password was being verified; then nothing is written, the
 * refusal is audited and `account_disabled` thrown. The success is recorded first because, on
 * PostgreSQL, its update locks the account's row: a disabling that comes after waits for the
 * transaction and then revokes what it committed.
 */
export async function withRecordedSuccess<T>(
  ctx: CoreContext,
  { user, upgradedHash }: CheckedCredentials,
  ip: string | null,
  work: (tx: TransactionContext) => Promise<T>,
): Promise<T> {
  try {
    return await inTransaction(ctx, async (tx) => {
      if (!(await tx.store.users.clearLoginFailures(user.id))) throw new AuthError("account_disabled");
      if (upgradedHash !== null) await tx.store.users.setPasswordHash(user.id, upgradedHash, ctx.now());
      return work(tx);
    });
  } catch (error) {
    if (error instanceof AuthError && error.code === "account_disabled") {
      await audit(ctx, { event: "login", outcome: "failure", userId: user.id, ip, detail: "disabled" });
    }
    throw error;
  }
}

/** `checkCredentials` and `withRecordedSuccess`, for callers that write nothing else with it. */
export async function verifyCredentials(
  ctx: CoreContext,
  username: string,
  password: string,
  meta: RequestMeta,
): Promise<UserRecord> {
  const checked = await checkCredentials(ctx, username, password, meta);
  await withRecordedSuccess(ctx, checked, meta.ip, async () => {});
  return checked.user;
}
