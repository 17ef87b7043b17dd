import type { Kysely } from "kysely";

/**
 * Frozen in time, like 0001. The authorization code flow (OpenID Connect): what a client
 * registers for it, the sessions a code exchange opens under a browser's session (`parent_id`:
 * they live only while that session does), the codes themselves, stored by their keyed
 * hash and used once, and the scopes each user allowed each third-party client (a row a scope).
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are deliberately untyped
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await db.schema
    .alterTable("oauth_clients")
    .addColumn("redirect_uris", "text", (c) => c.notNull().defaultTo(""))
    .execute();
  await db.schema
    .alterTable("oauth_clients")
    .addColumn("post_logout_redirect_uris", "text", (c) => c.notNull().defaultTo(""))
    .execute();
  await db.schema
    .alterTable("oauth_clients")
    .addColumn("token_endpoint_auth_method", "text", (c) => c.notNull().defaultTo("client_secret_basic"))
    .execute();
  await db.schema
    .alterTable("oauth_clients")
    .addColumn("first_party", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable("oauth_clients").addColumn("name", "text").execute();
  await db.schema.alterTable("sessions").addColumn("parent_id", "text").execute();
  await db.schema.createIndex("sessions_parent_idx").on("sessions").column("parent_id").execute();
  await db.schema
    .createTable("authorization_codes")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("client_id", "text", (c) => c.notNull())
    .addColumn("redirect_uri", "text", (c) => c.notNull())
    .addColumn("code_challenge", "text", (c) => c.notNull())
    .addColumn("nonce", "text")
    .addColumn("scope", "text", (c) => c.notNull())
    .addColumn("session_id", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("auth_time", "bigint", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("used_at", "bigint")
    .addColumn("issued_session_id", "text")
    .execute();
  await db.schema.createIndex("authorization_codes_expires_idx").on("authorization_codes").column("expires_at").execute();
  await db.schema
    .createTable("consents")
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("client_id", "text", (c) => c.notNull())
    .addColumn("scope", "text", (c) => c.notNull())
    .addColumn("granted_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("consents_pk", ["user_id", "client_id", "scope"])
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable("consents").execute();
  await db.schema.dropTable("authorization_codes").execute();
  await db.schema.dropIndex("sessions_parent_idx").execute();
  await db.schema.alterTable("sessions").dropColumn("parent_id").execute();
  for (const column of ["name", "first_party", "token_endpoint_auth_method", "post_logout_redirect_uris", "redirect_uris"]) {
    await db.schema.alterTable("oauth_clients").dropColumn(column).execute();
  }
}
