import { type ClientRecord, UniqueViolation } from "../ports.js";
import { auditingFailures, type CoreContext } from "../context.js";
import { AuthError } from "../errors.js";
import { randomToken, safeEqual } from "../tokens/secrets.js";

export const SUPPORTED_GRANTS = ["password", "refresh_token", "client_credentials"] as const;

export type NewClient = { id: string; secret?: string | null; isPublic?: boolean; grants: string[]; scopes: string[] };

const CLIENT_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,64}$/;
const MIN_SECRET_LENGTH = 32;

/**
 * Registers an OAuth client. A confidential client's secret is generated (256 bits) unless
 * given; only its keyed hash is stored, and the plaintext is returned exactly once.
 */
export async function createClient(ctx: CoreContext, input: NewClient): Promise<{ id: string; secret: string | null }> {
  if (!CLIENT_ID.test(input.id)) throw new AuthError("invalid_request", "client id: 1-128 letters, digits or _ . : -");
  const unknownGrant = input.grants.find((grant) => !(SUPPORTED_GRANTS as readonly string[]).includes(grant));
  if (unknownGrant !== undefined || input.grants.length === 0) {
    throw new AuthError("invalid_request", `grants must be among ${SUPPORTED_GRANTS.join(", ")}`);
  }
  if (input.scopes.some((scope) => !SCOPE_TOKEN.test(scope))) throw new AuthError("invalid_request", "malformed scope");
  const secret = input.isPublic ? null : (input.secret ?? randomToken(32));
  if (secret !== null && secret.length < MIN_SECRET_LENGTH) throw new AuthError("client_secret_weak");
  try {
    await ctx.store.clients.insert({
      id: input.id,
      secretHash: secret === null ? null : ctx.secretHash(secret),
      grants: [...input.grants],
      scopes: [...input.scopes],
      accessTokenTtl: null,
      refreshTokenTtl: null,
      createdAt: ctx.now(),
    });
  } catch (error) {
    if (error instanceof UniqueViolation) throw new AuthError("already_exists", input.id);
    throw error;
  }
  return { id: input.id, secret };
}

export type BuiltInClient = {
  id: string;
  /** A secret fixed by configuration for a legacy front end that ships it; empty: public. */
  legacySecret: string;
  grants: string[];
  scopes: string[];
  accessTokenTtl: number;
  refreshTokenTtl: number;
};

/** Creates or updates a first-party client defined by configuration (not by an operator). */
export async function ensureBuiltInClient(ctx: CoreContext, client: BuiltInClient): Promise<void> {
  await ctx.store.clients.upsert({
    id: client.id,
    secretHash: client.legacySecret ? ctx.secretHash(client.legacySecret) : null,
    grants: client.grants,
    scopes: client.scopes,
    accessTokenTtl: client.accessTokenTtl,
    refreshTokenTtl: client.refreshTokenTtl,
    createdAt: ctx.now(),
  });
}

/**
 * Authenticates a client by id and secret (or id alone for a public client). Unknown client
 * and wrong secret fail alike; the secret check is a constant-time comparison of keyed hashes,
 * cheap enough to run on every token and introspection call.
 */
export async function authenticateClient(ctx: CoreContext, clientId: string, secret: string | null): Promise<ClientRecord> {
  const find = () => (CLIENT_ID.test(clientId) ? ctx.store.clients.findById(clientId) : Promise.resolve(null));
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
