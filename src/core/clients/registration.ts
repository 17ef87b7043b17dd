import type { ClientRecord, TokenEndpointAuthMethod } from "../ports.js";
import { AuthError } from "../errors.js";

export const SUPPORTED_GRANTS = ["password", "refresh_token", "client_credentials", "authorization_code"] as const;

export const AUTH_METHODS: readonly TokenEndpointAuthMethod[] = ["client_secret_basic", "client_secret_post", "none"];

/** What an operator registers or changes about a client (everything but its id and secret). */
export type ClientSettings = {
  name?: string | null;
  grants?: string[];
  scopes?: string[];
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  firstParty?: boolean;
};

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,64}$/;
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]", "localhost"]);
// A private-use scheme of a native app (RFC 8252 §7.1) is a reverse domain name: it has a dot.
const PRIVATE_USE_SCHEME = /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/;

/**
 * A redirect URI is compared as an exact string, so it must be one: absolute, without a
 * fragment (RFC 6749 §3.1.2) or whitespace; `https`, `http` only on a loopback host, or a
 * native app's private-use scheme.
 */
export function checkRedirectUri(uri: string, what = "redirect URI"): void {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new AuthError("invalid_request", `${what} must be an absolute URI: ${uri}`);
  }
  if (/\s/.test(uri) || url.hash !== "" || uri.includes("#") || uri.length > 2000) {
    throw new AuthError("invalid_request", `${what} must have no fragment or whitespace: ${uri}`);
  }
  if (url.protocol === "https:") return;
  if (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname)) return;
  if (url.protocol !== "http:" && PRIVATE_USE_SCHEME.test(url.protocol)) return;
  throw new AuthError("invalid_request", `${what} must use https (http only on a loopback host): ${uri}`);
}

/** The client's registration with `changes` applied and every rule checked. */
export function applyClientSettings(client: ClientRecord, changes: ClientSettings): ClientRecord {
  const next: ClientRecord = { ...client };
  if (changes.name !== undefined) next.name = changes.name === null || changes.name === "" ? null : changes.name;
  if (changes.grants !== undefined) next.grants = [...new Set(changes.grants)];
  if (changes.scopes !== undefined) next.scopes = [...new Set(changes.scopes)];
  if (changes.redirectUris !== undefined) next.redirectUris = [...new Set(changes.redirectUris)];
  if (changes.postLogoutRedirectUris !== undefined) next.postLogoutRedirectUris = [...new Set(changes.postLogoutRedirectUris)];
  if (changes.tokenEndpointAuthMethod !== undefined) next.tokenEndpointAuthMethod = changes.tokenEndpointAuthMethod;
  if (changes.firstParty !== undefined) next.firstParty = changes.firstParty;
  checkRegistration(next);
  return next;
}

function checkRegistration(client: ClientRecord): void {
  const unknownGrant = client.grants.find((grant) => !(SUPPORTED_GRANTS as readonly string[]).includes(grant));
  if (unknownGrant !== undefined || client.grants.length === 0) {
    throw new AuthError("invalid_request", `grants must be among ${SUPPORTED_GRANTS.join(", ")}`);
  }
  if (client.scopes.some((scope) => !SCOPE_TOKEN.test(scope))) throw new AuthError("invalid_request", "malformed scope");
  if (client.name !== null && (client.name.length > 100 || /[\p{Cc}]/u.test(client.name))) {
    throw new AuthError("invalid_request", "client name: at most 100 printable characters");
  }
  client.redirectUris.forEach((uri) => checkRedirectUri(uri));
  client.postLogoutRedirectUris.forEach((uri) => checkRedirectUri(uri, "post-logout redirect URI"));
  if (client.grants.includes("authorization_code") && client.redirectUris.length === 0) {
    throw new AuthError("invalid_request", "the authorization_code grant needs at least one redirect URI");
  }
  if (!AUTH_METHODS.includes(client.tokenEndpointAuthMethod)) {
    throw new AuthError("invalid_request", `token endpoint auth method must be among ${AUTH_METHODS.join(", ")}`);
  }
  const isPublic = client.secretHash === null;
  if (isPublic !== (client.tokenEndpointAuthMethod === "none")) {
    throw new AuthError("invalid_request", "a public client authenticates with none, a confidential one with its secret");
  }
}
