import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { queryDatabase } from "../helpers/database.js";
import { startServer, type TestServer } from "../helpers/server.js";

const PASSWORD = "correct horse battery";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("per-account lockout", () => {
  let gh: TestServer;
  const login = (username: string, password: string) => gh.post("/api/auth/login", { json: { username, password } });
  const token = (username: string, password: string) =>
    gh.post("/oauth/token", { form: { grant_type: "password", username, password, client_id: "watup", client_secret: "watup" } });
  const register = (username: string) => gh.post("/api/auth/register", { json: { username, password: PASSWORD } });
  /** Password checks that actually ran against the stored hash (not refused as locked). */
  const evaluatedFailures = async (userId: string) => {
    const [row] = await queryDatabase<{ n: number | string }>(
      gh.databaseUrl,
      "select count(*) as n from audit_events where event = 'login' and outcome = 'failure' and user_id = ? and detail is null",
      [userId],
    );
    return Number(row?.n);
  };

  before(async () => {
    gh = await startServer({ LOCKOUT_THRESHOLD: "3", LOCKOUT_SECONDS: "2" });
  });
  after(() => gh.close());

  it("refuses even the right password after the threshold, identically, then lets it in after the lock", async () => {
    await register("locky");
    const unknown = await login("nobody-here", "wrong horse battery");
    for (let i = 0; i < 3; i++) assert.deepEqual((await login("locky", "wrong horse battery")).body, unknown.body);
    const locked = await login("locky", PASSWORD);
    assert.equal(locked.status, unknown.status);
    assert.deepEqual(locked.body, { code: 1, data: null, msg: "登录失败" });
    assert.deepEqual((await token("locky", PASSWORD)).body, { error: "invalid_grant", error_description: "用户名或密码错误" });
    await sleep(2_200);
    assert.equal((await login("locky", PASSWORD)).body.code, 0);
  });

  it("a successful login resets the count", async () => {
    await register("resetty");
    for (let i = 0; i < 2; i++) await login("resetty", "wrong horse battery");
    assert.equal((await login("resetty", PASSWORD)).body.code, 0);
    for (let i = 0; i < 2; i++) await login("resetty", "wrong horse battery");
    assert.equal((await login("resetty", PASSWORD)).body.code, 0);
  });

  it("holds under 60 parallel wrong passwords: at most the threshold are checked", async () => {
    const registered = await register("burst");
    assert.equal(registered.body.code, 0);
    const first = await login("burst", PASSWORD);
    const userId = first.body.data.payload.user.user_id;
    const answers = await Promise.all(Array.from({ length: 60 }, () => login("burst", "wrong horse battery")));
    for (const answer of answers) assert.deepEqual(answer.body, { code: 1, data: null, msg: "登录失败" });
    const evaluated = await evaluatedFailures(userId);
    assert.ok(evaluated <= 3, `checked ${evaluated} wrong passwords`);
    assert.equal((await login("burst", PASSWORD)).body.code, 1);
  });

  it("keeps the locked user's existing sessions working", async () => {
    await register("sessiony");
    const session = await login("sessiony", PASSWORD);
    for (let i = 0; i < 4; i++) await login("sessiony", "wrong horse battery");
    const refreshed = await gh.post("/api/auth/refresh", {
      headers: { authorization: `Bearer ${session.body.data.refresh_token}` },
    });
    assert.equal(refreshed.body.code, 0);
  });
});
