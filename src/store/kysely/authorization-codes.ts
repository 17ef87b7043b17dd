import type { Kysely, Selectable } from "kysely";
import type { AuthorizationCodeRecord, AuthorizationCodeRepository, ConsentRepository } from "../../core/ports.js";
import type { Database } from "./database.js";

const toCode = (row: Selectable<Database["authorization_codes"]>): AuthorizationCodeRecord => ({
  id: row.id,
  clientId: row.client_id,
  redirectUri: row.redirect_uri,
  codeChallenge: row.code_challenge,
  nonce: row.nonce,
  scope: row.scope,
  sessionId: row.session_id,
  userId: row.user_id,
  authTime: Number(row.auth_time),
  createdAt: Number(row.created_at),
  expiresAt: Number(row.expires_at),
  usedAt: row.used_at === null ? null : Number(row.used_at),
  issuedSessionId: row.issued_session_id,
});

export function createAuthorizationCodeRepository(db: Kysely<Database>): AuthorizationCodeRepository {
  return {
    async insert(code) {
      await db
        .insertInto("authorization_codes")
        .values({
          id: code.id,
          client_id: code.clientId,
          redirect_uri: code.redirectUri,
          code_challenge: code.codeChallenge,
          nonce: code.nonce,
          scope: code.scope,
          session_id: code.sessionId,
          user_id: code.userId,
          auth_time: code.authTime,
          created_at: code.createdAt,
          expires_at: code.expiresAt,
          used_at: code.usedAt,
          issued_session_id: code.issuedSessionId,
        })
        .execute();
    },
    async findById(id) {
      const row = await db.selectFrom("authorization_codes").selectAll().where("id", "=", id).executeTakeFirst();
      return row ? toCode(row) : null;
    },
    async consume(id, at, issuedSessionId) {
      // The single point of truth for "a code is used once": of any number of racing
      // exchanges, one changes the row.
      const result = await db
        .updateTable("authorization_codes")
        .set({ used_at: at, issued_session_id: issuedSessionId })
        .where("id", "=", id)
        .where("used_at", "is", null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export function createConsentRepository(db: Kysely<Database>): ConsentRepository {
  return {
    async find(userId, clientId) {
      const rows = await db
        .selectFrom("consents")
        .select("scope")
        .where("user_id", "=", userId)
        .where("client_id", "=", clientId)
        .execute();
      return rows.map((row) => row.scope);
    },
    async grant(userId, clientId, scope, at) {
      if (scope.length === 0) return;
      // One row per word, inserted unless there: racing grants both keep all their words.
      const rows = scope.map((word) => ({ user_id: userId, client_id: clientId, scope: word, granted_at: at }));
      await db
        .insertInto("consents")
        .values(rows)
        .onConflict((oc) => oc.columns(["user_id", "client_id", "scope"]).doNothing())
        .execute();
    },
  };
}
