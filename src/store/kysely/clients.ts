import type { Kysely, Selectable } from "kysely";
import type { ClientRecord, ClientRepository, TokenEndpointAuthMethod } from "../../core/ports.js";
import { UniqueViolation } from "../../core/ports.js";
import type { Database } from "./database.js";
import { precompiled } from "./precompiled.js";

// Lists of words or URIs are stored space-separated: neither a scope, a grant nor a URI holds a space.
const joined = (values: string[]) => values.join(" ");
const words = (value: string) => value.split(" ").filter((word) => word.length > 0);
const nullableNumber = (value: number | null) => (value === null ? null : Number(value));

const clientRow = (client: ClientRecord) => ({
  id: client.id,
  secret_hash: client.secretHash,
  grants: joined(client.grants),
  scopes: joined(client.scopes),
  access_token_ttl: client.accessTokenTtl,
  refresh_token_ttl: client.refreshTokenTtl,
  created_at: client.createdAt,
  name: client.name,
  redirect_uris: joined(client.redirectUris),
  post_logout_redirect_uris: joined(client.postLogoutRedirectUris),
  token_endpoint_auth_method: client.tokenEndpointAuthMethod,
  first_party: client.firstParty ? 1 : 0,
});

const toClient = (row: Selectable<Database["oauth_clients"]>): ClientRecord => ({
  id: row.id,
  secretHash: row.secret_hash,
  grants: words(row.grants),
  scopes: words(row.scopes),
  accessTokenTtl: nullableNumber(row.access_token_ttl),
  refreshTokenTtl: nullableNumber(row.refresh_token_ttl),
  createdAt: Number(row.created_at),
  name: row.name,
  redirectUris: words(row.redirect_uris),
  postLogoutRedirectUris: words(row.post_logout_redirect_uris),
  tokenEndpointAuthMethod: row.token_endpoint_auth_method as TokenEndpointAuthMethod,
  firstParty: Number(row.first_party) === 1,
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
      return row ? toClient(row) : null;
    },
    async update(client) {
      const { id, created_at: _createdAt, ...changes } = clientRow(client);
      const result = await db.updateTable("oauth_clients").set(changes).where("id", "=", id).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async list() {
      const rows = await db.selectFrom("oauth_clients").selectAll().orderBy("id").execute();
      return rows.map(toClient);
    },
  };
}
