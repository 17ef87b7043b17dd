// test-databases: each
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createClient, decodeJws, login, PASSWORD } from "../helpers/oauth.js";
import { type Response, startServer, type TestServer } from "../helpers/server.js";

// Self-service on the native API: GET /v1/me/sessions and DELETE /v1/me/sessions/{id}.

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const FIELDS = ["client_id", "created_at", "current", "expires_at", "id", "ip", "last_used_at", "terminal", "user_agent"];

type WireSession = {
  id: string;
  current: boolean;
  terminal: string | null;
  client_id: string | null;
  ip: string | null;
  user_agent: string | null;
  created_at: string;
  last_used_at: string;
  expires_at: string;
};

const sid = (token: string): string => decodeJws(token).payload.sid;

function expectInvalidToken(response: Response): void {
  assert.equal(response.status, 401, response.text);
  assert.equal(response.headers.get("www-authenticate"), 'Bearer error="invalid_token"');
  assert.equal(response.body.error, "unauthorized");
}

describe("self-service sessions (/v1/me/sessions)", () => {
  let gh: TestServer;
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
  const list = (token: string) => gh.request("GET", "/v1/me/sessions", bearer(token));
  const remove = (token: string, id: string) => gh.request("DELETE", `/v1/me/sessions/${id}`, bearer(token));
  async function sessions(token: string): Promise<WireSession[]> {
    const response = await list(token);
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(Object.keys(response.body), ["sessions"]);
    return response.body.sessions;
  }
  async function terminalLogin(username: string, terminal: string, userAgent: string): Promise<string> {
    const json = { username, password: PASSWORD, terminal };
    const response = await gh.post("/auth/login", { json, headers: { "user-agent": userAgent } });
    assert.equal(response.status, 200, response.text);
    return response.body.token;
  }
  before(async () => {
    gh = await startServer();
    for (const username of ["me_ann", "me_bob"]) {
      const response = await gh.post("/auth/register", { json: { username, password: PASSWORD } });
      assert.equal(response.status, 200, response.text);
    }
  });
  after(() => gh.close());

  it("lists the caller's live sessions with every documented field, marking the current one", async () => {
    const phone = await terminalLogin("me_ann", "phone", "PhoneApp/1.0");
    const laptop = await terminalLogin("me_ann", "laptop", "LaptopApp/2.0");
    const client = await createClient(gh, "me-app");
    const oauth = (await login(gh, client, "me_ann")).access_token as string;
    const listed = await sessions(phone);
    assert.deepEqual(listed.map((s) => s.id).sort(), [sid(phone), sid(laptop), sid(oauth)].sort());
    for (const session of listed) {
      assert.deepEqual(Object.keys(session).sort(), FIELDS);
      assert.equal(session.current, session.id === sid(phone));
      assert.equal(session.ip, "127.0.0.1");
      for (const key of ["created_at", "last_used_at", "expires_at"] as const) assert.match(session[key], ISO, key);
      assert.ok(session.created_at <= session.last_used_at && session.last_used_at < session.expires_at);
    }
    const byId = new Map(listed.map((s) => [s.id, s]));
    const ofPhone = byId.get(sid(phone))!;
    assert.deepEqual([ofPhone.terminal, ofPhone.client_id, ofPhone.user_agent], ["phone", null, "PhoneApp/1.0"]);
    assert.equal(Date.parse(ofPhone.expires_at) - Date.parse(ofPhone.created_at), 3600 * 1000);
    const ofLaptop = byId.get(sid(laptop))!;
    assert.deepEqual([ofLaptop.terminal, ofLaptop.client_id, ofLaptop.user_agent], ["laptop", null, "LaptopApp/2.0"]);
    assert.equal(byId.get(sid(oauth))!.client_id, "me-app");
    // Seen from another of the sessions, that one is the current one.
    const fromLaptop = await sessions(laptop);
    assert.deepEqual(
      fromLaptop.filter((s) => s.current).map((s) => s.id),
      [sid(laptop)],
    );
  });

  it("never lists revoked sessions or another user's sessions", async () => {
    const ann = await terminalLogin("me_ann", "tablet", "TabletApp/1.0");
    const bob = await terminalLogin("me_bob", "tablet", "TabletApp/1.0");
    const logout = await gh.post("/auth/logout", { json: { username: "me_ann" }, headers: { token: ann } });
    assert.equal(logout.status, 200, logout.text);
    const current = await terminalLogin("me_ann", "desk", "DeskApp/1.0");
    const annIds = (await sessions(current)).map((s) => s.id);
    assert.ok(annIds.includes(sid(current)));
    assert.ok(!annIds.includes(sid(ann)), "a logged-out session is not listed");
    assert.ok(!annIds.includes(sid(bob)), "another user's session is not listed");
    const bobIds = (await sessions(bob)).map((s) => s.id);
    assert.deepEqual(bobIds, [sid(bob)]);
  });

  it("revokes one of my other sessions with DELETE; mine keeps working", async () => {
    const mine = await terminalLogin("me_ann", "console", "ConsoleApp/1.0");
    const other = await terminalLogin("me_ann", "kiosk", "KioskApp/1.0");
    const response = await remove(mine, sid(other));
    assert.equal(response.status, 204, response.text);
    assert.equal(response.text, "");
    expectInvalidToken(await list(other));
    const ids = (await sessions(mine)).map((s) => s.id);
    assert.ok(ids.includes(sid(mine)) && !ids.includes(sid(other)));
    // Already revoked: nothing left to revoke.
    assert.equal((await remove(mine, sid(other))).status, 404);
  });

  it("answers 404 for another user's session, leaving it alive, and for an unknown id", async () => {
    const ann = await terminalLogin("me_ann", "server", "ServerApp/1.0");
    const bob = await terminalLogin("me_bob", "server", "ServerApp/1.0");
    const foreign = await remove(ann, sid(bob));
    assert.equal(foreign.status, 404, foreign.text);
    assert.equal(foreign.body.error, "not_found");
    assert.ok((await sessions(bob)).some((s) => s.id === sid(bob)));
    for (const id of [randomUUID(), "not-a-session-id"]) {
      const unknown = await remove(ann, id);
      assert.equal(unknown.status, 404, unknown.text);
      assert.equal(unknown.body.error, "not_found");
    }
    // The unknown id did not hit the caller's own session either.
    assert.equal((await list(ann)).status, 200);
  });

  it("requires a bearer access token in the Authorization header", async () => {
    const token = await terminalLogin("me_bob", "bench", "BenchApp/1.0");
    expectInvalidToken(await gh.request("GET", "/v1/me/sessions"));
    expectInvalidToken(await gh.request("GET", "/v1/me/sessions", { headers: { authorization: "Bearer not.a.token" } }));
    expectInvalidToken(await gh.request("GET", "/v1/me/sessions", { headers: { authorization: `Basic ${token}` } }));
    expectInvalidToken(await gh.request("GET", "/v1/me/sessions", { headers: { token } }));
    expectInvalidToken(await gh.request("GET", `/v1/me/sessions?access_token=${token}`));
    expectInvalidToken(await gh.request("DELETE", `/v1/me/sessions/${sid(token)}`));
    expectInvalidToken(await gh.request("DELETE", `/v1/me/sessions/${sid(token)}?access_token=${token}`));
    // Tampered claims under a genuine signature.
    const [head, body, signature] = token.split(".");
    const claims = JSON.parse(Buffer.from(body!, "base64url").toString("utf8"));
    const forged = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 3600 })).toString("base64url");
    expectInvalidToken(await list(`${head}.${forged}.${signature}`));
    // None of the refused DELETEs revoked the session.
    assert.equal((await list(token)).status, 200);
  });

  it("refuses a jwt-extended refresh token as a bearer access token", async () => {
    const response = await gh.post("/api/auth/login", { json: { username: "me_bob", password: PASSWORD } });
    assert.equal(response.body.code, 0, response.text);
    const { access_token: access, refresh_token: refresh } = response.body.data;
    expectInvalidToken(await list(refresh));
    expectInvalidToken(await remove(refresh, sid(refresh)));
    const listed = await sessions(access);
    const own = listed.find((s) => s.current)!;
    assert.equal(own.id, sid(refresh));
    assert.equal(own.terminal, null);
  });
});
