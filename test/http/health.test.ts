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
    assert.deepEqual(body.grant_types_supported, ["password", "refresh_token", "client_credentials"]);
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
