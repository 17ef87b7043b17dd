// test-databases: each
import assert from "node:assert/strict";
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign } from "node:crypto";
import { after, before, describe, it } from "node:test";
import {
  b64url,
  type Client,
  clientFields,
  createClient,
  createUser,
  decodeJws,
  introspect,
  isActive,
  login,
  PASSWORD,
  refreshGrant,
  sleep,
} from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";

const INACTIVE = { active: false };

/** A compact JWS over `header` and `payload`, signed by `signer` (which gets the signing input). */
function jws(header: object, payload: object | string, signer: (input: string) => string): string {
  const input = `${b64url(header)}.${typeof payload === "string" ? payload : b64url(payload)}`;
  return `${input}.${signer(input)}`;
}

const hs256 = (key: Buffer | string) => (input: string) => createHmac("sha256", key).update(input).digest("base64url");

describe("POST /oauth/introspect and /oauth/revoke", () => {
  let gh: TestServer;
  let web: Client;
  let other: Client;
  let aliceId: string;

  before(async () => {
    gh = await startServer();
    [web, other, aliceId] = await Promise.all([createClient(gh, "web"), createClient(gh, "other"), createUser(gh, "alice")]);
  });
  after(() => gh?.close());

  const revoke = (client: Client | null, value: string, extra: Record<string, string> = {}) =>
    gh.post("/oauth/revoke", { form: { ...(client ? clientFields(client) : {}), token: value, ...extra } });

  describe("introspection", () => {
    it("requires client authentication", async () => {
      const { access_token } = await login(gh, web, "alice");
      const forms: Record<string, string>[] = [
        { token: access_token },
        { token: access_token, client_id: "web", client_secret: "x".repeat(43) },
      ];
      for (const form of forms) {
        const response = await gh.post("/oauth/introspect", { form });
        assert.equal(response.status, 401, response.text);
        assert.equal(response.body.error, "invalid_client");
        assert.equal(response.body.active, undefined);
      }
    });

    it("describes an active access token", async () => {
      const { access_token } = await login(gh, web, "alice");
      const response = await introspect(gh, web, access_token);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("cache-control"), "no-store");
      const body = response.body;
      const now = Math.floor(Date.now() / 1000);
      assert.equal(body.active, true);
      assert.equal(body.sub, aliceId);
      assert.equal(body.client_id, "web");
      assert.equal(body.username, "alice");
      assert.equal(body.scope, "read write");
      assert.equal(body.token_type, "Bearer");
      assert.ok(body.iat <= now + 1 && body.iat >= now - 60, `iat ${body.iat}`);
      assert.ok(body.exp > now, `exp ${body.exp}`);
    });

    it("describes an active refresh token", async () => {
      const { refresh_token } = await login(gh, web, "alice");
      const { body } = await introspect(gh, web, refresh_token);
      assert.equal(body.active, true);
      assert.equal(body.sub, aliceId);
      assert.equal(body.client_id, "web");
    });

    it("answers exactly {active:false} for unknown, garbage and empty-ish tokens", async () => {
      const { refresh_token } = await login(gh, web, "alice");
      const flipped = refresh_token.slice(0, -1) + (refresh_token.endsWith("A") ? "B" : "A");
      const candidates = [
        "garbage",
        " ",
        ".",
        "..",
        "a.b.c",
        "x".repeat(5000),
        `${"A".repeat(22)}.${"B".repeat(43)}`,
        flipped,
        "' OR '1'='1",
      ];
      for (const candidate of candidates) {
        const response = await introspect(gh, web, candidate);
        assert.equal(response.status, 200, `${candidate.slice(0, 20)}: ${response.text}`);
        assert.deepEqual(response.body, INACTIVE, candidate.slice(0, 20));
      }
    });

    it("answers {active:false} for a revoked token", async () => {
      const { access_token } = await login(gh, web, "alice");
      assert.equal((await revoke(web, access_token)).status, 200);
      assert.deepEqual((await introspect(gh, web, access_token)).body, INACTIVE);
    });

    it("answers {active:false} for every forged access token", async () => {
      const { access_token } = await login(gh, web, "alice");
      const { header, payload, parts } = decodeJws(access_token);
      const jwk = (await gh.request("GET", "/.well-known/jwks.json")).body.keys[0];
      const pem = createPublicKey({ key: jwk, format: "jwk" }).export({ type: "spki", format: "pem" }) as string;
      const attacker = generateKeyPairSync("ed25519");
      const attackerJwk = attacker.publicKey.export({ format: "jwk" });
      const signAttacker = (input: string) => sign(null, Buffer.from(input), attacker.privateKey).toString("base64url");
      const base = { typ: "at+jwt", kid: header.kid };
      const forged: Record<string, string> = {
        "tampered sub": `${parts[0]}.${b64url({ ...payload, sub: randomUUID() })}.${parts[2]}`,
        "attacker key, real kid": jws({ ...base, alg: "EdDSA" }, payload, signAttacker),
        "embedded jwk": jws({ ...base, alg: "EdDSA", jwk: attackerJwk }, payload, signAttacker),
        "embedded jwk, no kid": jws({ alg: "EdDSA", typ: "at+jwt", jwk: attackerJwk }, payload, signAttacker),
        "kid path traversal": jws({ ...base, alg: "EdDSA", kid: "../../etc/passwd" }, payload, signAttacker),
        "kid SQL injection": jws({ ...base, alg: "EdDSA", kid: "' OR '1'='1" }, payload, signAttacker),
        "HS256 with x bytes": jws({ ...base, alg: "HS256" }, payload, hs256(Buffer.from(jwk.x, "base64url"))),
        "HS256 with x text": jws({ ...base, alg: "HS256" }, payload, hs256(jwk.x)),
        "HS256 with JWK JSON": jws({ ...base, alg: "HS256" }, payload, hs256(JSON.stringify(jwk))),
        "HS256 with PEM": jws({ ...base, alg: "HS256" }, payload, hs256(pem)),
      };
      for (const alg of ["none", "None", "NONE", "nOnE"]) {
        forged[`alg ${alg}`] = jws({ ...base, alg }, payload, () => "");
        forged[`alg ${alg} with signature`] = jws({ ...base, alg }, payload, () => parts[2] as string);
      }
      for (const [name, candidate] of Object.entries(forged)) {
        const started = Date.now();
        const response = await introspect(gh, web, candidate);
        assert.equal(response.status, 200, `${name}: ${response.text}`);
        assert.deepEqual(response.body, INACTIVE, name);
        assert.ok(Date.now() - started < 1000, `${name} took too long`);
      }
      // Controls: the genuine token is active, and so is one built the same way with the real key.
      assert.equal(await isActive(gh, web, access_token), true);
      const [row] = await gh.server.store.keys.list();
      const realKey = createPrivateKey({ key: JSON.parse(row?.privateJwk ?? "{}"), format: "jwk" });
      const genuine = jws({ ...base, alg: "EdDSA" }, payload, (input) =>
        sign(null, Buffer.from(input), realKey).toString("base64url"),
      );
      assert.equal(await isActive(gh, web, genuine), true);
    });

    it("does not take a refresh-type JWT for an access token", async () => {
      assert.equal((await gh.post("/api/auth/register", { json: { username: "frank", password: PASSWORD } })).body.code, 0);
      const { body } = await gh.post("/api/auth/login", { json: { username: "frank", password: PASSWORD } });
      assert.equal(body.code, 0, JSON.stringify(body));
      assert.equal(await isActive(gh, web, body.data.access_token), true);
      assert.deepEqual((await introspect(gh, web, body.data.refresh_token)).body, INACTIVE);
    });
  });

  describe("revocation (RFC 7009)", () => {
    it("requires client authentication", async () => {
      const { access_token } = await login(gh, web, "alice");
      const response = await revoke(null, access_token);
      assert.equal(response.status, 401, response.text);
      assert.equal(response.body.error, "invalid_client");
      const wrong = await revoke({ id: "web", secret: "x".repeat(43) }, access_token);
      assert.equal(wrong.status, 401, wrong.text);
      assert.equal(await isActive(gh, web, access_token), true);
    });

    it("answers 200 for unknown tokens and ignores a bad token_type_hint", async () => {
      for (const value of ["unknown", "a.b.c", `${"A".repeat(22)}.${"B".repeat(43)}`]) {
        assert.equal((await revoke(web, value)).status, 200);
      }
      const { access_token } = await login(gh, web, "alice");
      assert.equal((await revoke(web, access_token, { token_type_hint: "bogus" })).status, 200);
      assert.equal(await isActive(gh, web, access_token), false);
    });

    it("revoking an access token ends its session, refresh token included", async () => {
      const { access_token, refresh_token } = await login(gh, web, "alice");
      assert.equal((await revoke(web, access_token)).status, 200);
      assert.equal(await isActive(gh, web, access_token), false);
      assert.equal(await isActive(gh, web, refresh_token), false);
      const refreshed = await refreshGrant(gh, web, refresh_token);
      assert.equal(refreshed.status, 400);
      assert.equal(refreshed.body.error, "invalid_grant");
    });

    it("revoking a refresh token kills the access tokens of its grant", async () => {
      const { access_token, refresh_token } = await login(gh, web, "alice");
      assert.equal((await revoke(web, refresh_token, { token_type_hint: "refresh_token" })).status, 200);
      assert.equal(await isActive(gh, web, access_token), false);
      assert.equal((await refreshGrant(gh, web, refresh_token)).body.error, "invalid_grant");
    });

    it("does not revoke another client's tokens, yet answers 200", async () => {
      const { access_token, refresh_token } = await login(gh, web, "alice");
      assert.equal((await revoke(other, access_token)).status, 200);
      assert.equal((await revoke(other, refresh_token)).status, 200);
      assert.equal(await isActive(gh, web, access_token), true);
      assert.equal(await isActive(gh, web, refresh_token), true);
      assert.equal((await refreshGrant(gh, web, refresh_token)).status, 200);
    });
  });

  describe("jwt-extended logout", () => {
    it("makes the access token inactive at once", async () => {
      await gh.post("/api/auth/register", { json: { username: "gina", password: PASSWORD } });
      const { body } = await gh.post("/api/auth/login", { json: { username: "gina", password: PASSWORD } });
      const access = body.data.access_token;
      assert.equal(await isActive(gh, web, access), true);
      const logout = await gh.post("/api/auth/logout", { headers: { authorization: `Bearer ${access}` } });
      assert.equal(logout.status, 200, logout.text);
      assert.equal(logout.body.code, 0);
      assert.deepEqual((await introspect(gh, web, access)).body, INACTIVE);
    });
  });
});

describe("POST /oauth/introspect with ACCESS_TOKEN_TTL=2", () => {
  let gh: TestServer;
  let web: Client;
  before(async () => {
    gh = await startServer({ ACCESS_TOKEN_TTL: "2" });
    [web] = await Promise.all([createClient(gh, "web"), createUser(gh, "hana")]);
  });
  after(() => gh?.close());

  it("an expired access token is inactive", async () => {
    const { access_token, expires_in } = await login(gh, web, "hana");
    assert.equal(expires_in, 2);
    assert.equal(await isActive(gh, web, access_token), true);
    await sleep(3_100);
    assert.deepEqual((await introspect(gh, web, access_token)).body, INACTIVE);
  });
});
