import type { Kysely } from "kysely";
import type {
  AuditRepository,
  ClientRecord,
  ClientRepository,
  KeyRepository,
  SecretRepository,
  SigningKeyRecord,
} from "../../core/ports.js";
import { UniqueViolation } from "../../core/ports.js";
import type { Database } from "./database.js";
import { precompiled } from "./precompiled.js";

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

const clientRow = (client: ClientRecord) => ({
  id: client.id,
  secret_hash: client.secretHash,
  grants: client.grants.join(" "),
  scopes: client.scopes.join(" "),
  access_token_ttl: client.accessTokenTtl,
  refresh_token_ttl: client.refreshTokenTtl,
  created_at: client.createdAt,
});

const selectClient = precompiled((db, id: string) => db.selectFrom("oauth_clients").selectAll().where("id", "=", id));

export function createClientRepository(db: Kysely<Database>): ClientRepository {
  return {
    async insert(client) {
      const existing = await db
        .insertInto("oauth_clients")
        .values(clientRow(client))
        .onConflict((oc) => oc.column("id").doNothing())
        .executeTakeFirst();
      if (Number(existing.numInsertedOrUpdatedRows ?? 0) === 0) throw new UniqueViolation("other");
    },
    async upsert(client) {
      const { id: _id, created_at: _createdAt, ...changes } = clientRow(client);
      await db
        .insertInto("oauth_clients")
        .values(clientRow(client))
        .onConflict((oc) => oc.column("id").doUpdateSet(changes))
        .execute();
    },
    async findById(id) {
      const [row] = await selectClient(db, id);
      if (!row) return null;
      const words = (value: string) => value.split(" ").filter((word) => word.length > 0);
      return {
        id: row.id,
        secretHash: row.secret_hash,
        grants: words(row.grants),
        scopes: words(row.scopes),
        accessTokenTtl: row.access_token_ttl === null ? null : Number(row.access_token_ttl),
        refreshTokenTtl: row.refresh_token_ttl === null ? null : Number(row.refresh_token_ttl),
        createdAt: Number(row.created_at),
      };
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
        })
        .execute();
    },
  };
}
