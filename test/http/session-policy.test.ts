// test-databases: each
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { decodeJws, PASSWORD } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";

// SESSION_POLICY and MAX_SESSIONS_PER_USER, observed through terminal logins and /v1/me/sessions.

type Harness = {
  gh: TestServer;
  login(username: string, terminal: string): Promise<string>;
  alive(token: string): Promise<boolean>;
  /** The ids of the user's live sessions, as listed to the holder of `token`. */
  listed(token: string): Promise<string[]>;
};

async function harness(env: Record<string, string>, usernames: string[]): Promise<Harness> {
  const gh = await startServer(env);
  for (const username of usernames) {
    const response = await gh.post("/auth/register", { json: { username, password: PASSWORD } });
    assert.equal(response.status, 200, response.text);
  }
  const list = (token: string) => gh.request("GET", "/v1/me/sessions", { headers: { authorization: `Bearer ${token}` } });
  return {
    gh,
    async login(username, terminal) {
      const response = await gh.post("/auth/login", { json: { username, password: PASSWORD, terminal } });
      assert.equal(response.status, 200, response.text);
      return response.body.token;
    },
    async alive(token) {
      const response = await list(token);
      assert.ok(response.status === 200 || response.status === 401, response.text);
      return response.status === 200;
    },
    async listed(token) {
      const response = await list(token);
      assert.equal(response.status, 200, response.text);
      return response.body.sessions.map((s: { id: string }) => s.id).sort();
    },
  };
}

const sid = (token: string): string => decodeJws(token).payload.sid;

describe("SESSION_POLICY=single", () => {
  let h: Harness;
  before(async () => {
    h = await harness({ SESSION_POLICY: "single" }, ["pol_ann", "pol_bob"]);
  });
  after(() => h.gh.close());

  it("a new login on any terminal revokes the user's previous session, and only that user's", async () => {
    const bob = await h.login("pol_bob", "phone");
    const phone = await h.login("pol_ann", "phone");
    const laptop = await h.login("pol_ann", "laptop");
    assert.equal(await h.alive(phone), false);
    assert.equal(await h.alive(laptop), true);
    assert.deepEqual(await h.listed(laptop), [sid(laptop)]);
    const again = await h.login("pol_ann", "laptop");
    assert.equal(await h.alive(laptop), false);
    assert.equal(await h.alive(again), true);
    assert.equal(await h.alive(bob), true);
  });
});

describe("SESSION_POLICY=unlimited", () => {
  let h: Harness;
  before(async () => {
    h = await harness({ SESSION_POLICY: "unlimited" }, ["pol_cat"]);
  });
  after(() => h.gh.close());

  it("keeps every login, even two on the same terminal", async () => {
    const first = await h.login("pol_cat", "phone");
    const second = await h.login("pol_cat", "phone");
    assert.notEqual(sid(first), sid(second));
    assert.equal(await h.alive(first), true);
    assert.equal(await h.alive(second), true);
    assert.deepEqual(await h.listed(first), [sid(first), sid(second)].sort());
  });
});

describe("MAX_SESSIONS_PER_USER=2", () => {
  let h: Harness;
  before(async () => {
    h = await harness({ MAX_SESSIONS_PER_USER: "2" }, ["pol_dan", "pol_eve"]);
  });
  after(() => h.gh.close());

  it("a third login revokes the oldest session; the two newest stay", async () => {
    const eve = await h.login("pol_eve", "a");
    const eve2 = await h.login("pol_eve", "b");
    const first = await h.login("pol_dan", "a");
    const second = await h.login("pol_dan", "b");
    assert.equal(await h.alive(first), true);
    const third = await h.login("pol_dan", "c");
    assert.equal(await h.alive(first), false);
    assert.equal(await h.alive(second), true);
    assert.equal(await h.alive(third), true);
    assert.deepEqual(await h.listed(third), [sid(second), sid(third)].sort());
    // The cap is per user: another user's sessions are not counted or evicted.
    assert.equal(await h.alive(eve), true);
    assert.equal(await h.alive(eve2), true);
  });
});
