import { type ClientRecord, UniqueViolation } from "../ports.js";
import { auditingFailures, type CoreContext, joinTransaction, type TransactionContext } from "../context.js";
import { BY_CLI } from "../webhooks/catalogue.js";
import { emit } from "../webhooks/outbox.js";
import { AuthError } from "../errors.js";
import { randomToken, safeEqual } from "../tokens/secrets.js";
import { applyClientSettings, type ClientSettings } from "./registration.js";

export { SUPPORTED_GRANTS, type ClientSettings } from "./registration.js";

export type NewClient = ClientSettings & { id: string; secret?: string | null; isPublic?: boolean; grants: string[] };

const CLIENT_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const MIN_SECRET_LENGTH = 32;

/** A registration with nothing but what every client has: the base `applyClientSettings` fills in. */
const blankClient = (id: string, secretHash: string | null, createdAt: number): ClientRecord => ({
  id,
  secretHash,
  grants: [],
  scopes: [],
  accessTokenTtl: null,
  refreshTokenTtl: null,
  createdAt,
  name: null,
  redirectUris: [],
  postLogoutRedirectUris: [],
  tokenEndpointAuthMethod: secretHash === null ? "none" : "client_secret_basic",
  firstParty: false,
});

/**
 * Registers an OAuth client. A confidential client's secret is generated (256 bits) unless
 * given; only its keyed hash is stored, and the plaintext is returned exactly once.
 */
export async function createClient(
  ctx: CoreContext | TransactionContext,
  input: NewClient,
  by: string = BY_CLI,
): Promise<{ id: string; secret: string | null }> {
  if (!CLIENT_ID.test(input.id)) throw new AuthError("invalid_request", "client id: 1-128 letters, digits or _ . : -");
  const { id, secret: given, isPublic, ...settings } = input;
  const secret = isPublic ? null : (given ?? randomToken(32));
  if (secret !== null && secret.length < MIN_SECRET_LENGTH) throw new AuthError("client_secret_weak");
  const client = applyClientSettings(blankClient(id, secret === null ? null : ctx.secretHash(secret), ctx.now()), settings);
  try {
    await joinTransaction(ctx, async (tx) => {
      await tx.store.clients.insert(client);
      await emit(tx, "client.created", { clientId: id, public: secret === null, grants: client.grants, by });
    });
  } catch (error) {
    if (error instanceof UniqueViolation) throw new AuthError("already_exists", input.id);
    throw error;
  }
  return { id, secret };
}

/** Changes a client's registration; its id, secret and creation time stay. */
export async function updateClient(ctx: CoreContext, id: string, changes: ClientSettings): Promise<ClientRecord> {
  const existing = CLIENT_ID.test(id) ? await ctx.store.clients.findById(id) : null;
  if (!existing) throw new AuthError("not_found", `no client ${id}`);
  const client = applyClientSettings(existing, changes);
  if (!(await ctx.store.clients.update(client))) throw new AuthError("not_found", `no client ${id}`);
  return client;
}

/** Every registered client, by id (secrets are hashes and never leave the core). */
export async function listClients(ctx: CoreContext): Promise<Omit<ClientRecord, "secretHash">[]> {
  const clients = await ctx.store.clients.list();
  return clients.map(({ secretHash: _secretHash, ...client }) => client);
}

export type BuiltInClient = {
  id: string;
  /** A secret fixed by configuration for a legacy front end that ships it; empty: public. */
  legacySecret: string;
  grants: string[];
  scopes: string[];
  accessTokenTtl: number;
  refreshTokenTtl: number;
  /** For a browser app's authorization code flow: where it is sent back after sign-in and logout. */
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
};

/** Creates or updates a first-party client defined by configuration (not by an operator). */
export async function ensureBuiltInClient(ctx: CoreContext, client: BuiltInClient): Promise<void> {
  const secretHash = client.legacySecret ? ctx.secretHash(client.legacySecret) : null;
  await ctx.store.clients.upsert({
    ...blankClient(client.id, secretHash, ctx.now()),
    grants: client.grants,
    scopes: client.scopes,
    accessTokenTtl: client.accessTokenTtl,
    refreshTokenTtl: client.refreshTokenTtl,
    redirectUris: client.redirectUris ?? [],
    postLogoutRedirectUris: client.postLogoutRedirectUris ?? [],
    firstParty: true,
  });
}

/** The client by id, or `null` for an unknown or malformed one (no authentication). */
export const findClient = (ctx: CoreContext, clientId: string): Promise<ClientRecord | null> =>
  CLIENT_ID.test(clientId) ? ctx.store.clients.findById(clientId) : Promise.resolve(null);

/**
 * Authenticates a client by id and secret (or id alone for a public client). Unknown client
 * and wrong secret fail alike; the secret check is a constant-time comparison of keyed hashes,
 * cheap enough to run on every token and introspection call.
 */
export async function authenticateClient(ctx: CoreContext, clientId: string, secret: string | null): Promise<ClientRecord> {
  const find = () => findClient(ctx, clientId);
  const client = await auditingFailures(ctx, { event: "client_authentication", clientId, ip: null }, find);
  const presented = ctx.secretHash(secret ?? "");
  if (!client) throw new AuthError("invalid_client");
  if (client.secretHash === null) {
    if (secret !== null) throw new AuthError("invalid_client");
    return client;
  }
  if (secret === null || !safeEqual(client.secretHash, presented)) throw new AuthError("invalid_client");
  return client;
}
