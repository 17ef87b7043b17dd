// test-databases: each
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AdminServer, expectError, startAdminServer } from "../helpers/admin.js";
import { spawnGatehouse, type GatehouseProcess } from "../helpers/gatehouse-process.js";
import { PASSWORD, passwordGrant } from "../helpers/oauth.js";

// Signing keys, the overview's counts, and a disabling seen by a second process at once.

describe("admin API: keys and stats", () => {
  let s: AdminServer;
  before(async () => {
    s = await startAdminServer();
  });
  after(() => s.gh.close());

  it("lists keys by identifier and state only, and rotates them", async () => {
    const before = await s.admin("GET", "/v1/admin/keys");
    assert.equal(before.status, 200);
    assert.equal(before.body.items.length, 1);
    assert.deepEqual(Object.keys(before.body.items[0]).sort(), ["alg", "created_at", "kid", "retires_at", "state"]);
    assert.equal(before.body.items[0].state, "current");
    const rotated = await s.admin("POST", "/v1/admin/keys/rotate");
    assert.equal(rotated.status, 201, rotated.text);
    const after = await s.admin("GET", "/v1/admin/keys");
    assert.deepEqual(
      after.body.items.map((key: { kid: string; state: string }) => [key.kid, key.state]),
      [
        [rotated.body.kid, "current"],
        [before.body.items[0].kid, "published"],
      ],
    );
    // Key material never leaves the database: no JWK member of a private or public key.
    assert.doesNotMatch(after.text + rotated.text, /"(d|x|y|k|n|p|q|dp|dq|qi|private_jwk|public_jwk)":/);
    const audit = await s.admin("GET", "/v1/admin/audit?event=signing_key_rotated");
    assert.equal(audit.body.items[0].detail, rotated.body.kid);
    assert.equal(audit.body.items[0].actor, `user:${s.adminId}`);
  });

  it("counts users by status, live sessions, clients and the last day's logins", async () => {
    const { id } = await s.signedInUser("counted");
    await s.admin("PATCH", `/v1/admin/users/${id}`, { status: "disabled" });
    expectError(await passwordGrant(s.gh, s.app, "nobody", PASSWORD), 400, "invalid_grant");
    const stats = await s.admin("GET", "/v1/admin/stats");
    assert.equal(stats.status, 200);
    assert.deepEqual(stats.body.users, { active: 1, disabled: 1, total: 2 });
    assert.equal(stats.body.live_sessions, 1, "the admin's own session; the disabled user's died");
    assert.ok(stats.body.clients >= 1);
    assert.deepEqual(stats.body.logins_24h, { succeeded: 2, failed: 1 });
  });
});

describe("admin API: a disabling takes effect in a second process at once", () => {
  let s: AdminServer;
  let second: GatehouseProcess;
  before(async () => {
    s = await startAdminServer();
    second = await spawnGatehouse(s.gh.env);
  });
  after(async () => {
    await second.stop();
    await s.gh.close();
  });

  it("refuses the user's token at the other process's next request", async () => {
    const { id } = await s.signedInUser("roaming");
    const form = {
      grant_type: "password",
      username: "roaming",
      password: PASSWORD,
      client_id: s.app.id,
      client_secret: s.app.secret ?? "",
    };
    const issued = await fetch(`${second.url}/oauth/token`, { method: "POST", body: new URLSearchParams(form) });
    assert.equal(issued.status, 200);
    const { access_token: token } = (await issued.json()) as { access_token: string };
    const sessions = () => fetch(`${second.url}/v1/me/sessions`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await sessions()).status, 200);
    const disabled = await s.admin("PATCH", `/v1/admin/users/${id}`, { status: "disabled" });
    assert.equal(disabled.status, 200);
    assert.equal((await sessions()).status, 401);
    const login2 = await fetch(`${second.url}/oauth/token`, { method: "POST", body: new URLSearchParams(form) });
    assert.equal(login2.status, 400);
  });
});
