import { type Attempt, authorizeUrl, type ClientInfo, idTokenFits, newAttempt, readCallback } from "./pkce";
import { type TokenSet, TokenStore } from "./tokens";

/** The built-in client Gatehouse registers for the console at start (src/http/console/client.ts). */
export const CLIENT: ClientInfo = {
  clientId: "gatehouse-console",
  redirectUri: `${location.origin}/console/callback`,
  scope: "openid profile",
};

/**
 * The one sign-in attempt in progress, kept across the redirect to the login page and back: it
 * must outlive the page it started on. Only the verifier, state and nonce, never a token, and
 * removed as soon as the browser is back.
 */
const ATTEMPT_KEY = "gatehouse-console-attempt";

export class SignInError extends Error {}

type TokenAnswer = { access_token: string; refresh_token?: string; id_token?: string; expires_in: number };

async function tokenRequest(form: Record<string, string>): Promise<TokenSet> {
  const response = await fetch("/oauth/token", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_id: CLIENT.clientId, ...form }),
  });
  const body = (await response.json().catch(() => ({}))) as Partial<TokenAnswer> & { error?: string };
  if (!response.ok || !body.access_token) throw new SignInError(body.error ?? `HTTP ${response.status}`);
  return {
    accessToken: body.access_token,
    refreshToken: body.refresh_token ?? null,
    idToken: body.id_token ?? null,
    expiresIn: body.expires_in ?? 300,
  };
}

export const tokens = new TokenStore({
  refresh: (refreshToken) => tokenRequest({ grant_type: "refresh_token", refresh_token: refreshToken }),
  // The session ended elsewhere (revoked, disabled, expired): sign in again from where we are.
  onExpired: () => void beginSignIn(location.pathname + location.search),
});

/** Sends the browser to the hosted login; it comes back to /console/callback. */
export async function beginSignIn(returnTo: string, locale = document.documentElement.lang): Promise<void> {
  const attempt = newAttempt(returnTo);
  sessionStorage.setItem(ATTEMPT_KEY, JSON.stringify(attempt));
  location.assign(await authorizeUrl(CLIENT, attempt, locale));
}

function takeAttempt(): Attempt | null {
  const saved = sessionStorage.getItem(ATTEMPT_KEY);
  sessionStorage.removeItem(ATTEMPT_KEY);
  try {
    return saved ? (JSON.parse(saved) as Attempt) : null;
  } catch {
    return null;
  }
}

/** Completes the sign-in on /console/callback: checks state, exchanges the code, checks the nonce. Returns where to go. */
export async function completeSignIn(query: URLSearchParams): Promise<string> {
  const attempt = takeAttempt();
  const result = readCallback(query, attempt);
  if (!result.ok || !attempt) throw new SignInError(result.ok ? "state_mismatch" : result.error);
  const answer = await tokenRequest({
    grant_type: "authorization_code",
    code: result.code,
    redirect_uri: CLIENT.redirectUri,
    code_verifier: attempt.verifier,
  });
  if (!answer.idToken || !idTokenFits(answer.idToken, CLIENT.clientId, attempt.nonce)) throw new SignInError("invalid_id_token");
  tokens.set(answer);
  return attempt.returnTo.startsWith("/console/") && !attempt.returnTo.startsWith("/console/callback")
    ? attempt.returnTo
    : "/console/";
}

/** RP-initiated logout: the browser's session at Gatehouse ends, and every token issued through it. */
export function signOut(): void {
  const hint = tokens.idToken;
  tokens.clear();
  const params = new URLSearchParams({ client_id: CLIENT.clientId, post_logout_redirect_uri: `${location.origin}/console/` });
  if (hint) params.set("id_token_hint", hint);
  location.assign(`/oauth/logout?${params}`);
}
