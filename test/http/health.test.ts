// test-databases: each
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startServer, type TestServer } from "../helpers/server.js";

describe("health, readiness and discovery", () => {
  let gh: TestServer;
  before(async () => {
    gh = await startServer();
  });
  after(() => gh.close());

  it("answers /healthz and /readyz", async () => {
    assert.deepEqual((await gh.request("GET", "/healthz")).body, { status: "ok" });
    assert.deepEqual((await gh.request("GET", "/readyz")).body, { status: "ok" });
  });

  it("publishes RFC 8414 metadata under the configured issuer", async () => {
    const { status, body } = await gh.request("GET", "/.well-known/oauth-authorization-server");
    assert.equal(status, 200);
    assert.equal(body.issuer, "http://localhost:8080");
    assert.equal(body.token_endpoint, "http://localhost:8080/oauth/token");
    assert.deepEqual(body.grant_types_supported, ["authorization_code", "refresh_token", "password", "client_credentials"]);
    assert.equal(body.authorization_endpoint, "http://localhost:8080/oauth/authorize");
    assert.deepEqual(body.response_types_supported, ["code"]);
    assert.deepEqual(body.code_challenge_methods_supported, ["S256"]);
  });

  it("publishes the same metadata as OpenID Connect Discovery", async () => {
    const oauth = await gh.request("GET", "/.well-known/oauth-authorization-server");
    const openid = await gh.request("GET", "/.well-known/openid-configuration");
    assert.equal(openid.status, 200);
    assert.deepEqual(openid.body, oauth.body);
    assert.equal(openid.body.userinfo_endpoint, "http://localhost:8080/oauth/userinfo");
    assert.equal(openid.body.end_session_endpoint, "http://localhost:8080/oauth/logout");
    assert.deepEqual(openid.body.id_token_signing_alg_values_supported, ["EdDSA"]);
    assert.deepEqual(openid.body.subject_types_supported, ["public"]);
    assert.ok(openid.body.scopes_supported.includes("openid"));
    assert.ok(openid.body.claims_supported.includes("email_verified"));
    assert.equal(openid.body.authorization_response_iss_parameter_supported, true);
  });

  it("publishes only public keys in the JWKS", async () => {
    const { body } = await gh.request("GET", "/.well-known/jwks.json");
    assert.equal(body.keys.length, 1);
    const [key] = body.keys;
    assert.equal(key.kty, "OKP");
    assert.equal(key.alg, "EdDSA");
    for (const secret of ["d", "p", "q", "dp", "dq", "qi", "k"]) assert.equal(key[secret], undefined);
  });

  it("answers unknown paths with a JSON 404 carrying the security headers", async () => {
    const response = await gh.request("GET", "/nope");
    assert.equal(response.status, 404);
    assert.deepEqual(response.body, { error: "not_found" });
    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    assert.equal(response.headers.get("content-security-policy"), "default-src 'none'; frame-ancestors 'none'");
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.match(response.headers.get("content-type") ?? "", /charset=utf-8/);
  });
});
