// test-databases: each
// The whole OpenID Connect flow driven by an independent, certified relying-party library
// (panva's openid-client): discovery, an authorization URL with PKCE and nonce, the hosted
// sign-in submitted over HTTP, the code exchange with the library's own ID-token validation,
// UserInfo, refresh, and RP-initiated logout; for a confidential and for a public client.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as oidc from "openid-client";
import { HostedBrowser, type Page, signInThrough } from "../helpers/hosted-browser.js";
import { createUser, PASSWORD } from "../helpers/oauth.js";
import { authorizationRequest, discover } from "../helpers/openid.js";
import { startServer, type TestServer } from "../helpers/server.js";

type RelyingParty = {
  id: string;
  secret: string | null;
  firstParty: boolean;
  redirectUri: string;
  logoutUri: string;
  scope: string;
};

const CONFIDENTIAL: RelyingParty = {
  id: "photo-album",
  secret: "photo-album-secret-photo-album-secret",
  firstParty: false,
  redirectUri: "https://photos.example/callback",
  logoutUri: "https://photos.example/signed-out",
  scope: "openid profile email offline_access",
};

const PUBLIC: RelyingParty = {
  id: "gatehouse-cli",
  secret: null,
  firstParty: true,
  redirectUri: "http://127.0.0.1:53682/callback",
  logoutUri: "http://127.0.0.1:53682/bye",
  scope: "openid profile",
};

/**
 * The library's view of the provider. The issuer is the server's configured one; every request
 * the library makes to it is sent to the test server's real loopback address instead.
 */
const discoverFor = (gh: TestServer, party: RelyingParty): Promise<oidc.Configuration> =>
  discover(gh.config.issuer, { clientId: party.id, secret: party.secret, redirectUri: party.redirectUri, reachAt: gh.url });

/** A path and query of a URL the library built, for our browser (which talks to the real address). */
const pathOf = (url: URL) => `${url.pathname}${url.search}`;

/** Through the hosted pages: sign in, and allow the app when the consent page asks. */
async function authorizeInBrowser(browser: HostedBrowser, url: URL, username: string): Promise<Page> {
  const answer = await signInThrough(browser, pathOf(url), username, PASSWORD);
  if (answer.status !== 200) return answer;
  assert.match(answer.text, /Allow Photo Album\?/);
  return browser.submit(answer, "/oauth/authorize/consent", { decision: "allow" });
}

describe("OpenID Connect with openid-client", () => {
  let gh: TestServer;
  const userIds = new Map<string, string>();
  before(async () => {
    gh = await startServer();
    for (const party of [CONFIDENTIAL, PUBLIC]) {
      await gh.server.core.createClient({
        id: party.id,
        ...(party.secret === null ? { isPublic: true } : { secret: party.secret }),
        name: party.firstParty ? null : "Photo Album",
        grants: ["authorization_code", "refresh_token"],
        scopes: party.scope.split(" "),
        redirectUris: [party.redirectUri],
        postLogoutRedirectUris: [party.logoutUri],
        firstParty: party.firstParty,
      });
    }
    for (const name of ["rp-confidential", "rp-public"]) userIds.set(name, await createUser(gh, name));
  });
  after(() => gh.close());

  for (const [party, username] of [
    [CONFIDENTIAL, "rp-confidential"],
    [PUBLIC, "rp-public"],
  ] as const) {
    it(`runs the whole flow for a ${party.secret === null ? "public" : "confidential"} client`, async () => {
      const config = await discoverFor(gh, party);
      assert.deepEqual(config.serverMetadata().code_challenge_methods_supported, ["S256"]);
      const request = await authorizationRequest(config, { redirect_uri: party.redirectUri, scope: party.scope });

      const browser = new HostedBrowser(gh.url);
      const back = await authorizeInBrowser(browser, request.url, username);
      assert.ok(back.location?.startsWith(party.redirectUri), `${back.status} ${back.text.slice(0, 200)}`);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(back.location ?? ""), {
        ...request.checks,
        idTokenExpected: true,
      });

      const claims = tokens.claims();
      assert.ok(claims, "an ID token, validated by the library");
      assert.equal(claims.sub, userIds.get(username));
      assert.equal(claims.aud, party.id);
      assert.equal(claims.preferred_username, username);
      assert.equal(typeof claims.auth_time, "number");
      assert.equal(typeof claims.sid, "string");
      assert.equal(tokens.scope, party.scope);

      const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      assert.equal(info.preferred_username, username);
      assert.equal(info.email, undefined, "no email address on the account");

      assert.ok(tokens.refresh_token, "first-party, or offline_access granted: a refresh token");
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
      assert.notEqual(refreshed.refresh_token, tokens.refresh_token, "the refresh token rotated");
      await oidc.fetchUserInfo(config, refreshed.access_token, claims.sub);

      const logout = oidc.buildEndSessionUrl(config, {
        id_token_hint: tokens.id_token ?? "",
        post_logout_redirect_uri: party.logoutUri,
        state: "bye",
      });
      const signedOut = await browser.get(pathOf(logout));
      assert.equal(signedOut.status, 303, signedOut.text);
      assert.equal(signedOut.location, `${party.logoutUri}?state=bye`);
      await assert.rejects(
        oidc.fetchUserInfo(config, refreshed.access_token, claims.sub),
        "tokens end with the browser's session",
      );
      await assert.rejects(oidc.refreshTokenGrant(config, refreshed.refresh_token ?? ""));
    });
  }

  it("signs in again without a password while the browser's session lives, and not with prompt=login", async () => {
    const config = await discoverFor(gh, PUBLIC);
    const browser = new HostedBrowser(gh.url);
    const authorizeUrl = async (extra: Record<string, string> = {}) =>
      (await authorizationRequest(config, { redirect_uri: PUBLIC.redirectUri, scope: "openid", ...extra })).url;
    await authorizeInBrowser(browser, await authorizeUrl(), "rp-public");
    const silent = await browser.get(pathOf(await authorizeUrl({ prompt: "none" })));
    assert.equal(new URL(silent.location ?? "http://x/").searchParams.has("code"), true, silent.text.slice(0, 200));
    const forced = await browser.get(pathOf(await authorizeUrl({ prompt: "login" })));
    assert.equal(forced.status, 200);
    assert.match(forced.text, /name="password"/);
  });
});
