// test-databases: each
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AdminServer, expectError, startAdminServer } from "../helpers/admin.js";
import { isActive, token } from "../helpers/oauth.js";

// Roles, permissions and OAuth clients through the admin API.

describe("admin API: roles and permissions", () => {
  let s: AdminServer;
  before(async () => {
    s = await startAdminServer();
  });
  after(() => s.gh.close());

  it("creates, reads, describes and deletes a role and its grants", async () => {
    const created = await s.admin("POST", "/v1/admin/roles", { name: "EDITOR", description: "edits" });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.body, { name: "EDITOR", description: "edits", permissions: [] });
    expectError(await s.admin("POST", "/v1/admin/roles", { name: "EDITOR" }), 409, "already_exists");
    expectError(await s.admin("POST", "/v1/admin/roles", { name: "has space" }), 400, "invalid_request");
    const permission = await s.admin("POST", "/v1/admin/permissions", { name: "articles:write" });
    assert.deepEqual(permission.body, { name: "articles:write", description: null });
    assert.equal((await s.admin("PUT", "/v1/admin/roles/EDITOR/permissions/articles:write")).status, 204);
    const patched = await s.admin("PATCH", "/v1/admin/roles/EDITOR", { description: "writes articles" });
    assert.deepEqual(patched.body, { name: "EDITOR", description: "writes articles", permissions: ["articles:write"] });
    const listed = await s.admin("GET", "/v1/admin/roles");
    assert.deepEqual(
      listed.body.items.map((role: { name: string }) => role.name),
      ["ADMIN", "USER", "EDITOR"],
    );
    assert.equal((await s.admin("DELETE", "/v1/admin/roles/EDITOR/permissions/articles:write")).status, 204);
    expectError(await s.admin("DELETE", "/v1/admin/roles/EDITOR/permissions/articles:write"), 404, "not_found");
    assert.equal((await s.admin("DELETE", "/v1/admin/roles/EDITOR")).status, 204);
    expectError(await s.admin("GET", "/v1/admin/roles/EDITOR"), 404, "role_not_found");
    assert.equal((await s.admin("DELETE", "/v1/admin/permissions/articles:write")).status, 204);
    expectError(await s.admin("DELETE", "/v1/admin/permissions/articles:write"), 404, "permission_not_found");
    const names = (await s.admin("GET", "/v1/admin/permissions")).body.items.map((p: { name: string }) => p.name);
    assert.deepEqual(names, ["gatehouse:admin"]);
  });

  it("answers unknown names with 404 and bad input with 400 or 409", async () => {
    expectError(await s.admin("GET", "/v1/admin/roles/NOPE"), 404, "role_not_found");
    expectError(await s.admin("PATCH", "/v1/admin/roles/NOPE", { description: "x" }), 404, "role_not_found");
    expectError(await s.admin("DELETE", "/v1/admin/roles/NOPE"), 404, "role_not_found");
    expectError(await s.admin("PUT", "/v1/admin/roles/USER/permissions/nope"), 404, "permission_not_found");
    expectError(await s.admin("PATCH", "/v1/admin/roles/USER", { name: "RENAMED" }), 400, "invalid_request");
    expectError(await s.admin("PATCH", "/v1/admin/roles/USER", { description: 7 }), 400, "invalid_request");
    expectError(await s.admin("POST", "/v1/admin/permissions", {}), 400, "invalid_request");
    expectError(await s.admin("POST", "/v1/admin/permissions", { name: "gatehouse:admin" }), 409, "already_exists");
    expectError(await s.admin("GET", "/v1/admin/clients/nope"), 404, "not_found");
    expectError(await s.admin("DELETE", "/v1/admin/clients/nope"), 404, "not_found");
  });

  it("refuses to delete what the server relies on", async () => {
    expectError(await s.admin("DELETE", "/v1/admin/roles/USER"), 409, "conflict");
    expectError(await s.admin("DELETE", "/v1/admin/roles/ADMIN"), 409, "conflict");
    expectError(await s.admin("DELETE", "/v1/admin/permissions/gatehouse:admin"), 409, "conflict");
  });

  it("deleting a role while granting it: each request succeeds or gets a clear 404/409, never a 500 or half a change", async () => {
    const { id } = await s.signedInUser("racer");
    for (let round = 0; round < 8; round += 1) {
      const role = `RACE_${round}`;
      assert.equal((await s.admin("POST", "/v1/admin/roles", { name: role })).status, 201);
      const [grant, remove] = await Promise.all([
        s.admin("PUT", `/v1/admin/users/${id}/roles/${role}`),
        s.admin("DELETE", `/v1/admin/roles/${role}`),
      ]);
      assert.equal(remove.status, 204, remove.text);
      assert.ok([204, 404, 409].includes(grant.status), grant.text);
      if (grant.status !== 204) assert.ok(["role_not_found", "conflict"].includes(grant.body.error), grant.text);
      const roles = (await s.admin("GET", `/v1/admin/users/${id}`)).body.roles;
      assert.deepEqual(roles, ["USER"], "a deleted role is held by no one");
    }
  });
});

