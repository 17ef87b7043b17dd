// test-databases: each
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { runCli } from "../helpers/cli.js";
import { type Response, startServer, type TestServer } from "../helpers/server.js";

// The jwt-extended dialect (Flask + flask-jwt-extended): registration and login under /api/auth.

const PASSWORD = "correct horse battery";
const DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const fail = (msg: string) => ({ code: 1, data: null, msg });
const REQUIRED = fail("用户名密码不能为空");
const REGISTERED = { code: 0, data: null, msg: "注册成功" };
const BAD_FORMAT = fail("参数格式错误");

function expectBody(response: Response, status: number, body: unknown): void {
  assert.equal(response.status, status, response.text);
  assert.deepEqual(response.body, body);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
}

async function cli(gh: TestServer, ...args: string[]): Promise<void> {
  const result = await runCli(args, gh.env);
  assert.equal(result.code, 0, `gatehouse ${args.join(" ")}: ${result.stderr}`);
}

describe("jwt-extended registration (POST /api/auth/register)", () => {
  let gh: TestServer;
  const register = (json: unknown) => gh.post("/api/auth/register", { json });
  before(async () => {
    gh = await startServer();
  });
  after(() => gh.close());

  it("refuses a missing or empty username or password", async () => {
    for (const json of [
      {},
      { password: PASSWORD },
      { username: "reg_missing" },
      { username: "", password: PASSWORD },
      { username: "reg_missing", password: "" },
      { username: null, password: PASSWORD },
    ]) {
      expectBody(await register(json), 200, REQUIRED);
    }
    expectBody(await gh.post("/api/auth/register"), 200, REQUIRED);
  });

  it("registers a new user with a JSON body, then refuses the name again in any case or width", async () => {
    expectBody(await register({ username: "alice", password: PASSWORD, email: "alice@example.com" }), 200, REGISTERED);
    for (const username of ["alice", "ALICE", "Alice", "ａｌｉｃｅ"]) {
      expectBody(await register({ username, password: PASSWORD }), 200, fail("用户名已存在"));
    }
  });

  it("refuses an email that belongs to another account, in any case", async () => {
    for (const email of ["alice@example.com", "ALICE@Example.COM"]) {
      expectBody(await register({ username: "reg_bob", password: PASSWORD, email }), 200, fail("邮箱已经存在"));
    }
    // Username is reported first when both collide.
    const both = await register({ username: "alice", password: PASSWORD, email: "alice@example.com" });
    expectBody(both, 200, fail("用户名已存在"));
    expectBody(await register({ username: "reg_bob", password: PASSWORD, email: "bob@example.com" }), 200, REGISTERED);
  });

  it("registers with a form-urlencoded body, and the account can log in", async () => {
    const form = { username: "reg_form", password: PASSWORD, email: "form@example.com" };
    expectBody(await gh.post("/api/auth/register", { form }), 200, REGISTERED);
    const login = await gh.post("/api/auth/login", { form: { username: "reg_form", password: PASSWORD } });
    assert.equal(login.status, 200);
    assert.equal(login.body.code, 0);
    assert.equal(login.body.data.payload.user.email, "form@example.com");
  });

  it("refuses weak passwords, malformed emails and over-long usernames with code 1 and creates nothing", async () => {
    const cases: [Record<string, string>, string][] = [
      [{ username: "reg_carol", password: "short1" }, "密码长度不能少于8个字符"],
      [{ username: "reg_carol", password: "x".repeat(129) }, "密码长度不能超过128个字符"],
      [{ username: "reg_carol", password: "password123" }, "密码过于常见或包含用户名，请换一个"],
      [{ username: "reg_carol", password: "reg_carol-secret-9" }, "密码过于常见或包含用户名，请换一个"],
      [{ username: "reg_carol", password: PASSWORD, email: "not-an-email" }, "邮箱格式不正确"],
      [{ username: "reg_carol", password: PASSWORD, email: "carol@" }, "邮箱格式不正确"],
      [{ username: "c".repeat(65), password: PASSWORD }, "用户名须为1到64个字符，且不能包含空白或控制字符"],
      [{ username: "reg carol", password: PASSWORD }, "用户名须为1到64个字符，且不能包含空白或控制字符"],
    ];
    for (const [json, msg] of cases) expectBody(await register(json), 200, fail(msg));
    // None of the refusals reserved the name; 64 characters is still allowed.
    expectBody(await register({ username: "reg_carol", password: PASSWORD }), 200, REGISTERED);
    expectBody(await register({ username: "c".repeat(64), password: PASSWORD }), 200, REGISTERED);
  });

  it("answers a field of the wrong type with code 1, never a 500", async () => {
    for (const username of [["reg_dave"], { name: "reg_dave" }, 42, true]) {
      expectBody(await register({ username, password: PASSWORD }), 200, BAD_FORMAT);
    }
    expectBody(await register({ username: "reg_dave", password: 12345678 }), 200, BAD_FORMAT);
    expectBody(await register({ username: "reg_dave", password: PASSWORD, email: ["a@example.com"] }), 200, BAD_FORMAT);
    expectBody(await register([{ username: "reg_dave", password: PASSWORD }]), 200, BAD_FORMAT);
    const repeated = await gh.post("/api/auth/register", { form: `username=reg_dave&username=x&password=${PASSWORD}` });
    expectBody(repeated, 200, BAD_FORMAT);
  });

  it("ignores unknown fields, including an attempt to choose a role", async () => {
    const json = { username: "reg_frank", password: PASSWORD, role: "ADMIN", roles: ["ADMIN"], status: false, x: 1 };
    expectBody(await register(json), 200, REGISTERED);
    const login = await gh.post("/api/auth/login", { json: { username: "reg_frank", password: PASSWORD } });
    assert.equal(login.body.code, 0);
    assert.deepEqual(
      login.body.data.payload.role.map((role: { role_name: string }) => role.role_name),
      ["USER"],
    );
    assert.equal(login.body.data.payload.user.status, true);
  });

  it("never answers a __proto__ key with a 500 and never pollutes prototypes", async () => {
    const raw = `{"__proto__": {"polluted": true}, "username": "reg_gina", "password": "${PASSWORD}"}`;
    const response = await gh.post("/api/auth/register", { raw, contentType: "application/json" });
    assert.notEqual(response.status, 500);
    assert.ok(response.status === 200 || response.status === 400, response.text);
    assert.equal(response.body.code, 1);
    assert.equal(response.body.data, null);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const form = await gh.post("/api/auth/register", { form: `__proto__=x&username=reg_gina&password=${PASSWORD}` });
    expectBody(form, 200, REGISTERED);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe("jwt-extended login (POST /api/auth/login)", () => {
  let gh: TestServer;
  const login = (username: unknown, password: unknown) => gh.post("/api/auth/login", { json: { username, password } });
  const register = async (username: string, email?: string) =>
    expectBody(await gh.post("/api/auth/register", { json: { username, password: PASSWORD, email } }), 200, REGISTERED);
  before(async () => {
    gh = await startServer();
    await register("login_ann", "ann@example.com");
    await register("login_ben");
    await register("login_cat");
  });
  after(() => gh.close());

  it("refuses a missing or empty username or password", async () => {
    expectBody(await gh.post("/api/auth/login", { json: {} }), 200, REQUIRED);
    expectBody(await gh.post("/api/auth/login", { json: { username: "login_ann" } }), 200, REQUIRED);
    expectBody(await gh.post("/api/auth/login", { form: { password: PASSWORD } }), 200, REQUIRED);
    expectBody(await login("", PASSWORD), 200, REQUIRED);
    expectBody(await login("login_ann", ""), 200, REQUIRED);
  });

  it("logs in with the documented body: role (singular), USER role, datetimes and last_login", async () => {
    const response = await login("login_ann", PASSWORD);
    expectBody(response, 200, { code: 0, data: response.body.data, msg: "登录成功" });
    const { data } = response.body;
    assert.deepEqual(Object.keys(data).sort(), ["access_token", "payload", "refresh_token"]);
    assert.match(data.access_token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.match(data.refresh_token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.notEqual(data.access_token, data.refresh_token);
    assert.deepEqual(Object.keys(data.payload).sort(), ["permissions", "role", "user"]);
    assert.deepEqual(data.payload.permissions, []);
    assert.equal(data.payload.role.length, 1);
    const [role] = data.payload.role;
    assert.ok(Number.isInteger(role.role_id));
    assert.deepEqual(role, { role_id: role.role_id, role_name: "USER", description: "普通用户" });
    const { user } = data.payload;
    assert.deepEqual(Object.keys(user).sort(), [
      "created_at",
      "email",
      "faceInfo",
      "last_login",
      "phone",
      "status",
      "updated_at",
      "user_id",
      "username",
    ]);
    assert.match(user.user_id, UUID);
    assert.equal(user.username, "login_ann");
    assert.equal(user.email, "ann@example.com");
    assert.equal(user.phone, null);
    assert.equal(user.faceInfo, null);
    assert.equal(user.status, true);
    for (const key of ["created_at", "updated_at", "last_login"]) assert.match(user[key], DATETIME, key);
    assert.ok(user.last_login >= user.created_at);

    const other = await login("LOGIN_BEN", PASSWORD);
    assert.equal(other.body.code, 0);
    assert.equal(other.body.data.payload.user.username, "login_ben");
    assert.equal(other.body.data.payload.user.email, null);
    assert.notEqual(other.body.data.payload.user.user_id, user.user_id);
  });

  // Last in this block: it grants a permission to the USER role, which every user holds.
  it("lists every role and de-duplicates permissions granted by two roles", async () => {
    await register("login_dan");
    await cli(gh, "permission", "create", "report.read", "--description", "读取报表");
    await cli(gh, "permission", "create", "report.audit", "--description", "审计报表");
    await cli(gh, "role", "create", "AUDITOR", "--description", "审计员");
    await cli(gh, "role", "grant", "USER", "report.read");
    await cli(gh, "role", "grant", "AUDITOR", "report.read");
    await cli(gh, "role", "grant", "AUDITOR", "report.audit");
    await cli(gh, "user", "add-role", "login_dan", "AUDITOR");
    const { payload } = (await login("login_dan", PASSWORD)).body.data;
    assert.deepEqual(
      payload.role.map((r: { role_name: string; description: string }) => [r.role_name, r.description]),
      [
        ["USER", "普通用户"],
        ["AUDITOR", "审计员"],
      ],
    );
    const permissions = payload.permissions as { permission_id: number; permission_name: string; description: string }[];
    assert.deepEqual(
      permissions.map((p) => [p.permission_name, p.description]),
      [
        ["report.read", "读取报表"],
        ["report.audit", "审计报表"],
      ],
    );
    assert.equal(new Set(permissions.map((p) => p.permission_id)).size, 2);
    for (const p of permissions) assert.ok(Number.isInteger(p.permission_id));
    // A USER-only account sees the permission of its one role.
    const ben = (await login("login_ben", PASSWORD)).body.data.payload;
    assert.deepEqual(
      ben.permissions.map((p: { permission_name: string }) => p.permission_name),
      ["report.read"],
    );
  });
});
