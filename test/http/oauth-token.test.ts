// test-databases: each
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createLocalJWKSet, jwtVerify } from "jose";
import {
  basic,
  type Client,
  cli,
  createClient,
  createUser,
  introspect,
  isActive,
  login,
  PASSWORD,
  passwordGrant,
  refreshGrant,
  sleep,
  token,
} from "../helpers/oauth.js";
import { type Response, startServer, type TestServer } from "../helpers/server.js";

const ISSUER = "http://localhost:8080";
// Contains the characters that break naive Basic parsing: ':', '%' and '+'.
const AWKWARD_SECRET = "s3cr3t:with%25percent+plus:colon%zz-and-more-padding";

function assertError(response: Response, status: number, error: string): void {
  assert.equal(response.status, status, response.text);
  assert.equal(response.body?.error, error, response.text);
  assert.doesNotMatch(response.text, /\bat \S+:\d+|SQLITE|sqlite|select /i, "no stack trace or SQL in errors");
}

/** The response headers that matter for comparing two answers (all but the per-request ones). */
const headerSet = (response: Response) =>
  [...response.headers.entries()].filter(([name]) => !["date", "content-length"].includes(name)).sort();

describe("POST /oauth/token", () => {
  let gh: TestServer;
  let web: Client;
  let awkward: Client;
  let mobile: Client;
  let refreshOnly: Client;
  let aliceId: string;

  before(async () => {
    gh = await startServer({ ACCESS_TOKEN_TTL: "600" });
    [aliceId, web, awkward, mobile, refreshOnly] = await Promise.all([
      createUser(gh, "alice"),
      createClient(gh, "web"),
      createClient(gh, "awkward", { secret: AWKWARD_SECRET }),
      createClient(gh, "mobile", { public: true }),
      createClient(gh, "refresh-only", { grants: ["refresh_token"] }),
      createUser(gh, "dora").then(() => cli(gh, ["user", "disable", "dora"])),
    ]);
  });
  after(() => gh?.close());

  describe("password grant", () => {
    it("issues a signed at+jwt access token and a refresh token, never cached", async () => {
      const response = await passwordGrant(gh, web, "alice");
      assert.equal(response.status, 200, response.text);
      assert.equal(response.headers.get("cache-control"), "no-store");
      assert.equal(response.headers.get("pragma"), "no-cache");
      const body = response.body;
      assert.equal(body.token_type, "Bearer");
      assert.equal(body.expires_in, 600, "ACCESS_TOKEN_TTL is reflected in expires_in");
      assert.equal(body.scope, "read write");
      assert.equal(typeof body.refresh_token, "string");
      assert.ok(body.refresh_token.length >= 22);

      const jwks = (await gh.request("GET", "/.well-known/jwks.json")).body;
      const { payload, protectedHeader } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), {
        issuer: ISSUER,
        algorithms: ["EdDSA"],
        typ: "at+jwt",
      });
      assert.equal(protectedHeader.alg, "EdDSA");
      assert.equal(protectedHeader.kid, jwks.keys[0].kid);
      assert.equal(payload.sub, aliceId);
      assert.equal(payload.client_id, "web");
      assert.equal(typeof payload.sid, "string");
      assert.equal(payload.scope, "read write");
      assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 600);
    });

    it("authenticates the client by HTTP Basic as well as by form fields", async () => {
      const viaBasic = await gh.post("/oauth/token", {
        form: { grant_type: "password", username: "alice", password: PASSWORD },
        headers: { authorization: basic(web.id, web.secret as string) },
      });
      assert.equal(viaBasic.status, 200, viaBasic.text);
      assert.equal((await passwordGrant(gh, web, "alice")).status, 200);
    });

    it("form-decodes Basic credentials, so a secret with ':', '%' and '+' works", async () => {
      const form = { grant_type: "password", username: "alice", password: PASSWORD };
      const viaBasic = await gh.post("/oauth/token", { form, headers: { authorization: basic("awkward", AWKWARD_SECRET) } });
      assert.equal(viaBasic.status, 200, viaBasic.text);
      assert.equal((await passwordGrant(gh, awkward, "alice")).status, 200);
    });

    it("refuses two client authentication methods at once", async () => {
      const response = await gh.post("/oauth/token", {
        form: {
          grant_type: "password",
          username: "alice",
          password: PASSWORD,
          client_id: "web",
          client_secret: web.secret as string,
        },
        headers: { authorization: basic(web.id, web.secret as string) },
      });
      assertError(response, 400, "invalid_request");
    });

    it("answers malformed Basic credentials with 401 invalid_client", async () => {
      const form = { grant_type: "password", username: "alice", password: PASSWORD };
      const encoded = ["no-colon", "%zz:secret", ":x"].map((text) => Buffer.from(text).toString("base64"));
      for (const credentials of ["!!!not*base64~~", "", ...encoded]) {
        const response = await gh.post("/oauth/token", { form, headers: { authorization: `Basic ${credentials}` } });
        assertError(response, 401, "invalid_client");
      }
    });

    it("answers an unknown client and a wrong secret identically, with a Basic challenge", async () => {
      const form = { grant_type: "password", username: "alice", password: PASSWORD };
      const unknown = await gh.post("/oauth/token", { form, headers: { authorization: basic("nobody", "x".repeat(43)) } });
      const wrong = await gh.post("/oauth/token", { form, headers: { authorization: basic("web", "x".repeat(43)) } });
      const wrongForm = await token(gh, { id: "web", secret: "y".repeat(43) }, form);
      const unknownForm = await token(gh, { id: "nobody", secret: "y".repeat(43) }, form);
      for (const response of [unknown, wrong, wrongForm, unknownForm]) {
        assert.equal(response.status, 401);
        assert.deepEqual(response.body, { error: "invalid_client" });
        assert.match(response.headers.get("www-authenticate") ?? "", /^Basic /);
      }
      assert.deepEqual(headerSet(unknown), headerSet(wrong));
    });

    it("lets a public client authenticate with its client_id alone, but not with a secret", async () => {
      const response = await passwordGrant(gh, mobile, "alice");
      assert.equal(response.status, 200, response.text);
      assert.equal(typeof response.body.access_token, "string");
      const withSecret = await passwordGrant(gh, { id: "mobile", secret: "z".repeat(43) }, "alice");
      assertError(withSecret, 401, "invalid_client");
    });
  });

  describe("RFC 6749 §5.2 errors", () => {
    it("missing grant_type → invalid_request; unknown grant → unsupported_grant_type", async () => {
      assertError(await token(gh, web, { username: "alice", password: PASSWORD }), 400, "invalid_request");
      assertError(await token(gh, web, { grant_type: "magic_grant" }), 400, "unsupported_grant_type");
    });

    it("a grant the client is not configured for → unauthorized_client", async () => {
      assertError(await passwordGrant(gh, refreshOnly, "alice"), 400, "unauthorized_client");
    });

    it("wrong password, unknown user and disabled user get one identical invalid_grant", async () => {
      const wrong = await passwordGrant(gh, web, "alice", "not the right password");
      const unknown = await passwordGrant(gh, web, "nobody-here", PASSWORD);
      const disabled = await passwordGrant(gh, web, "dora", PASSWORD);
      assertError(wrong, 400, "invalid_grant");
      for (const response of [unknown, disabled]) {
        assert.equal(response.status, wrong.status);
        assert.equal(response.text, wrong.text);
        assert.deepEqual(headerSet(response), headerSet(wrong));
      }
    });

    it("a missing username or password → invalid_request", async () => {
      assertError(await token(gh, web, { grant_type: "password", password: PASSWORD }), 400, "invalid_request");
      assertError(await token(gh, web, { grant_type: "password", username: "alice", password: "" }), 400, "invalid_request");
    });

    it("a scope the client may not have → invalid_scope", async () => {
      assertError(await passwordGrant(gh, web, "alice", PASSWORD, { scope: "read admin" }), 400, "invalid_scope");
      const narrowed = await passwordGrant(gh, web, "alice", PASSWORD, { scope: "read" });
      assert.equal(narrowed.body.scope, "read");
    });

    it("a repeated parameter → invalid_request", async () => {
      const form = `grant_type=password&grant_type=refresh_token&username=alice&password=${encodeURIComponent(PASSWORD)}`;
      const response = await gh.post("/oauth/token", {
        form,
        headers: { authorization: basic(web.id, web.secret as string) },
      });
      assertError(response, 400, "invalid_request");
    });

    it("a JSON body, even a valid grant, → 415 (parameters are form-urlencoded only)", async () => {
      const headers = { authorization: basic(web.id, web.secret as string) };
      assertError(await gh.post("/oauth/token", { json: [1], headers }), 415, "unsupported_media_type");
      const grant = { grant_type: "password", username: "alice", password: PASSWORD };
      assertError(await gh.post("/oauth/token", { json: grant, headers }), 415, "unsupported_media_type");
    });

    it("a text/plain body → 415; a body over 16 KB → 413", async () => {
      const plain = await gh.post("/oauth/token", { raw: "grant_type=password", contentType: "text/plain" });
      assertError(plain, 415, "unsupported_media_type");
      const big = await token(gh, web, {
        grant_type: "password",
        username: "alice",
        password: PASSWORD,
        pad: "a".repeat(17_000),
      });
      assert.equal(big.status, 413, big.text);
    });
  });

  describe("refresh_token grant", () => {
    it("rotates the refresh token on every use", async () => {
      const first = await login(gh, web, "alice");
      const second = await refreshGrant(gh, web, first.refresh_token);
      assert.equal(second.status, 200, second.text);
      assert.notEqual(second.body.refresh_token, first.refresh_token);
      assert.notEqual(second.body.access_token, first.access_token);
      assert.equal(second.body.token_type, "Bearer");
      assert.equal(second.body.expires_in, 600);
      const third = await refreshGrant(gh, web, second.body.refresh_token);
      assert.equal(third.status, 200, third.text);
      assert.equal(await isActive(gh, web, third.body.access_token), true);
    });

    it("replaying a rotated refresh token fails and revokes the whole family", async () => {
      const first = await login(gh, web, "alice");
      const second = (await refreshGrant(gh, web, first.refresh_token)).body;
      assert.equal(await isActive(gh, web, second.refresh_token), true);
      assertError(await refreshGrant(gh, web, first.refresh_token), 400, "invalid_grant");
      assertError(await refreshGrant(gh, web, second.refresh_token), 400, "invalid_grant");
      assert.equal(await isActive(gh, web, second.access_token), false);
      assert.equal(await isActive(gh, web, first.access_token), false);
    });

    it("a refresh token is bound to its client", async () => {
      const first = await login(gh, web, "alice");
      assertError(await refreshGrant(gh, awkward, first.refresh_token), 400, "invalid_grant");
    });

    it("a refresh may narrow the scope but never widen it", async () => {
      const narrow = await passwordGrant(gh, web, "alice", PASSWORD, { scope: "read" });
      assertError(await refreshGrant(gh, web, narrow.body.refresh_token, { scope: "read write" }), 400, "invalid_scope");
      const first = await login(gh, web, "alice");
      const narrowed = await refreshGrant(gh, web, first.refresh_token, { scope: "read" });
      assert.equal(narrowed.status, 200, narrowed.text);
      assert.equal(narrowed.body.scope, "read");
      assert.equal((await introspect(gh, web, narrowed.body.access_token)).body.scope, "read");
    });

    it("a refresh refused for its scope does not consume the refresh token or end the session", async () => {
      const first = await login(gh, web, "alice");
      assertError(await refreshGrant(gh, web, first.refresh_token, { scope: "read delete" }), 400, "invalid_scope");
      const retried = await refreshGrant(gh, web, first.refresh_token);
      assert.equal(retried.status, 200, `the refresh token must survive a refused request: ${retried.text}`);
      assert.equal(await isActive(gh, web, first.access_token), true);
    });

    it("a confidential client must authenticate to refresh", async () => {
      const first = await login(gh, web, "alice");
      assertError(
        await token(gh, { id: "web", secret: null }, { grant_type: "refresh_token", refresh_token: first.refresh_token }),
        401,
        "invalid_client",
      );
    });

    it("of 10 parallel refreshes of one token at most one succeeds, and none fails with 5xx", async () => {
      const first = await login(gh, web, "alice");
      const responses = await Promise.all(Array.from({ length: 10 }, () => refreshGrant(gh, web, first.refresh_token)));
      const ok = responses.filter((response) => response.status === 200);
      assert.ok(ok.length <= 1, `${ok.length} refreshes succeeded`);
      for (const response of responses) {
        if (response.status !== 200) assertError(response, 400, "invalid_grant");
      }
    });

    it("an access token is not a refresh token", async () => {
      const first = await login(gh, web, "alice");
      assertError(await refreshGrant(gh, web, first.access_token), 400, "invalid_grant");
      assertError(await refreshGrant(gh, web, "garbage"), 400, "invalid_grant");
    });

    it("refresh fails once the user is disabled", async () => {
      await createUser(gh, "bob");
      const first = await login(gh, web, "bob");
      await cli(gh, ["user", "disable", "bob"]);
      assertError(await refreshGrant(gh, web, first.refresh_token), 400, "invalid_grant");
    });
  });
});

describe("POST /oauth/token with REFRESH_TOKEN_TTL=1", () => {
  let gh: TestServer;
  let web: Client;
  before(async () => {
    gh = await startServer({ REFRESH_TOKEN_TTL: "1" });
    [web] = await Promise.all([createClient(gh, "web"), createUser(gh, "erin")]);
  });
  after(() => gh?.close());

  it("an expired refresh token → invalid_grant, and no access token outlives its session", async () => {
    const first = await login(gh, web, "erin");
    assert.ok(first.expires_in <= 1, `expires_in ${first.expires_in} exceeds the session`);
    assert.equal(await isActive(gh, web, first.refresh_token), true);
    await sleep(1_300);
    assertError(await refreshGrant(gh, web, first.refresh_token), 400, "invalid_grant");
  });
});