describe("admin API: clients", () => {
  let s: AdminServer;
  before(async () => {
    s = await startAdminServer();
  });
  after(() => s.gh.close());

  it("shows a generated secret once, works with it at /oauth/token, and never shows it or its hash again", async () => {
    const created = await s.admin("POST", "/v1/admin/clients", { client_id: "billing", name: "Billing", scopes: ["read"] });
    assert.equal(created.status, 201, created.text);
    const secret = created.body.client_secret as string;
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(created.body.public, false);
    assert.deepEqual(created.body.grants, ["client_credentials"]);
    const granted = await token(s.gh, { id: "billing", secret }, { grant_type: "client_credentials" });
    assert.equal(granted.status, 200, granted.text);
    for (const path of ["/v1/admin/clients", "/v1/admin/clients/billing"]) {
      const response = await s.admin("GET", path);
      assert.equal(response.status, 200);
      assert.ok(!response.text.includes(secret), `${path} shows the secret`);
      assert.doesNotMatch(response.text, /secret_hash|client_secret"/);
    }
    assert.ok(
      s.gh.logs.every((line) => !line.includes(secret)),
      "the secret is in a log line",
    );
    expectError(await s.admin("POST", "/v1/admin/clients", { client_id: "billing" }), 409, "already_exists");
  });

  it("rotates a secret: the old one fails at once, the new one works", async () => {
    const created = await s.admin("POST", "/v1/admin/clients", { client_id: "rotating" });
    const old = { id: "rotating", secret: created.body.client_secret as string };
    const rotated = await s.admin("POST", "/v1/admin/clients/rotating/secret");
    assert.equal(rotated.status, 200, rotated.text);
    assert.deepEqual(Object.keys(rotated.body), ["client_id", "client_secret"]);
    expectError(await token(s.gh, old, { grant_type: "client_credentials" }), 401, "invalid_client");
    const fresh = { id: "rotating", secret: rotated.body.client_secret as string };
    assert.equal((await token(s.gh, fresh, { grant_type: "client_credentials" })).status, 200);
    expectError(await s.admin("POST", "/v1/admin/clients/nope/secret"), 404, "not_found");
  });

  it("creates a public client with redirect URIs, edits it, and refuses a bad registration", async () => {
    const json = {
      client_id: "spa",
      public: true,
      grants: ["authorization_code", "refresh_token"],
      redirect_uris: ["https://app.example/callback"],
      first_party: true,
    };
    const created = await s.admin("POST", "/v1/admin/clients", json);
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.client_secret, undefined);
    assert.equal(created.body.token_endpoint_auth_method, "none");
    const patched = await s.admin("PATCH", "/v1/admin/clients/spa", { redirect_uris: ["http://127.0.0.1:9000/cb"], name: "SPA" });
    assert.deepEqual(patched.body.redirect_uris, ["http://127.0.0.1:9000/cb"]);
    assert.equal(patched.body.name, "SPA");
    expectError(await s.admin("POST", "/v1/admin/clients/spa/secret"), 400, "invalid_request");
    for (const bad of [
      { redirect_uris: ["http://evil.example/cb"] },
      { grants: ["implicit"] },
      { redirect_uris: "https://app.example" },
      { client_id: "renamed" },
    ]) {
      expectError(await s.admin("PATCH", "/v1/admin/clients/spa", bad), 400, "invalid_request");
    }
    expectError(await s.admin("PATCH", "/v1/admin/clients/nope", { name: "x" }), 404, "not_found");
    expectError(await s.admin("POST", "/v1/admin/clients", { client_id: "bad id!" }), 400, "invalid_request");
  });

  it("deleting a client revokes its tokens at once", async () => {
    const created = await s.admin("POST", "/v1/admin/clients", { client_id: "doomed", grants: ["client_credentials"] });
    const doomed = { id: "doomed", secret: created.body.client_secret as string };
    const issued = (await token(s.gh, doomed, { grant_type: "client_credentials" })).body.access_token;
    assert.equal(await isActive(s.gh, s.app, issued), true);
    assert.equal((await s.admin("DELETE", "/v1/admin/clients/doomed")).status, 204);
    assert.equal(await isActive(s.gh, s.app, issued), false);
    expectError(await token(s.gh, doomed, { grant_type: "client_credentials" }), 401, "invalid_client");
    expectError(await s.admin("DELETE", "/v1/admin/clients/doomed"), 404, "not_found");
    const audit = await s.admin("GET", "/v1/admin/audit?event=client_deleted");
    assert.equal(audit.body.items[0].client_id, "doomed");
    assert.equal(audit.body.items[0].actor, `user:${s.adminId}`);
  });
});
