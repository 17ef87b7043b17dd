// test-databases: each
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { evaluatedFailures } from "../helpers/login-doors.js";
import { startServer, type TestServer } from "../helpers/server.js";

const PASSWORD = "correct horse battery";
const WRONG = "wrong horse battery";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const login = (gh: TestServer, username: string, password: string) =>
  gh.post("/api/auth/login", { json: { username, password } });
const token = (gh: TestServer, username: string, password: string) =>
  gh.post("/oauth/token", { form: { grant_type: "password", username, password, client_id: "watup", client_secret: "watup" } });
const register = (gh: TestServer, username: string) => gh.post("/api/auth/register", { json: { username, password: PASSWORD } });

describe("per-account lockout with a short lock (LOCKOUT_THRESHOLD=3, LOCKOUT_SECONDS=2)", () => {
  let gh: TestServer;
  before(async () => {
    gh = await startServer({ LOCKOUT_THRESHOLD: "3", LOCKOUT_SECONDS: "2" });
  });
  after(() => gh.close());

  it("refuses even the right password after the threshold, identically, then lets it in after the lock", async () => {
    await register(gh, "locky");
    const unknown = await login(gh, "nobody-here", WRONG);
    for (let i = 0; i < 3; i++) assert.deepEqual((await login(gh, "locky", WRONG)).body, unknown.body);
    const locked = await login(gh, "locky", PASSWORD);
    assert.equal(locked.status, unknown.status);
    assert.deepEqual(locked.body, { code: 1, data: null, msg: "登录失败" });
    assert.deepEqual((await token(gh, "locky", PASSWORD)).body, {
      error: "invalid_grant",
      error_description: "用户名或密码错误",
    });
    await sleep(2_200);
    assert.equal((await login(gh, "locky", PASSWORD)).body.code, 0);
  });

  it("a successful login resets the count", async () => {
    await register(gh, "resetty");
    for (let i = 0; i < 2; i++) await login(gh, "resetty", WRONG);
    assert.equal((await login(gh, "resetty", PASSWORD)).body.code, 0);
    for (let i = 0; i < 2; i++) await login(gh, "resetty", WRONG);
    assert.equal((await login(gh, "resetty", PASSWORD)).body.code, 0);
  });
});

// A lock long enough that a slow machine cannot outlast it while the test looks.
describe("per-account lockout with a long lock (LOCKOUT_THRESHOLD=3, LOCKOUT_SECONDS=60)", () => {
  let gh: TestServer;
  before(async () => {
    gh = await startServer({ LOCKOUT_THRESHOLD: "3", LOCKOUT_SECONDS: "60" });
  });
  after(() => gh.close());

  it("holds under 60 parallel wrong passwords: at most the threshold are checked", async () => {
    assert.equal((await register(gh, "burst")).body.code, 0);
    const first = await login(gh, "burst", PASSWORD);
    const userId = first.body.data.payload.user.user_id;
    const answers = await Promise.all(Array.from({ length: 60 }, () => login(gh, "burst", WRONG)));
    for (const answer of answers) assert.deepEqual(answer.body, { code: 1, data: null, msg: "登录失败" });
    const evaluated = await evaluatedFailures(gh, userId);
    assert.ok(evaluated <= 3, `checked ${evaluated} wrong passwords`);
    assert.equal((await login(gh, "burst", PASSWORD)).body.code, 1);
  });

  it("keeps the locked user's existing sessions working", async () => {
    await register(gh, "sessiony");
    const session = await login(gh, "sessiony", PASSWORD);
    for (let i = 0; i < 4; i++) await login(gh, "sessiony", WRONG);
    assert.equal((await login(gh, "sessiony", PASSWORD)).body.code, 1);
    const refreshed = await gh.post("/api/auth/refresh", {
      headers: { authorization: `Bearer ${session.body.data.refresh_token}` },
    });
    assert.equal(refreshed.body.code, 0);
  });
});
