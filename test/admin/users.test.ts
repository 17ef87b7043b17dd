// test-databases: each
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AdminServer, expectError, startAdminServer } from "../helpers/admin.js";
import { isActive, login, PASSWORD, passwordGrant } from "../helpers/oauth.js";

// Users through the admin API: create, read, change, delete; roles, password and sessions.

const USER_FIELDS = [
  "attributes",
  "created_at",
  "display_name",
  "email",
  "email_verified",
  "id",
  "last_login_at",
  "phone",
  "roles",
  "status",
  "updated_at",
  "username",
];

describe("admin API: users", () => {
  let s: AdminServer;
  before(async () => {
    s = await startAdminServer();
  });
  after(() => s.gh.close());

  it("creates a user (201, Location, every documented field, no hash) who can sign in", async () => {
    const json = { username: "Ada", email: "Ada@Example.com", password: PASSWORD, roles: ["ADMIN"], display_name: "Ada L." };
    const created = await s.admin("POST", "/v1/admin/users", json);
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(Object.keys(created.body).sort(), USER_FIELDS);
    assert.equal(created.headers.get("location"), `/v1/admin/users/${created.body.id}`);
    assert.deepEqual(created.body.roles, ["ADMIN", "USER"]);
    assert.equal(created.body.email, "Ada@Example.com");
    assert.doesNotMatch(created.text, /argon2|password/i);
    assert.equal((await passwordGrant(s.gh, s.app, "ada")).status, 200);
  });

  it("creates a user without a password, who cannot sign in until one is set", async () => {
    const created = await s.admin("POST", "/v1/admin/users", { username: "nopass", status: "disabled" });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.status, "disabled");
    expectError(await passwordGrant(s.gh, s.app, "nopass", "!"), 400, "invalid_grant");
    assert.equal((await s.admin("PATCH", `/v1/admin/users/${created.body.id}`, { status: "active" })).status, 200);
    expectError(await passwordGrant(s.gh, s.app, "nopass", ""), 400, "invalid_request");
    assert.equal((await s.admin("POST", `/v1/admin/users/${created.body.id}/password`, { password: PASSWORD })).status, 204);
    assert.equal((await passwordGrant(s.gh, s.app, "nopass")).status, 200);
  });

  it("refuses bad input with a clear error naming the problem", async () => {
    const cases: [unknown, number, string, RegExp][] = [
      [{}, 400, "invalid_request", /username is required/],
      [{ username: "x1", colour: "red" }, 400, "invalid_request", /unknown member "colour"/],
      [{ username: 5 }, 400, "invalid_request", /username must be a string/],
      [{ username: "x2", roles: "ADMIN" }, 400, "invalid_request", /roles must be an array/],
      [{ username: "x3", status: "gone" }, 400, "invalid_request", /status must be one of active, disabled/],
      [{ username: "x4", email: "not-an-address" }, 400, "email_invalid", /./],
      [{ username: "x5", password: "short" }, 400, "password_too_short", /./],
      [{ username: "x6", roles: ["NOPE"] }, 404, "role_not_found", /NOPE/],
      [{ username: "bad name" }, 400, "username_invalid", /./],
      [[1, 2], 400, "invalid_request", /JSON object/],
    ];
    for (const [json, status, code, description] of cases) {
      const response = await s.admin("POST", "/v1/admin/users", json);
      expectError(response, status, code);
      assert.match(response.body.error_description ?? "", description, JSON.stringify(json));
    }
    const malformed = await s.gh.request("POST", "/v1/admin/users", {
      raw: "{not json",
      contentType: "application/json",
      headers: { authorization: `Bearer ${s.adminToken}` },
    });
    expectError(malformed, 400, "invalid_request");
  });

  it("gives one of two concurrent creations of one username a 201 and the other a 409", async () => {
    const attempts = await Promise.all(
      ["twin", "TWIN", "Twin"].map((username) => s.admin("POST", "/v1/admin/users", { username, password: PASSWORD })),
    );
    assert.deepEqual(attempts.map((response) => response.status).sort(), [201, 409, 409], attempts.map((r) => r.text).join("\n"));
    for (const refused of attempts.filter((response) => response.status === 409)) expectError(refused, 409, "username_taken");
    const taken = await s.admin("POST", "/v1/admin/users", { username: "other", email: "ADA@example.com" });
    expectError(taken, 409, "email_taken");
  });

  it("reads, changes and deletes a user; an unknown id is 404", async () => {
    const { id } = await s.signedInUser("carol");
    const read = await s.admin("GET", `/v1/admin/users/${id}`);
    assert.equal(read.status, 200);
    assert.deepEqual(Object.keys(read.body).sort(), USER_FIELDS);
    const changes = {
      email: "carol@example.com",
      email_verified: true,
      phone: "+86 10 1234",
      display_name: "Carol",
      attributes: { team: "ops" },
    };
    const patched = await s.admin("PATCH", `/v1/admin/users/${id}`, changes);
    assert.equal(patched.status, 200, patched.text);
    for (const [name, value] of Object.entries(changes)) assert.deepEqual(patched.body[name], value, name);
    assert.equal((await s.admin("PATCH", `/v1/admin/users/${id}`, { email: null })).body.email, null);
    expectError(await s.admin("PATCH", `/v1/admin/users/${id}`, { username: "renamed" }), 400, "invalid_request");
    expectError(await s.admin("PATCH", `/v1/admin/users/${id}`, { attributes: [1] }), 400, "invalid_request");
    expectError(await s.admin("PATCH", `/v1/admin/users/${id}`, { email_verified: "yes" }), 400, "invalid_request");

    assert.equal((await s.admin("DELETE", `/v1/admin/users/${id}`)).status, 204);
    for (const [method, path] of [
      ["GET", `/v1/admin/users/${id}`],
      ["PATCH", `/v1/admin/users/${id}`],
      ["DELETE", `/v1/admin/users/${id}`],
      ["GET", `/v1/admin/users/${id}/sessions`],
      ["POST", `/v1/admin/users/${id}/password`],
      ["PUT", `/v1/admin/users/${id}/roles/USER`],
    ] as const) {
      const json = method === "POST" ? { password: PASSWORD } : method === "PATCH" ? { phone: "1" } : undefined;
      expectError(await s.admin(method, path, json), 404, "user_not_found");
    }
  });

  it("disabling revokes every session at once, and enabling brings none back", async () => {
    const { id, token } = await s.signedInUser("dave");
    const second = (await login(s.gh, s.app, "dave")).access_token;
    assert.equal(await isActive(s.gh, s.app, token), true);
    const disabled = await s.admin("PATCH", `/v1/admin/users/${id}`, { status: "disabled" });
    assert.equal(disabled.body.status, "disabled");
    assert.equal(await isActive(s.gh, s.app, token), false);
    assert.equal(await isActive(s.gh, s.app, second), false);
    expectError(await passwordGrant(s.gh, s.app, "dave"), 400, "invalid_grant");
    await s.admin("PATCH", `/v1/admin/users/${id}`, { status: "active" });
    assert.equal(await isActive(s.gh, s.app, token), false);
    const records = (await s.admin("GET", `/v1/admin/audit?user_id=${id}`)).body.items as {
      event: string;
      actor: string | null;
    }[];
    const changes = records.filter((record) => record.actor !== null).map((record) => record.event);
    // Newest first; within one change, the status event follows the update it belongs to.
    assert.deepEqual(changes, ["user_enabled", "user_updated", "user_disabled", "user_updated"]);
  });

  it("sets a password under the policy and revokes the user's sessions", async () => {
    const { id, token } = await s.signedInUser("erin");
    expectError(await s.admin("POST", `/v1/admin/users/${id}/password`, { password: "erin" }), 400, "password_too_short");
    assert.equal(await isActive(s.gh, s.app, token), true);
    const password = "a brand new passphrase";
    assert.equal((await s.admin("POST", `/v1/admin/users/${id}/password`, { password })).status, 204);
    assert.equal(await isActive(s.gh, s.app, token), false);
    expectError(await passwordGrant(s.gh, s.app, "erin"), 400, "invalid_grant");
    assert.equal((await passwordGrant(s.gh, s.app, "erin", password)).status, 200);
    assert.ok(
      s.gh.logs.every((line) => !line.includes(password)),
      "the password is in a log line",
    );
  });

  it("adds and removes roles; removing one the user does not hold is 404", async () => {
    const { id } = await s.signedInUser("frank");
    assert.equal((await s.admin("PUT", `/v1/admin/users/${id}/roles/ADMIN`)).status, 204);
    assert.equal((await s.admin("PUT", `/v1/admin/users/${id}/roles/ADMIN`)).status, 204, "granting twice is idempotent");
    assert.deepEqual((await s.admin("GET", `/v1/admin/users/${id}`)).body.roles, ["ADMIN", "USER"]);
    assert.equal((await s.admin("DELETE", `/v1/admin/users/${id}/roles/ADMIN`)).status, 204);
    expectError(await s.admin("DELETE", `/v1/admin/users/${id}/roles/ADMIN`), 404, "not_found");
    expectError(await s.admin("PUT", `/v1/admin/users/${id}/roles/NOPE`), 404, "role_not_found");
  });

  it("lists a user's live sessions and revokes one, or all", async () => {
    const { id, token } = await s.signedInUser("gina");
    const second = (await login(s.gh, s.app, "gina")).access_token;
    const listed = await s.admin("GET", `/v1/admin/users/${id}/sessions`);
    assert.equal(listed.body.items.length, 2);
    const fields = ["client_id", "created_at", "expires_at", "id", "ip", "last_used_at", "terminal", "user_agent"];
    assert.deepEqual(Object.keys(listed.body.items[0]).sort(), fields);
    assert.equal(listed.body.items[0].client_id, s.app.id);
    const newest = listed.body.items[0].id;
    assert.equal((await s.admin("DELETE", `/v1/admin/sessions/${newest}`)).status, 204);
    expectError(await s.admin("DELETE", `/v1/admin/sessions/${newest}`), 404, "not_found");
    expectError(await s.admin("DELETE", "/v1/admin/sessions/unknown"), 404, "not_found");
    assert.equal(await isActive(s.gh, s.app, second), false);
    assert.equal(await isActive(s.gh, s.app, token), true);
    assert.deepEqual((await s.admin("DELETE", `/v1/admin/users/${id}/sessions`)).body, { revoked: 1 });
    assert.equal(await isActive(s.gh, s.app, token), false);
    assert.deepEqual((await s.admin("GET", `/v1/admin/users/${id}/sessions`)).body.items, []);
  });
});
