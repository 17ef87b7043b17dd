// The authorization code flow scenario of the benchmark (bench/run.mjs): a browser that is
// signed in already (one hosted sign-in beforehand) asks `/oauth/authorize` for a code, and the
// app exchanges it at `/oauth/token` for an access token, an ID token and a refresh token.

import { createHash, randomBytes } from "node:crypto";
import { URLSearchParams } from "node:url";
import { call, jsonPost } from "./processes.mjs";
import { PASSWORD } from "./seed.mjs";

/** A first-party public client (no consent page), registered by `createBenchClient`. */
export const CODE_CLIENT = { id: "bench-spa", redirectUri: "http://127.0.0.1:9/callback" };
/** Not a seeded user: the flow's sessions touch no other scenario's account. */
const CODE_USER = "bench-code-flow";

/** The query of the authorization request every flow repeats (one PKCE pair for all). */
function authorizeQuery(challenge) {
  return new URLSearchParams({
    response_type: "code",
    client_id: CODE_CLIENT.id,
    redirect_uri: CODE_CLIENT.redirectUri,
    scope: "openid profile",
    state: "bench",
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
}

const firstCookie = (setCookie) => String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(";", 1)[0];

/**
 * Registers the flow's user and signs it in on the hosted page, as a browser would: the page's
 * CSRF cookie and token, then the sign-in form. Returns what the load needs: the session
 * cookie, the authorization request's path and the PKCE verifier.
 */
export async function signedInBrowser(url) {
  const registered = await jsonPost(url, "/api/auth/register", { username: CODE_USER, password: PASSWORD });
  if (registered.body?.code !== 0) throw new Error(`registering ${CODE_USER}: ${JSON.stringify(registered.body)}`);
  const verifier = randomBytes(32).toString("base64url");
  const path = `/oauth/authorize?${authorizeQuery(createHash("sha256").update(verifier).digest("base64url"))}`;
  const page = await call(url, "GET", path, {});
  const csrfCookie = firstCookie(page.headers["set-cookie"]);
  const csrfToken = /name="csrf_token" value="([^"]+)"/.exec(page.body)?.[1];
  const request = /name="request" value="([^"]+)"/.exec(page.body)?.[1]?.replaceAll("&amp;", "&");
  if (!csrfToken || !request) throw new Error(`no sign-in page: ${page.status}`);
  const body = new URLSearchParams({ csrf_token: csrfToken, request, username: CODE_USER, password: PASSWORD }).toString();
  const signedIn = await call(url, "POST", "/oauth/authorize/sign-in", {
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: csrfCookie },
    body,
  });
  if (signedIn.status !== 303) throw new Error(`hosted sign-in: ${signedIn.status}`);
  return { cookie: firstCookie(signedIn.headers["set-cookie"]), path, verifier, ...CODE_CLIENT };
}

/**
 * Code flows per second: each connection asks for a code with the browser's cookie, then
 * exchanges it. Held against half the commit ceiling: a flow commits twice (the code; the
 * exchange's session, refresh token and audit record).
 * @param {import("./scenarios.mjs").Bench} bench
 */
export async function measureCodeFlow(bench) {
  const browser = await signedInBrowser(bench.server.url);
  const probe = await call(bench.server.url, "GET", browser.path, { headers: { cookie: browser.cookie } });
  if (probe.status !== 302) throw new Error(`authorize with a session: ${probe.status}`);
  return bench.measurer.measure(
    "code flow (authorize with a session + token exchange)",
    { ...bench.base, kind: "code-flow", data: browser },
    bench.server,
  );
}
