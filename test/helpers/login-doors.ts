import { queryDatabase } from "./database.js";
import type { Response, TestServer } from "./server.js";

/**
 * Every front door that checks a user's password, with a request that presents a username and
 * a password and a test of whether the answer let the caller in (or, for password change and
 * account deletion, did what was asked).
 */
export type LoginDoor = {
  name: string;
  send(
    gh: Pick<TestServer, "post" | "request">,
    username: string,
    password: string,
    headers?: Record<string, string>,
  ): Promise<Response>;
  succeeded(response: Response): boolean;
};

/** The built-in first-party client of the spring-oauth dialect, allowed the password grant. */
const WATUP = { client_id: "watup", client_secret: "watup" };

/** The client whose authorization request the hosted sign-in page serves (see `prepareLoginDoors`). */
const HOSTED_CLIENT = { id: "login-door", redirectUri: "http://127.0.0.1:9/callback" };
const HOSTED_REQUEST = new URLSearchParams({
  response_type: "code",
  client_id: HOSTED_CLIENT.id,
  redirect_uri: HOSTED_CLIENT.redirectUri,
  scope: "openid",
  code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
  code_challenge_method: "S256",
}).toString();

type Browser = { cookie: string; csrfToken: string; request: string };
const browsers = new WeakMap<object, Promise<Browser>>();

/**
 * One browser per server: the sign-in page fetched once (from 127.0.0.1, so that it takes no
 * turn of a test address's rate limit), its CSRF cookie and token reused by every attempt.
 */
function browserFor(gh: Pick<TestServer, "request">): Promise<Browser> {
  let browser = browsers.get(gh);
  if (!browser) {
    browser = (async () => {
      const page = await gh.request("GET", `/oauth/authorize?${HOSTED_REQUEST}`);
      const cookie = (page.headers.get("set-cookie") ?? "").split(";", 1)[0] ?? "";
      const csrfToken = /name="csrf_token" value="([^"]+)"/.exec(page.text)?.[1];
      const request = /name="request" value="([^"]+)"/.exec(page.text)?.[1]?.replaceAll("&amp;", "&");
      if (page.status !== 200 || !csrfToken || !request) throw new Error(`no sign-in page: ${page.status} ${page.text}`);
      return { cookie, csrfToken, request };
    })();
    browsers.set(gh, browser);
  }
  return browser;
}

/** Registers the client the hosted sign-in door needs; call once per database before using the doors. */
export async function prepareLoginDoors(gh: TestServer): Promise<void> {
  const existing = await gh.server.store.clients.findById(HOSTED_CLIENT.id);
  if (existing) return;
  await gh.server.core.createClient({
    id: HOSTED_CLIENT.id,
    isPublic: true,
    firstParty: true,
    grants: ["authorization_code"],
    scopes: ["openid"],
    redirectUris: [HOSTED_CLIENT.redirectUri],
  });
}

export const LOGIN_DOORS: LoginDoor[] = [
  {
    name: "password grant (POST /oauth/token)",
    send: (gh, username, password, headers = {}) =>
      gh.post("/oauth/token", { form: { grant_type: "password", username, password, ...WATUP }, headers }),
    succeeded: (response) => response.status === 200 && typeof response.body?.access_token === "string",
  },
  {
    name: "jwt-extended (POST /api/auth/login)",
    send: (gh, username, password, headers = {}) => gh.post("/api/auth/login", { json: { username, password }, headers }),
    succeeded: (response) => response.body?.code === 0,
  },
  {
    name: "jwt-auth (POST /login)",
    send: (gh, username, password, headers = {}) => gh.post("/login", { json: { uid: username, password }, headers }),
    succeeded: (response) => response.body?.success === true,
  },
  {
    name: "terminal (POST /auth/login)",
    send: (gh, username, password, headers = {}) =>
      gh.post("/auth/login", { json: { username, password, terminal: "door-test" }, headers }),
    succeeded: (response) => response.status === 200 && typeof response.body?.token === "string",
  },
  {
    name: "spring-oauth (POST /oauth/login)",
    send: (gh, username, password, headers = {}) => gh.post("/oauth/login", { form: { id: username, password }, headers }),
    succeeded: (response) => response.body?.code === 200,
  },
  {
    name: "hosted sign-in page (POST /oauth/authorize/sign-in)",
    async send(gh, username, password, headers = {}) {
      const browser = await browserFor(gh);
      const form = { csrf_token: browser.csrfToken, request: browser.request, username, password };
      return gh.post("/oauth/authorize/sign-in", { form, headers: { ...headers, cookie: browser.cookie }, redirect: "manual" });
    },
    // Signed in: on to the authorization endpoint with a session cookie.
    succeeded: (response) => response.status === 303 && /gatehouse-session=[^;]/.test(response.headers.get("set-cookie") ?? ""),
  },
];

/** The current-password checks that are not logins: password change and account deletion (terminal). */
export const PASSWORD_CHECK_DOORS: LoginDoor[] = [
  {
    name: "password change (POST /auth/password)",
    send: (gh, username, password, headers = {}) =>
      gh.post("/auth/password", { json: { username, oldPassword: password, newPassword: "staple tractor lantern" }, headers }),
    succeeded: (response) => response.status === 200,
  },
  {
    name: "account deletion (POST /auth/unregister)",
    send: (gh, username, password, headers = {}) => gh.post("/auth/unregister", { json: { username, password }, headers }),
    succeeded: (response) => response.status === 200,
  },
];

/** Registers an account through the jwt-extended dialect, insisting on success. */
export async function registerAccount(gh: TestServer, username: string, password: string): Promise<void> {
  const response = await gh.post("/api/auth/register", { json: { username, password } });
  if (response.body?.code !== 0) throw new Error(`register ${username}: ${response.text}`);
}

/**
 * How many of the user's failed logins were checked against the stored hash: the audited login
 * failures without a detail, which leaves out the attempts refused as locked.
 */
export async function evaluatedFailures(gh: TestServer, userId: string): Promise<number> {
  const [row] = await queryDatabase<{ n: number | string }>(
    gh.databaseUrl,
    "select count(*) as n from audit_events where event = 'login' and outcome = 'failure' and user_id = ? and detail is null",
    [userId],
  );
  return Number(row?.n);
}
