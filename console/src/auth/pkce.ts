/**
 * The pieces of one authorization request (RFC 7636, OpenID Connect Core §3.1.2): a PKCE
 * verifier and its S256 challenge, `state` against cross-site request forgery, `nonce` against
 * a replayed ID token. All from WebCrypto.
 */

export type Attempt = { verifier: string; state: string; nonce: string; returnTo: string };

/** `bytes` random bytes as base64url without padding (RFC 4648 §5). */
export function randomText(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** BASE64URL(SHA-256(ASCII(verifier))), RFC 7636 §4.2. */
export async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** A fresh attempt: a 256-bit verifier (43 characters, within RFC 7636's 43-128), state and nonce. */
export function newAttempt(returnTo: string): Attempt {
  return { verifier: randomText(32), state: randomText(16), nonce: randomText(16), returnTo };
}

export type ClientInfo = { clientId: string; redirectUri: string; scope: string };

/** The authorization request's URL path for `attempt`. */
export async function authorizeUrl(client: ClientInfo, attempt: Attempt, locale: string): Promise<string> {
  const params = new URLSearchParams({
    response_type: "code",
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    scope: client.scope,
    state: attempt.state,
    nonce: attempt.nonce,
    code_challenge: await s256(attempt.verifier),
    code_challenge_method: "S256",
    ui_locales: locale,
  });
  return `/oauth/authorize?${params}`;
}

export type CallbackResult = { ok: true; code: string } | { ok: false; error: string };

/**
 * What the redirect back carries, checked against the attempt that started it: a `state` that
 * is not ours (or no attempt at all) is refused before any code is exchanged.
 */
export function readCallback(query: URLSearchParams, attempt: Attempt | null): CallbackResult {
  const state = query.get("state");
  if (!attempt || state === null || state !== attempt.state) return { ok: false, error: "state_mismatch" };
  const error = query.get("error");
  if (error) return { ok: false, error };
  const code = query.get("code");
  return code ? { ok: true, code } : { ok: false, error: "no_code" };
}

/** The claims of a JWT's payload, unverified: the ID token came straight from the token endpoint. */
export function jwtClaims(token: string): Record<string, unknown> {
  const part = token.split(".")[1] ?? "";
  const padded = part.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((part.length + 3) % 4);
  const json = new TextDecoder().decode(Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)));
  return JSON.parse(json) as Record<string, unknown>;
}

/** The ID token is for this client and this attempt (OpenID Connect Core §3.1.3.7, items 3 and 11). */
export function idTokenFits(idToken: string, clientId: string, nonce: string): boolean {
  try {
    const claims = jwtClaims(idToken);
    const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    return audience.includes(clientId) && claims.nonce === nonce;
  } catch {
    return false;
  }
}
