import { emit } from "../webhooks/outbox.js";
import type { LoginReservation, UserRecord } from "../ports.js";
import { audit, type CoreContext, inTransaction, type RequestMeta, type TransactionContext } from "../context.js";
import { AuthError } from "../errors.js";
import { normalisePassword } from "../passwords/policy.js";
import { canonicalEmail, lookupUsername } from "./identifiers.js";
import { admitAttempt, type AttemptCounter, attemptCounter, slotFreed } from "./login-attempts.js";

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
/** Released in a refusal that held no reservation, so that every refusal runs the same statements. */
const NO_RESERVATION = "none";

/**
 * A successful check: the account, its password's new hash when the stored one was weaker or
 * imported, and the reservation its check holds until the success is recorded.
 */
export type CheckedCredentials = {
  user: UserRecord;
  /** The password hashed anew, and the scheme of the stored hash it replaces. */
  upgrade: { hash: string; from: string } | null;
  reservation: LoginReservation;
  counter: AttemptCounter;
};

/**
 * Checks a username and password. An unknown user costs one dummy Argon2id verification, so
 * it is indistinguishable from a wrong password in result and timing. Each check on an account
 * (and on each unknown name) is admitted by the database before its result is used: the checks
 * in flight never outnumber the failures left before the lock, so parallel guesses cannot have
 * more than the threshold evaluated, while parallel right passwords wait their turn instead of
 * being refused (see `admitAttempt`). Past the threshold the account is locked for a
 * progressively longer time and answers exactly like a wrong password. A disabled account is
 * reported only after its password was verified. A weaker stored hash is hashed anew. The
 * caller records the success with `withRecordedSuccess`.
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
  // Shed before admitting an attempt: a refused request must not hold a slot of its account.
  if (ctx.hasher.saturated()) throw new AuthError("service_unavailable", "the server is at capacity");
  const user = await findAccount(ctx, username, identifierMayBeEmail);
  const counter = attemptCounter(ctx, user, username);
  // Every refusal (unknown name, wrong password, disabled, locked) runs one Argon2id verification
  // and statements of the same kind, so that neither answers nor timing tell them apart. The
  // admission and the verification run side by side: the answer waits for the verification,
  // which takes far longer, so the admission's cost (an account's row, or a name's counter) does
  // not show in it. A refused attempt's verification is discarded: it must not learn whether the
  // password was right.
  // An imported hash was made by the original server from the password as typed; Gatehouse's
  // own hashes from its NFKC form (a full-width "１２３" and "123" are one password here).
  const imported = user !== null && ctx.hasher.schemeOf(user.passwordHash) !== "argon2id";
  const verification = ctx.hasher.verify(user?.passwordHash ?? null, imported ? password : normalised);
  const admission = admitAttempt(ctx, counter, verification);
  // Its failure is awaited below, after the verification's; until then it must not count as unhandled.
  admission.catch(() => undefined);
  const verified = await verification.catch(async (error: unknown) => {
    await releaseUnused(ctx, await admission.catch(() => null));
    throw error;
  });
  const reservation = await admission;
  if (reservation === null || !user || !verified || user.status !== "active") {
    return refuse(ctx, { user, reservation, matches: verified, counter, ip: meta.ip });
  }
  const upgrade = ctx.hasher.needsRehash(user.passwordHash)
    ? { hash: await ctx.hasher.hash(normalised), from: ctx.hasher.schemeOf(user.passwordHash) }
    : null;
  return { user, upgrade, reservation, counter };
}

/** Ends the reservation of a check whose verification failed (the hash pool refused it, say). */
async function releaseUnused(ctx: CoreContext, reservation: LoginReservation | null): Promise<void> {
  if (reservation) await inTransaction(ctx, (tx) => tx.store.loginReservations.release(reservation.id), { lazyFlush: true });
}

type Refusal = {
  user: UserRecord | null;
  /** `null` when the attempt was not admitted: its result is not used. */
  reservation: LoginReservation | null;
  matches: boolean;
  counter: AttemptCounter;
  ip: string | null;
};

