// test-databases: each
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AdminServer, expectError, startAdminServer } from "../helpers/admin.js";
import { token } from "../helpers/oauth.js";

// Who may use the admin API: a user whose roles grant gatehouse:admin, or a client's own token
// with that scope; checked afresh on every request.

/** Every admin route, with ids that need not exist: authorization comes before anything else. */
const ROUTES: [string, string][] = [
  ["GET", "/v1/admin/users"],
  ["POST", "/v1/admin/users"],
  ["GET", "/v1/admin/users/x"],
  ["PATCH", "/v1/admin/users/x"],
  ["DELETE", "/v1/admin/users/x"],
  ["PUT", "/v1/admin/users/x/roles/USER"],
  ["DELETE", "/v1/admin/users/x/roles/USER"],
  ["POST", "/v1/admin/users/x/password"],
  ["GET", "/v1/admin/users/x/sessions"],
  ["DELETE", "/v1/admin/users/x/sessions"],
  ["DELETE", "/v1/admin/sessions/x"],
  ["GET", "/v1/admin/roles"],
  ["POST", "/v1/admin/roles"],
  ["GET", "/v1/admin/roles/USER"],
  ["PATCH", "/v1/admin/roles/USER"],
  ["DELETE", "/v1/admin/roles/x"],
  ["PUT", "/v1/admin/roles/USER/permissions/x"],
  ["DELETE", "/v1/admin/roles/USER/permissions/x"],
  ["GET", "/v1/admin/permissions"],
  ["POST", "/v1/admin/permissions"],
  ["DELETE", "/v1/admin/permissions/x"],
  ["GET", "/v1/admin/clients"],
  ["POST", "/v1/admin/clients"],
  ["GET", "/v1/admin/clients/x"],
  ["PATCH", "/v1/admin/clients/x"],
  ["DELETE", "/v1/admin/clients/x"],
  ["POST", "/v1/admin/clients/x/secret"],
  ["GET", "/v1/admin/keys"],
  ["POST", "/v1/admin/keys/rotate"],
  ["GET", "/v1/admin/audit"],
  ["GET", "/v1/admin/stats"],
];

describe("admin API authorization", () => {
  let s: AdminServer;
  before(async () => {
    s = await startAdminServer();
  });
  after(() => s.gh.close());

  it("lists every route it tests among the server's routes", () => {
    for (const [method, url] of ROUTES)
      assert.ok(s.gh.server.app.findRoute({ method: method as "GET", url }), `${method} ${url}`);
  });

  it("refuses every route without a token: 401 with a Bearer challenge, nothing changed", async () => {
    for (const [method, path] of ROUTES) {
      const response = await s.gh.request(method, path, { json: method === "GET" ? undefined : { name: "x" } });
      expectError(response, 401, "unauthorized");
      assert.equal(response.headers.get("www-authenticate"), 'Bearer realm="gatehouse"', `${method} ${path}`);
    }
    const roles = await s.admin("GET", "/v1/admin/roles");
    assert.deepEqual(
      roles.body.items.map((role: { name: string }) => role.name),
      ["ADMIN", "USER"],
    );
  });

  it("refuses a malformed or forged token with invalid_token", async () => {
    for (const bad of ["Bearer nope", `Bearer ${s.adminToken}x`, "Basic YTpi"]) {
      const response = await s.gh.request("GET", "/v1/admin/users", { headers: { authorization: bad } });
      expectError(response, 401, "unauthorized");
      assert.match(response.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
    }
  });

  it("refuses a valid token without the permission: 403 insufficient_scope on every route", async () => {
    const plain = await s.signedInUser("plain_user");
    for (const [method, path] of ROUTES) {
      const response = await s.admin(method, path, method === "GET" ? undefined : {}, plain.token);
      expectError(response, 403, "insufficient_scope");
      assert.match(response.headers.get("www-authenticate") ?? "", /error="insufficient_scope"/);
    }
  });

  it("takes effect on the next request when the role or the permission is taken away", async () => {
    const helper = await s.signedInUser("helper_admin", ["ADMIN"]);
    assert.equal((await s.admin("GET", "/v1/admin/stats", undefined, helper.token)).status, 200);
    assert.equal((await s.admin("DELETE", `/v1/admin/users/${helper.id}/roles/ADMIN`)).status, 204);
    expectError(await s.admin("GET", "/v1/admin/stats", undefined, helper.token), 403, "insufficient_scope");

    // A custom role granted the permission, then the permission revoked from it.
    assert.equal((await s.admin("POST", "/v1/admin/roles", { name: "OPS" })).status, 201);
    assert.equal((await s.admin("PUT", "/v1/admin/roles/OPS/permissions/gatehouse:admin")).status, 204);
    assert.equal((await s.admin("PUT", `/v1/admin/users/${helper.id}/roles/OPS`)).status, 204);
    assert.equal((await s.admin("GET", "/v1/admin/stats", undefined, helper.token)).status, 200);
    assert.equal((await s.admin("DELETE", "/v1/admin/roles/OPS/permissions/gatehouse:admin")).status, 204);
    expectError(await s.admin("GET", "/v1/admin/stats", undefined, helper.token), 403, "insufficient_scope");
  });

  it("takes effect on the next request when the admin's session is revoked", async () => {
    const other = await s.signedInUser("other_admin", ["ADMIN"]);
    assert.equal((await s.admin("GET", "/v1/admin/stats", undefined, other.token)).status, 200);
    const revoked = await s.admin("DELETE", `/v1/admin/users/${other.id}/sessions`);
    assert.deepEqual(revoked.body, { revoked: 1 });
    expectError(await s.admin("GET", "/v1/admin/stats", undefined, other.token), 401, "unauthorized");
  });

  it("accepts a client_credentials token with the scope gatehouse:admin, and only while the client is allowed it", async () => {
    const created = await s.admin("POST", "/v1/admin/clients", { client_id: "robot", scopes: ["gatehouse:admin", "read"] });
    assert.equal(created.status, 201, created.text);
    const robot = { id: "robot", secret: created.body.client_secret as string };
    const granted = await token(s.gh, robot, { grant_type: "client_credentials", scope: "gatehouse:admin" });
    assert.equal(granted.status, 200, granted.text);
    const robotToken = granted.body.access_token as string;
    const listed = await s.admin("GET", "/v1/admin/users", undefined, robotToken);
    assert.equal(listed.status, 200, listed.text);

    // A token of the same client without the scope is not an admin's.
    const readOnly = await token(s.gh, robot, { grant_type: "client_credentials", scope: "read" });
    expectError(await s.admin("GET", "/v1/admin/users", undefined, readOnly.body.access_token), 403, "insufficient_scope");

    // Withdrawing the scope from the client refuses its existing token at once.
    assert.equal((await s.admin("PATCH", "/v1/admin/clients/robot", { scopes: ["read"] })).status, 200);
    expectError(await s.admin("GET", "/v1/admin/users", undefined, robotToken), 403, "insufficient_scope");
  });

  it("names the acting admin in the audit record of every change", async () => {
    const audit = await s.admin("GET", "/v1/admin/audit?event=role_created");
    assert.equal(audit.status, 200, audit.text);
    const [record] = audit.body.items;
    assert.equal(record.detail, "OPS");
    assert.equal(record.actor, `user:${s.adminId}`);
    assert.equal(record.ip, "127.0.0.1");
  });
});
