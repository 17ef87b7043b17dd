import { type Kysely, sql } from "kysely";
import type { CodeRecord, TransactionRepositories } from "../../core/ports.js";
import type { Database } from "./database.js";

const DAY_MS = 86_400_000;

/** The code repository's methods that run inside their caller's transaction. */
export type CodeStatements = TransactionRepositories["codes"];

export function createCodeRepository(db: Kysely<Database>): CodeStatements {
  return {
    async reserveSend(purpose, target, now, cooldownMs, dailyCap) {
      await db
        .insertInto("code_throttle")
        .values({ purpose, target, last_sent_at: 0, window_start: now, window_count: 0 })
        .onConflict((oc) => oc.columns(["purpose", "target"]).doNothing())
        .execute();
      const windowOver = sql<boolean>`window_start <= ${now - DAY_MS}`;
      const result = await db
        .updateTable("code_throttle")
        .set({
          last_sent_at: now,
          window_count: sql`case when ${windowOver} then 1 else window_count + 1 end`,
          window_start: sql`case when ${windowOver} then ${now} else window_start end`,
        })
        .where("purpose", "=", purpose)
        .where("target", "=", target)
        // Without a cooldown there is no ordering to check (concurrent clocks may disagree).
        .$if(cooldownMs > 0, (qb) => qb.where("last_sent_at", "<=", now - cooldownMs))
        .where((eb) => eb.or([eb("window_start", "<=", now - DAY_MS), eb("window_count", "<", dailyCap)]))
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) return "ok";
      const row = await db
        .selectFrom("code_throttle")
        .select("last_sent_at")
        .where("purpose", "=", purpose)
        .where("target", "=", target)
        .executeTakeFirstOrThrow();
      return cooldownMs > 0 && Number(row.last_sent_at) > now - cooldownMs ? "cooldown" : "daily_cap";
    },
    async releaseSend(purpose, target, reservedAt) {
      await db
        .updateTable("code_throttle")
        .set({ last_sent_at: 0, window_count: sql`case when window_count > 0 then window_count - 1 else 0 end` })
        .where("purpose", "=", purpose)
        .where("target", "=", target)
        .where("last_sent_at", "=", reservedAt)
        .execute();
    },
    async insert(code) {
      await db
        .insertInto("verification_codes")
        .values({
          id: code.id,
          purpose: code.purpose,
          target: code.target,
          code_hash: code.codeHash,
          created_at: code.createdAt,
          expires_at: code.expiresAt,
          attempts: code.attempts,
          consumed_at: code.consumedAt,
        })
        .execute();
    },
    async delete(id) {
      await db.deleteFrom("verification_codes").where("id", "=", id).execute();
    },
    async findLive(purpose, target) {
      const row = await db
        .selectFrom("verification_codes")
        .selectAll()
        .where("purpose", "=", purpose)
        .where("target", "=", target)
        .where("superseded_at", "is", null)
        .where("consumed_at", "is", null)
        .where("sent_at", "is not", null)
        .orderBy("created_at", "desc")
        .executeTakeFirst();
      if (!row) return null;
      return {
        id: row.id,
        purpose: row.purpose,
        target: row.target,
        codeHash: row.code_hash,
        createdAt: Number(row.created_at),
        expiresAt: Number(row.expires_at),
        attempts: Number(row.attempts),
        consumedAt: row.consumed_at === null ? null : Number(row.consumed_at),
      };
    },
    async countAttempt(id, max) {
      // The limit is in the WHERE clause: parallel guesses cannot evaluate more than `max`.
      const result = await db
        .updateTable("verification_codes")
        .set({ attempts: sql`attempts + 1` })
        .where("id", "=", id)
        .where("attempts", "<", max)
        .where("consumed_at", "is", null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async consume(id, at) {
      const result = await db
        .updateTable("verification_codes")
        .set({ consumed_at: at })
        .where("id", "=", id)
        .where("consumed_at", "is", null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async unconsume(id) {
      await db
        .updateTable("verification_codes")
        .set({ consumed_at: null, attempts: sql`case when attempts > 0 then attempts - 1 else 0 end` })
        .where("id", "=", id)
        .execute();
    },
  };
}

/** `CodeRepository.markSent` on a transaction's connection: every earlier live code is superseded. */
export async function markCodeSent(trx: Kysely<Database>, code: CodeRecord, at: number): Promise<void> {
  await trx
    .updateTable("verification_codes")
    .set({ superseded_at: at })
    .where("purpose", "=", code.purpose)
    .where("target", "=", code.target)
    .where("id", "!=", code.id)
    .where("superseded_at", "is", null)
    .where("consumed_at", "is", null)
    .execute();
  await trx.updateTable("verification_codes").set({ sent_at: at }).where("id", "=", code.id).execute();
}
