// test-databases: each
// The authorization code flow's defences (security S76-S83): redirect URIs, PKCE, codes used
// once, login CSRF, framing, the session cookie, and what logout and revocation end.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { writeDatabase } from "../helpers/database.js";
import { authorizePath, findForm, HostedBrowser, pkce, redirectParams, signInThrough } from "../helpers/hosted-browser.js";
import { basic, createUser, PASSWORD } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";

const APP = { id: "album", secret: "album-secret-album-secret-album-secret", redirectUri: "https://album.example/callback" };
const OTHER = { id: "other-app", secret: "other-secret-other-secret-other-secret", redirectUri: "https://other.example/cb" };
const LOGOUT_TARGET = "https://album.example/bye";

describe("authorization code flow: defences (security S76-S83)", () => {
  let gh: TestServer;
  before(async () => {
    gh = await startServer();
    const scopes = ["openid", "profile", "email", "offline_access"];
    const grants = ["authorization_code", "refresh_token"];
    for (const client of [APP, OTHER]) {
      await gh.server.core.createClient({
        id: client.id,
        secret: client.secret,
        grants,
        scopes,
        firstParty: true,
        redirectUris: [client.redirectUri],
        postLogoutRedirectUris: client === APP ? [LOGOUT_TARGET] : [],
      });
    }
    await createUser(gh, "mallory-target");
  });
  after(() => gh.close());

  /** Signs in and returns the code the redirect carries, with its verifier. */
  async function codeFor(browser: HostedBrowser, extra: Record<string, string> = {}) {
    const { verifier, challenge } = pkce();
    const path = authorizePath(APP, challenge, extra);
    // A browser that is signed in already goes straight back with a code.
    const signedIn = browser.cookies.has("gatehouse-session");
    const back = signedIn ? await browser.get(path) : await signInThrough(browser, path, "mallory-target", PASSWORD);
    const params = redirectParams(back, APP.redirectUri);
    return { code: params.get("code") ?? "", verifier, params };
  }

  const exchange = (code: string, verifier: string | null, client = APP) =>
    gh.post("/oauth/token", {
      form: {
        grant_type: "authorization_code",
        code,
        redirect_uri: client.redirectUri,
        ...(verifier === null ? {} : { code_verifier: verifier }),
      },
      headers: { authorization: basic(client.id, client.secret) },
    });

  const userInfoStatus = async (accessToken: string) =>
    (await gh.request("GET", "/oauth/userinfo", { headers: { authorization: `Bearer ${accessToken}` } })).status;

  it("never redirects to an unregistered redirect URI, or for an unknown client (S76)", async () => {
    const browser = new HostedBrowser(gh.url);
    const { challenge } = pkce();
    for (const path of [
      authorizePath({ ...APP, redirectUri: "https://evil.example/callback" }, challenge),
      authorizePath({ ...APP, redirectUri: `${APP.redirectUri}/../evil` }, challenge),
      authorizePath({ ...APP, redirectUri: `${APP.redirectUri}?x=1` }, challenge),
      authorizePath({ id: "no-such-client", redirectUri: APP.redirectUri }, challenge),
      `${authorizePath(APP, challenge)}&redirect_uri=https%3A%2F%2Fevil.example%2F`,
    ]) {
      const page = await browser.get(path);
      assert.equal(page.status, 400, path);
      assert.equal(page.location, null, path);
      assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
      assert.doesNotMatch(page.text, /evil\.example/, "the page does not even link to it");
    }
  });

  it("refuses an open redirect through post_logout_redirect_uri (S77)", async () => {
    const browser = new HostedBrowser(gh.url);
    await codeFor(browser);
    for (const query of [
      `client_id=${APP.id}&post_logout_redirect_uri=${encodeURIComponent("https://evil.example/")}`,
      `post_logout_redirect_uri=${encodeURIComponent(LOGOUT_TARGET)}`,
      `client_id=${OTHER.id}&post_logout_redirect_uri=${encodeURIComponent(LOGOUT_TARGET)}`,
    ]) {
      const page = await browser.get(`/oauth/logout?${query}`);
      assert.equal(page.status, 400, query);
      assert.equal(page.location, null, query);
    }
    assert.ok(browser.cookies.has("gatehouse-session"), "nothing was signed out");
  });

  it("requires PKCE with S256 for every client, and the right verifier (S78)", async () => {
    const browser = new HostedBrowser(gh.url);
    await codeFor(browser);
    const { challenge } = pkce();
    const withoutChallenge = redirectParams(
      await browser.get(authorizePath(APP, challenge, { code_challenge: "" })),
      APP.redirectUri,
    );
    assert.equal(withoutChallenge.get("error"), "invalid_request");
    const plain = redirectParams(
      await browser.get(authorizePath(APP, challenge, { code_challenge_method: "plain" })),
      APP.redirectUri,
    );
    assert.equal(plain.get("error"), "invalid_request");
    assert.match(plain.get("error_description") ?? "", /S256/);

    const { code } = await codeFor(browser);
    for (const verifier of [null, pkce().verifier, "short"]) {
      const refused = await exchange(code, verifier);
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error, "invalid_grant");
    }
  });

  it("returns state and iss on every redirect, errors included (S79)", async () => {
    const browser = new HostedBrowser(gh.url);
    const { params } = await codeFor(browser);
    assert.equal(params.get("state"), "state-123");
    assert.equal(params.get("iss"), gh.config.issuer);
    const { challenge } = pkce();
    const error = redirectParams(await browser.get(authorizePath(APP, challenge, { scope: "openid admin" })), APP.redirectUri);
    assert.equal(error.get("error"), "invalid_scope");
    assert.equal(error.get("state"), "state-123");
    assert.equal(error.get("iss"), gh.config.issuer);
  });

  it("prompt=none without a session answers login_required, without a page (S79)", async () => {
    const { challenge } = pkce();
    const page = await new HostedBrowser(gh.url).get(authorizePath(APP, challenge, { prompt: "none" }));
    const params = redirectParams(page, APP.redirectUri);
    assert.equal(params.get("error"), "login_required");
    assert.equal(params.get("state"), "state-123");
  });

  it("a replayed code is refused and revokes the tokens of its first exchange (S80)", async () => {
    const { code, verifier } = await codeFor(new HostedBrowser(gh.url));
    const first = await exchange(code, verifier);
    assert.equal(first.status, 200, first.text);
    assert.equal(await userInfoStatus(first.body.access_token), 200);
    const second = await exchange(code, verifier);
    assert.equal(second.status, 400);
    assert.equal(second.body.error, "invalid_grant");
    assert.equal(await userInfoStatus(first.body.access_token), 401, "the access token died");
    const refresh = await gh.post("/oauth/token", {
      form: { grant_type: "refresh_token", refresh_token: first.body.refresh_token },
      headers: { authorization: basic(APP.id, APP.secret) },
    });
    assert.equal(refresh.body.error, "invalid_grant", "the refresh token died");
  });

  it("a code is bound to its client and dies after 60 seconds (S80)", async () => {
    const browser = new HostedBrowser(gh.url);
    const stolen = await codeFor(browser);
    const byOther = await gh.post("/oauth/token", {
      form: {
        grant_type: "authorization_code",
        code: stolen.code,
        redirect_uri: APP.redirectUri,
        code_verifier: stolen.verifier,
      },
      headers: { authorization: basic(OTHER.id, OTHER.secret) },
    });
    assert.equal(byOther.body.error, "invalid_grant");
    assert.equal((await exchange(stolen.code, stolen.verifier)).status, 200, "the rightful client still can");

    const expired = await codeFor(browser);
    await writeDatabase(gh.databaseUrl, "update authorization_codes set expires_at = ? where used_at is null", [Date.now() - 1]);
    const late = await exchange(expired.code, expired.verifier);
    assert.equal(late.body.error, "invalid_grant");
    assert.match(late.body.error_description, /expired/);
  });

  it("refuses a sign-in form without this browser's CSRF token: no login CSRF (S81)", async () => {
    const victim = new HostedBrowser(gh.url);
    const attacker = new HostedBrowser(gh.url);
    const { challenge } = pkce();
    const attackerPage = await attacker.get(authorizePath(APP, challenge));
    const attackerForm = findForm(attackerPage.text, "/oauth/authorize/sign-in");
    await victim.get(authorizePath(APP, challenge));
    for (const token of [attackerForm.hidden.csrf_token ?? "", "", "x".repeat(43)]) {
      const forged = await victim.post("/oauth/authorize/sign-in", {
        ...attackerForm.hidden,
        csrf_token: token,
        username: "mallory-target",
        password: PASSWORD,
      });
      assert.equal(forged.status, 403);
      assert.equal(forged.location, null);
      assert.ok(!victim.cookies.has("gatehouse-session"), "no session was opened");
    }
    // The same holds for the consent form and the sign-out confirmation.
    const consent = await victim.post("/oauth/authorize/consent", { ...attackerForm.hidden, decision: "allow" });
    assert.equal(consent.status, 403);
  });

  it("pages cannot be framed and run no script (S82)", async () => {
    const { challenge } = pkce();
    const page = await new HostedBrowser(gh.url).get(authorizePath(APP, challenge));
    const csp = page.headers.get("content-security-policy") ?? "";
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /script-src|unsafe-inline/);
    assert.equal(page.headers.get("x-frame-options"), "DENY");
    assert.equal(page.headers.get("cache-control"), "no-store");
    assert.doesNotMatch(page.text, /<script|style=/i);
  });

  it("the session cookie is HttpOnly and SameSite=Lax, and names a session the user can see (S83)", async () => {
    const browser = new HostedBrowser(gh.url);
    const { challenge } = pkce();
    const page = await browser.get(authorizePath(APP, challenge));
    const signedIn = await browser.submit(page, "/oauth/authorize/sign-in", { username: "mallory-target", password: PASSWORD });
    const cookie = signedIn.setCookies.find((line) => line.startsWith("gatehouse-session="));
    assert.ok(cookie, signedIn.setCookies.join("\n"));
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Lax/);
    assert.match(cookie, /; Path=\//);
    assert.doesNotMatch(cookie, /Domain=/i);
    // Its value is no bare session id: a forged one opens nothing.
    const sessionId = (browser.cookies.get("gatehouse-session") ?? "").split(".")[0] ?? "";
    const forged = new HostedBrowser(gh.url);
    forged.cookies.set("gatehouse-session", `${sessionId}.${"A".repeat(43)}`);
    const params = redirectParams(await forged.get(authorizePath(APP, challenge, { prompt: "none" })), APP.redirectUri);
    assert.equal(params.get("error"), "login_required");
  });

  it("logout ends the browser's session and every token issued through it (S83)", async () => {
    const browser = new HostedBrowser(gh.url);
    const { code, verifier } = await codeFor(browser);
    const tokens = (await exchange(code, verifier)).body;
    const hint = encodeURIComponent(tokens.id_token);
    const out = await browser.get(
      `/oauth/logout?id_token_hint=${hint}&post_logout_redirect_uri=${encodeURIComponent(LOGOUT_TARGET)}&state=s9`,
    );
    assert.equal(out.status, 303);
    assert.equal(out.location, `${LOGOUT_TARGET}?state=s9`);
    assert.equal(await userInfoStatus(tokens.access_token), 401);
    const { challenge } = pkce();
    const again = redirectParams(await browser.get(authorizePath(APP, challenge, { prompt: "none" })), APP.redirectUri);
    assert.equal(again.get("error"), "login_required", "the browser is signed out");
  });

  it("a logout link without an id_token_hint asks the user first (S83)", async () => {
    const browser = new HostedBrowser(gh.url);
    const { code, verifier } = await codeFor(browser);
    const tokens = (await exchange(code, verifier)).body;
    const confirm = await browser.get("/oauth/logout");
    assert.equal(confirm.status, 200);
    assert.equal(await userInfoStatus(tokens.access_token), 200, "nothing ended yet");
    const done = await browser.submit(confirm, "/oauth/logout", {});
    assert.equal(done.status, 200);
    assert.equal(await userInfoStatus(tokens.access_token), 401);
  });

  it("a password change ends the browser's session and the tokens issued through it (S83)", async () => {
    await createUser(gh, "changer");
    const browser = new HostedBrowser(gh.url);
    const { verifier, challenge } = pkce();
    const back = await signInThrough(browser, authorizePath(APP, challenge), "changer", PASSWORD);
    const tokens = (await exchange(redirectParams(back, APP.redirectUri).get("code") ?? "", verifier)).body;
    const sessions = await gh.request("GET", "/v1/me/sessions", { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(sessions.status, 200);
    assert.equal(sessions.body.sessions.length, 2, "the browser's session and the app's");
    const changed = await gh.post("/auth/password", {
      json: { username: "changer", oldPassword: PASSWORD, newPassword: "staple tractor lantern" },
    });
    assert.equal(changed.status, 200, changed.text);
    assert.equal(await userInfoStatus(tokens.access_token), 401);
    const params = redirectParams(await browser.get(authorizePath(APP, challenge, { prompt: "none" })), APP.redirectUri);
    assert.equal(params.get("error"), "login_required");
  });
});

