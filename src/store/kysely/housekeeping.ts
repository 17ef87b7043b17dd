import type { Kysely } from "kysely";
import type { HousekeepingRepository } from "../../core/ports.js";
import type { Database } from "./database.js";

const DAY_MS = 86_400_000;

/**
 * Deletes rows that can no longer matter, so that tables do not grow without bound. Every
 * statement is idempotent; several processes may run it at once.
 */
export function createHousekeepingRepository(db: Kysely<Database>): HousekeepingRepository {
  return {
    async purge(now, keepMs) {
      const before = now - keepMs;
      // Ended sessions go with their refresh tokens (by cascade). A used refresh token stays as
      // long as its session, so that presenting it again is still recognised as reuse.
      const sessions = await db
        .deleteFrom("sessions")
        .where((eb) => eb.or([eb("expires_at", "<", before), eb("revoked_at", "<", before)]))
        .executeTakeFirst();
      const refreshTokens = await db
        .deleteFrom("refresh_tokens")
        .where("expires_at", "<", before)
        .where("used_at", "is", null)
        .executeTakeFirst();
      const codes = await db.deleteFrom("verification_codes").where("expires_at", "<", before).executeTakeFirst();
      // A send window older than a day no longer limits anything.
      const codeThrottle = await db
        .deleteFrom("code_throttle")
        .where("window_start", "<", Math.min(before, now - DAY_MS))
        .where("last_sent_at", "<", before)
        .executeTakeFirst();
      const loginThrottle = await db
        .deleteFrom("login_throttle")
        .where("updated_at", "<", before)
        .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<", now)]))
        .executeTakeFirst();
      // A reservation outlives its attempt only when the process holding it died.
      const loginReservations = await db.deleteFrom("login_reservations").where("expires_at", "<", now).executeTakeFirst();
      // An old server's token is refused by its own expiry from then on: its row is of no more use.
      const legacyTokens = await db.deleteFrom("legacy_tokens").where("expires_at", "<", now).executeTakeFirst();
      // A used code stays until it expires, so that presenting it again is recognised as a replay.
      const authorizationCodes = await db.deleteFrom("authorization_codes").where("expires_at", "<", before).executeTakeFirst();
      return {
        authorizationCodes: Number(authorizationCodes.numDeletedRows),
        sessions: Number(sessions.numDeletedRows),
        refreshTokens: Number(refreshTokens.numDeletedRows),
        codes: Number(codes.numDeletedRows),
        codeThrottle: Number(codeThrottle.numDeletedRows),
        loginThrottle: Number(loginThrottle.numDeletedRows),
        loginReservations: Number(loginReservations.numDeletedRows),
        legacyTokens: Number(legacyTokens.numDeletedRows),
      };
    },
    async pruneAudit(before, limit) {
      // A bounded batch, oldest first by the `at` index: each run is a short write of its own.
      const oldest = db.selectFrom("audit_events").select("id").where("at", "<", before).orderBy("at").limit(limit);
      const result = await db.deleteFrom("audit_events").where("id", "in", oldest).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async purgeWebhookDeliveries(before, limit) {
      const settled = db
        .selectFrom("webhook_deliveries")
        .select("id")
        .where("status", "in", ["delivered", "failed"])
        .where("created_at", "<", before)
        .limit(limit);
      const result = await db.deleteFrom("webhook_deliveries").where("id", "in", settled).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
