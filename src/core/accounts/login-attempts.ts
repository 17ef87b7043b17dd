import { randomUUID } from "node:crypto";
import type { LoginAdmission, LoginReservation, UserRecord } from "../ports.js";
import { type CoreContext, inTransaction, type TransactionContext } from "../context.js";
import { AuthError } from "../errors.js";

/**
 * How long a check's reservation lives. Far longer than a verification can take (the hash pool
 * sheds what it cannot start soon), so only a process that died while checking leaves one behind.
 */
const RESERVATION_MS = 30_000;
/**
 * How long an attempt whose password check is done waits for a slot while the others in flight
 * hold every one left. Their checks queue for the same cores, so on a loaded machine a burst of
 * one account's logins takes a few seconds to drain; beyond this the answer is `rate_limited`.
 */
export const SLOT_WAIT_MS = 5_000;
/** Between two looks for a slot that another process may have freed: doubling, up to the most. */
const SLOT_POLL_MS = 10;
const SLOT_POLL_MAX_MS = 80;

/**
 * The failure counter an attempt is charged to: the account's, or, for a name that belongs to
 * no account, one kept under a keyed hash of the name. Both are admitted, counted and locked by
 * the same rules and the same kind of statements, so that neither the answers nor their timing
 * reveal whether an account exists. Its statements run in the transaction they are given.
 */
export type AttemptCounter = {
  /** Names the counter among this process's waiting attempts. */
  key: string;
  admit(tx: TransactionContext, reservation: LoginReservation): Promise<LoginAdmission>;
  /** What `admit` would answer now, read without writing or locking anything. */
  peek(): Promise<LoginAdmission>;
  /** Counts a failed check and locks past the threshold; true if this one locked it. */
  recordFailure(tx: TransactionContext, lockMs: number): Promise<boolean>;
};

export function attemptCounter(ctx: CoreContext, user: UserRecord | null, identifier: string): AttemptCounter {
  const { lockoutThreshold: threshold } = ctx.settings;
  if (user) {
    return {
      key: `user:${user.id}`,
      admit: (tx, reservation) => tx.store.users.admitLoginAttempt(user.id, ctx.now(), threshold, reservation),
      peek: () => ctx.store.users.peekLoginAttempt(user.id, ctx.now(), threshold),
      recordFailure: (tx, lockMs) => tx.store.users.recordLoginFailure(user.id, ctx.now(), threshold, lockMs),
    };
  }
  const key = ctx.secretHash(`login:${identifier.normalize("NFKC").toLowerCase()}`);
  return {
    key: `name:${key}`,
    admit: (tx, reservation) => tx.store.loginThrottle.admit(key, ctx.now(), threshold, reservation),
    peek: () => ctx.store.loginThrottle.peek(key, ctx.now(), threshold),
    recordFailure: (tx, lockMs) => tx.store.loginThrottle.recordFailure(key, ctx.now(), threshold, lockMs),
  };
}

/**
 * Admits a password check: its reservation, or `null` when the counter refuses it (locked, or
 * at its threshold). While the checks in flight hold every slot the failures leave, it waits
 * for its own verification (a slot is worth taking only once its result is ready), then watches
 * for a free slot, woken by a check of this process that ends or looking again every few
 * milliseconds (a read, which queues at no lock) for one that ends elsewhere, up to
 * `SLOT_WAIT_MS`; then it answers `rate_limited`. A right password is never turned into a
 * refusal by the checks beside it. It gives up (`null`) if the verification fails. Each
 * admission is lazily flushed (committed, not yet forced to the disk): a refusal is no
 * acknowledged write, and a success's durable commit takes it along.
 */
export async function admitAttempt(
  ctx: CoreContext,
  counter: AttemptCounter,
  verification: Promise<unknown>,
): Promise<LoginReservation | null> {
  const id = randomUUID();
  const verified = verification.then(
    () => true,
    () => false,
  );
  let waitUntil: number | null = null;
  for (;;) {
    const reservation = { id, expiresAt: ctx.now() + RESERVATION_MS };
    const admission = await inTransaction(ctx, (tx) => counter.admit(tx, reservation), { lazyFlush: true });
    if (admission === "admitted") return reservation;
    if (admission === "refused" || !(await verified)) return null;
    waitUntil ??= Date.now() + SLOT_WAIT_MS;
    if (!(await watchForSlot(counter, waitUntil))) {
      throw new AuthError("rate_limited", "too many sign-ins to this account at once; retry in a moment");
    }
  }
}

/** Waits until a slot looks free (or the counter refuses outright); false when `until` passed first. */
async function watchForSlot(counter: AttemptCounter, until: number): Promise<boolean> {
  for (let pause = SLOT_POLL_MS; ; pause = Math.min(pause * 2, SLOT_POLL_MAX_MS)) {
    const left = until - Date.now();
    if (left <= 0) return false;
    await waitForSlot(counter.key, Math.min(left, pause * (1 + Math.random())));
    if ((await counter.peek()) !== "busy") return true;
  }
}

/** This process's attempts waiting for a slot, by counter, in the order they began to wait. */
const waiting = new Map<string, Set<() => void>>();

function waitForSlot(key: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const waiters = waiting.get(key) ?? new Set<() => void>();
    waiting.set(key, waiters);
    const wake = () => {
      clearTimeout(timer);
      waiters.delete(wake);
      if (waiters.size === 0) waiting.delete(key);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    waiters.add(wake);
  });
}

/** After a check's reservation ended: the longest-waiting attempt of this process tries again. */
export function slotFreed(key: string): void {
  const first = waiting.get(key)?.values().next().value;
  first?.();
}
