import * as oidc from "openid-client";

/**
 * Gatehouse as a relying party sees it, through panva's openid-client (a certified RP library):
 * discovery and the authorization request. The tests call the library itself for the rest
 * (`authorizationCodeGrant`, `fetchUserInfo`, `refreshTokenGrant`, `buildEndSessionUrl`), so that
 * what they check is the library's own validation.
 */

export type RelyingParty = {
  clientId: string;
  /** A confidential client's secret, sent with HTTP Basic; none (or null) for a public client. */
  secret?: string | null;
  /** The redirect URI the client is registered with, recorded in its metadata. */
  redirectUri?: string;
  /**
   * Where the provider really listens, when that is not the issuer's origin: a test server on a
   * random port answers for its configured ISSUER. Every request to the issuer's origin goes here.
   */
  reachAt?: string;
};

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Plain HTTP only to this machine: anywhere else the library's HTTPS-only rule stands. */
const isLoopbackHttp = (url: URL) => url.protocol === "http:" && LOOPBACK.has(url.hostname);

/** Fetches the issuer's discovery document; the Configuration every other call takes. */
export function discover(issuer: string | URL, party: RelyingParty): Promise<oidc.Configuration> {
  const issuerUrl = new URL(issuer);
  const target = party.reachAt === undefined ? issuerUrl : new URL(party.reachAt);
  const auth = party.secret ? oidc.ClientSecretBasic(party.secret) : oidc.None();
  const metadata = party.redirectUri === undefined ? undefined : { redirect_uris: [party.redirectUri] };
  const options: oidc.DiscoveryRequestOptions = {};
  if (isLoopbackHttp(target)) options.execute = [oidc.allowInsecureRequests];
  if (target.origin !== issuerUrl.origin) {
    options[oidc.customFetch] = (url, init) => fetch(reroute(url, issuerUrl.origin, target.origin), init);
  }
  return oidc.discovery(issuerUrl, party.clientId, metadata, auth, options);
}

function reroute(url: string, from: string, to: string): string {
  const parsed = new URL(url);
  return parsed.origin === from ? `${to}${parsed.pathname}${parsed.search}` : url;
}

/** What `authorizationCodeGrant` must check the answer to an authorization request against. */
export type AuthorizationChecks = { pkceCodeVerifier: string; expectedNonce: string; expectedState: string };

/**
 * An authorization request's URL with a fresh PKCE verifier (S256), nonce and state, and the
 * checks to pass on to `authorizationCodeGrant`. `params` are the request's own parameters,
 * named as on the wire (`redirect_uri`, `scope`, `prompt`, ...); a `nonce` or `state` given
 * there is used instead of a fresh one.
 */
export async function authorizationRequest(
  config: oidc.Configuration,
  params: Record<string, string>,
): Promise<{ url: URL; checks: AuthorizationChecks }> {
  const checks: AuthorizationChecks = {
    pkceCodeVerifier: oidc.randomPKCECodeVerifier(),
    expectedNonce: params.nonce ?? oidc.randomNonce(),
    expectedState: params.state ?? oidc.randomState(),
  };
  const url = oidc.buildAuthorizationUrl(config, {
    code_challenge: await oidc.calculatePKCECodeChallenge(checks.pkceCodeVerifier),
    code_challenge_method: "S256",
    nonce: checks.expectedNonce,
    state: checks.expectedState,
    ...params,
  });
  return { url, checks };
}
