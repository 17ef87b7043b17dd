// test-databases: each
// The authorization endpoint's parameters, the consent it remembers, the sign-up page, the
// claims each scope allows, and the CORS answers for browser apps.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { writeDatabase } from "../helpers/database.js";
import { authorizePath, HostedBrowser, pkce, redirectParams, signInThrough } from "../helpers/hosted-browser.js";
import { basic, cli, PASSWORD } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";

const THIRD = { id: "notes", secret: "notes-secret-notes-secret-notes-secret", redirectUri: "https://notes.example/cb" };
const FIRST = { id: "console", redirectUri: "http://localhost:4100/cb" };

describe("the authorization endpoint", () => {
  let gh: TestServer;
  before(async () => {
    gh = await startServer();
    await gh.server.core.createClient({
      id: THIRD.id,
      secret: THIRD.secret,
      name: "Notes",
      grants: ["authorization_code", "refresh_token"],
      scopes: ["openid", "profile", "email", "notes.read"],
      redirectUris: [THIRD.redirectUri],
    });
    await gh.server.core.createClient({
      id: FIRST.id,
      isPublic: true,
      firstParty: true,
      grants: ["authorization_code"],
      scopes: ["openid", "profile", "email"],
      redirectUris: [FIRST.redirectUri],
    });
    await gh.server.core.register({ username: "wen", password: PASSWORD, email: "wen@example.com", displayName: "Wen Li" });
  });
  after(() => gh.close());

  /** The first-party app's token request for a code; `headers` adds e.g. an `Origin`. */
  const exchangeFirstParty = (code: string, verifier: string, headers: Record<string, string> = {}) =>
    gh.post("/oauth/token", {
      form: {
        grant_type: "authorization_code",
        client_id: FIRST.id,
        code,
        redirect_uri: FIRST.redirectUri,
        code_verifier: verifier,
      },
      headers,
    });

  /** Signs "wen" in for the first-party app with `scope` and exchanges the code. */
  async function firstPartyTokens(scope: string) {
    const { verifier, challenge } = pkce();
    const back = await signInThrough(new HostedBrowser(gh.url), authorizePath(FIRST, challenge, { scope }), "wen", PASSWORD);
    return exchangeFirstParty(redirectParams(back, FIRST.redirectUri).get("code") ?? "", verifier);
  }

  it("answers malformed requests on the redirect URI with the RFC 6749 error codes", async () => {
    const browser = new HostedBrowser(gh.url);
    const { challenge } = pkce();
    const cases: [Record<string, string>, string][] = [
      [{ response_type: "token" }, "unsupported_response_type"],
      [{ response_type: "" }, "invalid_request"],
      [{ request: "eyJ..." }, "request_not_supported"],
      [{ request_uri: "https://notes.example/r" }, "request_uri_not_supported"],
      [{ prompt: "none login" }, "invalid_request"],
      [{ max_age: "soon" }, "invalid_request"],
      [{ response_mode: "fragment" }, "invalid_request"],
      [{ scope: "openid notes.write" }, "invalid_scope"],
    ];
    for (const [extra, error] of cases) {
      const params = redirectParams(await browser.get(authorizePath(THIRD, challenge, extra)), THIRD.redirectUri);
      assert.equal(params.get("error"), error, JSON.stringify(extra));
    }
    const repeated = await browser.get(`${authorizePath(THIRD, challenge)}&scope=openid`);
    assert.equal(redirectParams(repeated, THIRD.redirectUri).get("error"), "invalid_request");
  });

  it("asks a third-party client's consent once, remembers it, and asks again for more or with prompt=consent", async () => {
    const browser = new HostedBrowser(gh.url);
    const first = pkce();
    const consent = await signInThrough(
      browser,
      authorizePath(THIRD, first.challenge, { scope: "openid profile" }),
      "wen",
      PASSWORD,
    );
    assert.equal(consent.status, 200);
    assert.match(consent.text, /Allow Notes\?/);
    assert.match(consent.text, /See your name and username/);
    const none = redirectParams(await browser.get(authorizePath(THIRD, first.challenge, { prompt: "none" })), THIRD.redirectUri);
    assert.equal(none.get("error"), "consent_required", "nothing allowed yet");
    const allowed = await browser.submit(consent, "/oauth/authorize/consent", { decision: "allow" });
    const code = redirectParams(allowed, THIRD.redirectUri).get("code") ?? "";
    const tokens = await gh.post("/oauth/token", {
      form: { grant_type: "authorization_code", code, redirect_uri: THIRD.redirectUri, code_verifier: first.verifier },
      headers: { authorization: basic(THIRD.id, THIRD.secret) },
    });
    assert.equal(tokens.status, 200, tokens.text);
    assert.equal(tokens.body.refresh_token, undefined, "a third-party client without offline_access gets no refresh token");

    const again = await browser.get(authorizePath(THIRD, first.challenge, { scope: "openid profile", prompt: "none" }));
    assert.ok(redirectParams(again, THIRD.redirectUri).get("code"), "remembered");
    const more = await browser.get(authorizePath(THIRD, first.challenge, { scope: "openid notes.read" }));
    assert.equal(more.status, 200, "a new scope is asked for");
    assert.match(more.text, /Use the permission “notes.read”/);
    const forced = await browser.get(authorizePath(THIRD, first.challenge, { scope: "openid", prompt: "consent" }));
    assert.equal(forced.status, 200);
    const denied = await browser.submit(forced, "/oauth/authorize/consent", { decision: "deny" });
    assert.equal(redirectParams(denied, THIRD.redirectUri).get("error"), "access_denied");
  });

  it("signs in with the email address, prefills login_hint and answers every wrong credential alike", async () => {
    const browser = new HostedBrowser(gh.url);
    const { challenge } = pkce();
    const page = await browser.get(authorizePath(FIRST, challenge, { login_hint: "wen@example.com" }));
    assert.match(page.text, /id="username"[^>]*value="wen@example.com"/);
    await cli(gh, ["user", "create", "--username", "gone", "--password", PASSWORD]);
    await cli(gh, ["user", "disable", "gone"]);
    const answers: string[] = [];
    for (const [username, password] of [
      ["wen", "wrong horse battery"],
      ["nobody-here", PASSWORD],
      ["gone", PASSWORD],
    ]) {
      const refused = await browser.submit(page, "/oauth/authorize/sign-in", {
        username: username ?? "",
        password: password ?? "",
      });
      assert.equal(refused.status, 401);
      answers.push(refused.text);
    }
    assert.ok(
      answers.every((text) => text === answers[0]),
      "one answer for every wrong credential",
    );
    assert.match(answers[0] ?? "", /role="alert">Wrong username or password\./);
    const signedIn = await browser.submit(page, "/oauth/authorize/sign-in", { username: "wen@example.com", password: PASSWORD });
    assert.equal(signedIn.status, 303);
  });

  it("signs in again when the session is older than max_age, and auth_time says when", async () => {
    const browser = new HostedBrowser(gh.url);
    const { verifier, challenge } = pkce();
    const back = await signInThrough(browser, authorizePath(FIRST, challenge), "wen", PASSWORD);
    assert.ok(redirectParams(back, FIRST.redirectUri).get("code"));
    const sessionId = (browser.cookies.get("gatehouse-session") ?? "").split(".")[0];
    await writeDatabase(gh.databaseUrl, "update sessions set created_at = created_at - 120000 where id = ?", [sessionId]);
    const stale = await browser.get(authorizePath(FIRST, challenge, { max_age: "60" }));
    assert.equal(stale.status, 200, "the sign-in page again");
    const none = await browser.get(authorizePath(FIRST, challenge, { max_age: "60", prompt: "none" }));
    assert.equal(redirectParams(none, FIRST.redirectUri).get("error"), "login_required");
    const fresh = await browser.follow(
      await browser.submit(stale, "/oauth/authorize/sign-in", { username: "wen", password: PASSWORD }),
    );
    const code = redirectParams(fresh, FIRST.redirectUri).get("code") ?? "";
    const tokens = await exchangeFirstParty(code, verifier);
    const payload = JSON.parse(Buffer.from(tokens.body.id_token.split(".")[1], "base64url").toString());
    assert.ok(Date.now() / 1000 - payload.auth_time < 30, "auth_time is the new sign-in");
  });

  it("gives the claims each scope allows, in the ID token and from UserInfo", async () => {
    const tokens = await firstPartyTokens("openid email");
    assert.equal(tokens.status, 200, tokens.text);
    assert.equal(tokens.body.refresh_token, undefined, "the client has no refresh_token grant");
    const info = await gh.request("POST", "/oauth/userinfo", {
      headers: { authorization: `Bearer ${tokens.body.access_token}` },
    });
    assert.deepEqual(Object.keys(info.body).sort(), ["email", "email_verified", "sub"]);
    assert.equal(info.body.email, "wen@example.com");
    assert.equal(info.headers.get("access-control-allow-origin"), "*");
  });

  it("UserInfo wants a bearer token granted openid", async () => {
    const tokens = await firstPartyTokens("profile");
    assert.equal(tokens.body.id_token, undefined, "no openid, no ID token");
    const refused = await gh.request("GET", "/oauth/userinfo", {
      headers: { authorization: `Bearer ${tokens.body.access_token}` },
    });
    assert.equal(refused.status, 403);
    assert.match(refused.headers.get("www-authenticate") ?? "", /error="insufficient_scope"/);
    const missing = await gh.request("GET", "/oauth/userinfo");
    assert.equal(missing.status, 401);
    assert.match(missing.headers.get("www-authenticate") ?? "", /^Bearer /);
  });

  it("signs up from the sign-in page with the registration's rules, then goes on to the client", async () => {
    const browser = new HostedBrowser(gh.url);
    const { challenge } = pkce();
    const path = authorizePath(FIRST, challenge).replace("/oauth/authorize?", "/oauth/authorize/sign-up?");
    const page = await browser.get(path);
    assert.equal(page.status, 200);
    assert.match(page.text, /Create an account to continue to console\./);
    const weak = await browser.submit(page, "/oauth/authorize/sign-up", { username: "newbie", email: "", password: "short" });
    assert.equal(weak.status, 400);
    assert.match(weak.text, /role="alert">The password is too short\./);
    const taken = await browser.submit(page, "/oauth/authorize/sign-up", { username: "wen", email: "", password: PASSWORD });
    assert.equal(taken.status, 409);
    const created = await browser.submit(page, "/oauth/authorize/sign-up", { username: "newbie", email: "", password: PASSWORD });
    assert.equal(created.status, 303, created.text);
    assert.ok(redirectParams(await browser.follow(created), FIRST.redirectUri).get("code"));
  });

  it("lets a registered origin read the token response, and no other", async () => {
    const browser = new HostedBrowser(gh.url);
    const { verifier, challenge } = pkce();
    const back = await signInThrough(browser, authorizePath(FIRST, challenge), "wen", PASSWORD);
    const code = redirectParams(back, FIRST.redirectUri).get("code") ?? "";
    const ok = await exchangeFirstParty(code, verifier, { origin: "http://localhost:4100" });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get("access-control-allow-origin"), "http://localhost:4100");
    assert.equal(ok.headers.get("access-control-allow-credentials"), null);
    const foreign = await gh.post("/oauth/token", {
      form: { grant_type: "refresh_token", client_id: FIRST.id, refresh_token: "x" },
      headers: { origin: "https://evil.example" },
    });
    assert.equal(foreign.headers.get("access-control-allow-origin"), null);
    const preflight = await gh.request("OPTIONS", "/oauth/userinfo", {
      headers: { origin: "https://notes.example", "access-control-request-method": "GET" },
    });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get("access-control-allow-headers") ?? "", /authorization/);
  });
});
