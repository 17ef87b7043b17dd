import { type Kysely, sql } from "kysely";
import type { LoginThrottleRepository } from "../../core/ports.js";
import type { Database } from "./database.js";
import { attemptAdmitted } from "./users.js";

/** The account lockout's statements (see users.ts), for names that belong to no account. */
export function createLoginThrottleRepository(db: Kysely<Database>): LoginThrottleRepository {
  return {
    async reserve(key, now, threshold) {
      const lockOver = sql<boolean>`login_throttle.locked_until is not null and login_throttle.locked_until <= ${now}`;
      const row = await db
        .insertInto("login_throttle")
        .values({ key, failed_logins: 1, lockouts: 0, locked_until: null, updated_at: now })
        .onConflict((conflict) =>
          conflict.column("key").doUpdateSet({
            failed_logins: sql`case when ${lockOver} then 1 else login_throttle.failed_logins + 1 end`,
            locked_until: sql`case when ${lockOver} then null else login_throttle.locked_until end`,
            updated_at: now,
          }),
        )
        .returning(["failed_logins", "locked_until"])
        .executeTakeFirst();
      return row !== undefined && attemptAdmitted(row, threshold);
    },
    async lockIfOverThreshold(key, now, threshold, lockMs) {
      const result = await db
        .updateTable("login_throttle")
        .set({ locked_until: now + lockMs, lockouts: sql`lockouts + 1` })
        .where("key", "=", key)
        .where("failed_logins", ">=", threshold)
        .where("locked_until", "is", null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}
