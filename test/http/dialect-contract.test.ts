// test-databases: each
// What a dialect declares reaches the shared endpoints only while it is on (see #13): its
// fields on /oauth/token, its built-in client, its issuer paths.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { importJWK, SignJWT } from "jose";
import { basic, type Client, createClient, createUser, decodeJws, introspect, login, PASSWORD } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { frontDoor } from "../../src/core/index.js";

const RFC_MEMBERS = ["access_token", "expires_in", "refresh_token", "scope", "token_type"];

describe("a dialect's additions to shared endpoints", () => {
  for (const [dialects, accountFields] of [
    ["none", false],
    ["jwt-extended,terminal", false],
    ["spring-oauth", true],
  ] as const) {
    describe(`with DIALECTS=${dialects}`, () => {
      let gh: TestServer;
      let web: Client;
      before(async () => {
        gh = await startServer({ DIALECTS: dialects });
        [web] = await Promise.all([createClient(gh, "web"), createUser(gh, "contract-user")]);
      });
      after(() => gh.close());

      it(`/oauth/token ${accountFields ? "adds" : "adds no"} account fields to a user's tokens`, async () => {
        const body = await login(gh, web, "contract-user");
        const expected = accountFields ? [...RFC_MEMBERS, "email", "id", "username"].sort() : RFC_MEMBERS;
        assert.deepEqual(Object.keys(body).sort(), expected);
        if (accountFields) assert.deepEqual([body.id, body.username, body.email], ["contract-user", "contract-user", null]);
      });

      it("hands the dialects the front-door face of the core, without the administrative operations", () => {
        const door = frontDoor(gh.server.core, "a-dialect");
        for (const admin of [
          "deleteUser",
          "setUserEnabled",
          "createClient",
          "rotateSigningKey",
          "addUserRole",
          "purgeEnded",
          "metrics",
        ]) {
          assert.ok(admin in gh.server.core, `the full core has ${admin}`);
          assert.equal(admin in door, false, `the front door has no ${admin}`);
        }
        assert.equal(typeof door.login, "function");
        assert.ok(Object.isFrozen(door));
      });

      it(`${accountFields ? "creates" : "does not create"} the spring-oauth built-in client`, async () => {
        const response = await gh.post("/oauth/token", {
          form: { grant_type: "password", username: "contract-user", password: PASSWORD },
          headers: { authorization: basic("watup", "watup") },
        });
        if (accountFields) assert.equal(response.status, 200, response.text);
        else assert.deepEqual([response.status, response.body.error], [401, "invalid_client"]);
      });
    });
  }
});

describe("a token's iss is the issuer or the issuer and one of a dialect's issuing paths", () => {
  let gh: TestServer;
  let web: Client;
  let resign: (changes: Record<string, unknown>) => Promise<string>;
  let issued: string;
  before(async () => {
    gh = await startServer({ DIALECTS: "jwt-auth" });
    web = await createClient(gh, "web");
    const registered = await gh.post("/register", { json: { uid: "iss-user", email: "iss@example.com", password: PASSWORD } });
    assert.equal(registered.status, 200, registered.text);
    issued = registered.body.data.access_token;
    const [row] = await gh.server.store.keys.list();
    assert.ok(row, "the server has a signing key");
    const key = await importJWK(JSON.parse(row.privateJwk), row.alg);
    const { header, payload } = decodeJws(issued);
    resign = (changes) => new SignJWT({ ...payload, ...changes }).setProtectedHeader(header).sign(key);
  });
  after(() => gh.close());

  const accepted = async (token: string) => {
    const me = await gh.request("GET", "/me", { headers: { authorization: `Bearer ${token}` } });
    const active = (await introspect(gh, web, token)).body.active === true;
    return { me: me.status, active };
  };

  it("accepts the issuing endpoint's URL, as issued and re-signed (the control)", async () => {
    assert.equal(decodeJws(issued).payload.iss, `${gh.config.issuer}/register`);
    assert.deepEqual(await accepted(issued), { me: 200, active: true });
    assert.deepEqual(await accepted(await resign({ iss: `${gh.config.issuer}/login` })), { me: 200, active: true });
  });

  for (const path of ["/me", "/logout", "/register/", "/oauth/token", "/x/../login", "/LOGIN"]) {
    it(`refuses a token whose iss is the issuer followed by ${path}`, async () => {
      assert.deepEqual(await accepted(await resign({ iss: `${gh.config.issuer}${path}` })), { me: 401, active: false });
    });
  }
});