describe("the session cookie over HTTPS (S83)", () => {
  let gh: TestServer;
  before(async () => {
    gh = await startServer({ ISSUER: "https://login.example" });
    await gh.server.core.createClient({
      id: APP.id,
      isPublic: true,
      grants: ["authorization_code"],
      scopes: ["openid"],
      firstParty: true,
      redirectUris: [APP.redirectUri],
    });
    await createUser(gh, "secure-user");
  });
  after(() => gh.close());

  it("carries the __Host- prefix and Secure", async () => {
    const browser = new HostedBrowser(gh.url);
    const { challenge } = pkce();
    const page = await browser.get(authorizePath(APP, challenge, { scope: "openid" }));
    assert.ok(
      page.setCookies.some((line) => /^__Host-gatehouse-csrf=[^;]+;.*; Secure/.test(line)),
      page.setCookies.join("\n"),
    );
    const signedIn = await browser.submit(page, "/oauth/authorize/sign-in", { username: "secure-user", password: PASSWORD });
    const cookie = signedIn.setCookies.find((line) => line.startsWith("__Host-gatehouse-session="));
    assert.ok(cookie, signedIn.setCookies.join("\n"));
    assert.match(cookie, /; Path=\/; .*HttpOnly; SameSite=Lax; Secure$/);
  });
});
