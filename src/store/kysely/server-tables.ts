import type { Kysely } from "kysely";
import type { AuditRepository, KeyRepository, SecretRepository, SigningKeyRecord } from "../../core/ports.js";
import type { Database } from "./database.js";

export function createKeyRepository(db: Kysely<Database>): KeyRepository {
  return {
    async list() {
      const rows = await db.selectFrom("signing_keys").selectAll().orderBy("created_at", "desc").orderBy("kid").execute();
      return rows.map((row): SigningKeyRecord => ({
        kid: row.kid,
        alg: row.alg,
        publicJwk: row.public_jwk,
        privateJwk: row.private_jwk,
        createdAt: Number(row.created_at),
      }));
    },
    async insert(key) {
      await db
        .insertInto("signing_keys")
        .values({
          kid: key.kid,
          alg: key.alg,
          public_jwk: key.publicJwk,
          private_jwk: key.privateJwk,
          created_at: key.createdAt,
        })
        .execute();
    },
  };
}

export function createSecretRepository(db: Kysely<Database>): SecretRepository {
  return {
    async getOrCreate(name, candidate) {
      // Insert-if-absent then read: whichever process inserted first wins for everyone.
      await db
        .insertInto("server_secrets")
        .values({ name, value: candidate })
        .onConflict((oc) => oc.column("name").doNothing())
        .execute();
      const row = await db.selectFrom("server_secrets").select("value").where("name", "=", name).executeTakeFirstOrThrow();
      return row.value;
    },
  };
}

export function createAuditRepository(db: Kysely<Database>): AuditRepository {
  return {
    async record(event) {
      await db
        .insertInto("audit_events")
        .values({
          at: event.at,
          event: event.event,
          outcome: event.outcome,
          user_id: event.userId ?? null,
          client_id: event.clientId ?? null,
          ip: event.ip ?? null,
          detail: event.detail ?? null,
          actor: event.actor ?? null,
        })
        .execute();
    },
  };
}
