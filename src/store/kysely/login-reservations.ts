import { type Kysely, sql } from "kysely";
import type { LoginAdmission, LoginReservation, LoginReservationRepository } from "../../core/ports.js";
import type { Database } from "./database.js";

/** A failure counter as its admission left it: an expired lock already lifted. */
type CounterState = { failed_logins: number; locked_until: number | null };

/**
 * The statements after a counter's row was read and locked (see `UserRepository.admitLoginAttempt`):
 * lapsed reservations are dropped, the live ones counted, and a slot taken when the failures and
 * the checks in flight leave one. On PostgreSQL the row lock taken before serialises the
 * admissions of one counter, so the count cannot be overtaken between the read and the insert.
 */
export async function takeSlot(
  db: Kysely<Database>,
  counterKey: string,
  counter: CounterState | undefined,
  { threshold, now, reservation }: { threshold: number; now: number; reservation: LoginReservation },
): Promise<LoginAdmission> {
  if (!counter || counter.locked_until !== null || Number(counter.failed_logins) >= threshold) return "refused";
  await db.deleteFrom("login_reservations").where("counter_key", "=", counterKey).where("expires_at", "<=", now).execute();
  const { held } = await db
    .selectFrom("login_reservations")
    .select((eb) => eb.fn.countAll<number>().as("held"))
    .where("counter_key", "=", counterKey)
    .executeTakeFirstOrThrow();
  if (Number(counter.failed_logins) + Number(held) >= threshold) return "busy";
  await db
    .insertInto("login_reservations")
    .values({ id: reservation.id, counter_key: counterKey, expires_at: reservation.expiresAt })
    .execute();
  return "admitted";
}

/**
 * What an admission would answer now, read without writing or locking anything: how an attempt
 * that found every slot taken watches for one without queueing at the counter's row lock.
 */
export async function peekSlot(
  db: Kysely<Database>,
  counterKey: string,
  counter: CounterState | undefined,
  { threshold, now }: { threshold: number; now: number },
): Promise<LoginAdmission> {
  if (!counter) return "refused";
  const lockOver = counter.locked_until !== null && Number(counter.locked_until) <= now;
  const failures = lockOver ? 0 : Number(counter.failed_logins);
  if ((counter.locked_until !== null && !lockOver) || failures >= threshold) return "refused";
  const { held } = await db
    .selectFrom("login_reservations")
    .select((eb) => eb.fn.countAll<number>().as("held"))
    .where("counter_key", "=", counterKey)
    .where("expires_at", ">", now)
    .executeTakeFirstOrThrow();
  return failures + Number(held) >= threshold ? "busy" : "admitted";
}

/** The `set` of an admission's first statement: a lock whose time is over is lifted, its failures forgotten. */
export function liftExpiredLock(now: number, table: "users" | "login_throttle") {
  const lockOver = sql<boolean>`${sql.ref(`${table}.locked_until`)} is not null and ${sql.ref(`${table}.locked_until`)} <= ${now}`;
  return {
    failed_logins: sql<number>`case when ${lockOver} then 0 else ${sql.ref(`${table}.failed_logins`)} end`,
    locked_until: sql<number | null>`case when ${lockOver} then null else ${sql.ref(`${table}.locked_until`)} end`,
  };
}

/**
 * The `set` of a failed check's statement, which matches only while no lock is in force: one more
 * failure, and a lock (counted for the progressive delay) once they reach the threshold.
 */
export function countFailure(now: number, threshold: number, lockMs: number) {
  const reached = sql<boolean>`failed_logins + 1 >= ${threshold}`;
  return {
    failed_logins: sql<number>`failed_logins + 1`,
    // The cast types the parameter for PostgreSQL, which would otherwise take it for text.
    locked_until: sql<number | null>`case when ${reached} then cast(${now + lockMs} as bigint) else null end`,
    lockouts: sql<number>`case when ${reached} then lockouts + 1 else lockouts end`,
  };
}

export function createLoginReservationRepository(db: Kysely<Database>): LoginReservationRepository {
  return {
    async release(id) {
      const result = await db.deleteFrom("login_reservations").where("id", "=", id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