/**
 * Counts the failure (locking the counter once it reaches the threshold), ends the attempt's
 * reservation, audits, and throws: one transaction, lazily flushed. A refusal acknowledges no
 * write, so it need not wait for the disk. Every refusal then costs the same whatever it wrote:
 * the disk flush, whose time depends on how many pages a commit changed (a new counter for an
 * unknown name, an update of an account), stays out of its answer, whose timing must not tell
 * whether the account exists. A crash of the process loses none of it; only a power loss in the
 * next moments can forget the last refusals' counts and audit records.
 */
async function refuse(ctx: CoreContext, { user, reservation, matches, counter, ip }: Refusal): Promise<never> {
  const lockMs = Math.min(ctx.settings.lockoutSeconds * 1000 * 2 ** (user?.lockouts ?? 0), MAX_LOCK_MS);
  const admitted = reservation !== null;
  const disabled = admitted && user !== null && matches;
  let locked = false;
  await inTransaction(
    ctx,
    async (tx) => {
      locked = await counter.recordFailure(tx, lockMs);
      if (locked) {
        await audit(tx, { event: "account_locked", outcome: "success", userId: user?.id ?? null, ip, detail: `${lockMs} ms` });
        if (user) await emit(tx, "user.locked", { userId: user.id, lockedForMs: lockMs });
      }
      await tx.store.loginReservations.release(reservation?.id ?? NO_RESERVATION);
      const detail = !admitted ? "locked" : disabled ? "disabled" : null;
      await audit(tx, { event: "login", outcome: "failure", userId: user?.id ?? null, ip, detail });
      await emit(tx, "login.failed", { userId: user?.id ?? null, clientId: null, reason: detail ?? "invalid_credentials" });
    },
    { lazyFlush: true },
  );
  if (locked) ctx.metrics.lockout();
  slotFreed(counter.key);
  throw new AuthError(disabled ? "account_disabled" : "invalid_credentials");
}

/**
 * After a successful check, one transaction: first the failures are forgotten, the check's
 * reservation ended and a weaker hash replaced, then `work` writes what the success leads to (a
 * session, say). The account may have been disabled or deleted while its password was being
 * verified; then nothing is written, the refusal is audited and `account_disabled` thrown. The
 * success is recorded first because, on PostgreSQL, its update locks the account's row: a
 * disabling that comes after waits for the transaction and then revokes what it committed (and
 * admissions, which lock the same row first, cannot deadlock with it over the reservation).
 */
export async function withRecordedSuccess<T>(
  ctx: CoreContext,
  { user, upgrade, reservation, counter }: CheckedCredentials,
  ip: string | null,
  work: (tx: TransactionContext) => Promise<T>,
): Promise<T> {
  try {
    return await inTransaction(ctx, async (tx) => {
      if (!(await tx.store.users.clearLoginFailures(user.id))) throw new AuthError("account_disabled");
      // A reservation that lapsed may have gone to another attempt: this result is not used.
      if (!(await tx.store.loginReservations.release(reservation.id))) {
        throw new AuthError("service_unavailable", "the password check outlived its reservation");
      }
      if (upgrade !== null) {
        await tx.store.users.setPasswordHash(user.id, upgrade.hash, ctx.now());
        await audit(tx, { event: "password_rehashed", outcome: "success", userId: user.id, ip, detail: upgrade.from });
      }
      return work(tx);
    });
  } catch (error) {
    await endUnrecordedSuccess(ctx, { user, reservation, ip }, error);
    throw error;
  } finally {
    slotFreed(counter.key);
  }
}

/**
 * After a success whose transaction was undone: its reservation ends (else its slot would stay
 * taken until it lapses), and a disabling found on the way is audited as a refused login. If
 * the database cannot do even that, the reservation lapses and the first error goes on.
 */
async function endUnrecordedSuccess(
  ctx: CoreContext,
  { user, reservation, ip }: { user: UserRecord; reservation: LoginReservation; ip: string | null },
  error: unknown,
): Promise<void> {
  const disabled = error instanceof AuthError && error.code === "account_disabled";
  await inTransaction(ctx, async (tx) => {
    await tx.store.loginReservations.release(reservation.id);
    if (!disabled) return;
    await audit(tx, { event: "login", outcome: "failure", userId: user.id, ip, detail: "disabled" });
    await emit(tx, "login.failed", { userId: user.id, clientId: null, reason: "disabled" });
  }).catch((failure: unknown) => {
    if (disabled) throw failure;
  });
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
