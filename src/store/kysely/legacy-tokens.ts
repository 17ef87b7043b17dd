import type { Kysely } from "kysely";
import type { LegacyTokenRepository } from "../../core/ports.js";
import type { Database } from "./database.js";

/** Old tokens of an original server: their Gatehouse session and their logout, by `jti`. */
export function createLegacyTokenRepository(db: Kysely<Database>): LegacyTokenRepository {
  return {
    async find(source, jti) {
      const row = await db
        .selectFrom("legacy_tokens")
        .selectAll()
        .where("source", "=", source)
        .where("jti", "=", jti)
        .executeTakeFirst();
      if (!row) return null;
      return {
        source: row.source,
        jti: row.jti,
        sessionId: row.session_id,
        deniedAt: row.denied_at === null ? null : Number(row.denied_at),
        expiresAt: Number(row.expires_at),
      };
    },
    async bind(source, jti, sessionId, expiresAt) {
      const result = await db
        .insertInto("legacy_tokens")
        .values({ source, jti, session_id: sessionId, denied_at: null, expires_at: expiresAt })
        .onConflict((oc) => oc.columns(["source", "jti"]).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async deny(source, jti, expiresAt, at) {
      // Only the first denial counts: a row already denied is left as it is.
      const result = await db
        .insertInto("legacy_tokens")
        .values({ source, jti, session_id: null, denied_at: at, expires_at: expiresAt })
        .onConflict((oc) =>
          oc.columns(["source", "jti"]).doUpdateSet({ denied_at: at }).where("legacy_tokens.denied_at", "is", null),
        )
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async userIdBySeq(seq) {
      const row = await db.selectFrom("users").select("id").where("seq", "=", seq).executeTakeFirst();
      return row?.id ?? null;
    },
  };
}
