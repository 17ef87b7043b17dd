import type { Kysely } from "kysely";
import type { LoginThrottleRepository } from "../../core/ports.js";
import type { Database } from "./database.js";
import { countFailure, liftExpiredLock, peekSlot, takeSlot } from "./login-reservations.js";

/** The account lockout's statements (see users.ts), for names that belong to no account. */
export function createLoginThrottleRepository(db: Kysely<Database>): LoginThrottleRepository {
  return {
    async admit(key, now, threshold, reservation) {
      const row = await db
        .insertInto("login_throttle")
        .values({ key, failed_logins: 0, lockouts: 0, locked_until: null, updated_at: now })
        .onConflict((conflict) =>
          conflict.column("key").doUpdateSet({ ...liftExpiredLock(now, "login_throttle"), updated_at: now }),
        )
        .returning(["failed_logins", "locked_until"])
        .executeTakeFirst();
      return takeSlot(db, `name:${key}`, row, { threshold, now, reservation });
    },
    async peek(key, now, threshold) {
      const row = await db
        .selectFrom("login_throttle")
        .select(["failed_logins", "locked_until"])
        .where("key", "=", key)
        .executeTakeFirst();
      // A name not counted yet has every slot free.
      return peekSlot(db, `name:${key}`, row ?? { failed_logins: 0, locked_until: null }, { threshold, now });
    },
    async recordFailure(key, now, threshold, lockMs) {
      const row = await db
        .updateTable("login_throttle")
        .set({ ...countFailure(now, threshold, lockMs), updated_at: now })
        .where("key", "=", key)
        .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", now)]))
        .returning("locked_until")
        .executeTakeFirst();
      return row !== undefined && row.locked_until !== null;
    },
  };
}
