// test-databases: each
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { after, before, describe, it } from "node:test";
import { startServer, type TestServer } from "../helpers/server.js";

const PASSWORD = "canary-Pw-7f3a9c1e";

describe("hostile and malformed input never yields a 500", () => {
  let gh: TestServer;
  before(async () => {
    gh = await startServer();
  });
  after(() => gh.close());

  it("answers malformed JSON in each front door's own shape", async () => {
    const dialect = await gh.post("/api/auth/login", { raw: '{"username":', contentType: "application/json" });
    assert.equal(dialect.status, 400);
    assert.deepEqual(dialect.body, { code: 1, data: null, msg: "请求体格式错误" });
    // The OAuth endpoints take form parameters only: JSON, well-formed or not, is 415.
    const oauth = await gh.post("/oauth/token", { raw: '{"grant_type":', contentType: "application/json" });
    assert.equal(oauth.status, 415);
    assert.equal(oauth.body.error, "unsupported_media_type");
  });

  it("refuses other media types with 415", async () => {
    for (const contentType of ["text/plain", "multipart/form-data; boundary=x", "application/xml"]) {
      const dialect = await gh.post("/api/auth/register", { raw: "username=a", contentType });
      assert.equal(dialect.status, 415, contentType);
      assert.equal(dialect.body.code, 1);
      const oauth = await gh.post("/oauth/token", { raw: "grant_type=password", contentType });
      assert.equal(oauth.status, 415, contentType);
      assert.equal(oauth.body.error, "unsupported_media_type");
    }
  });

  it("refuses bodies over the limit with 413 before parsing", async () => {
    const huge = JSON.stringify({ username: "a", password: "x".repeat(20_000) });
    const response = await gh.post("/api/auth/register", { raw: huge, contentType: "application/json" });
    assert.equal(response.status, 413);
    assert.deepEqual(response.body, { code: 1, data: null, msg: "请求体过大" });
  });

  it("refuses prototype-polluting keys and leaves new accounts with default roles", async () => {
    const polluted = await gh.post("/api/auth/register", {
      raw: '{"username":"proto","password":"correct horse battery","__proto__":{"roles":["ADMIN"]}}',
      contentType: "application/json",
    });
    assert.equal(polluted.status, 400);
    const withConstructor = await gh.post("/api/auth/register", {
      raw: '{"username":"proto","password":"correct horse battery","constructor":{"prototype":{"x":1}}}',
      contentType: "application/json",
    });
    assert.equal(withConstructor.status, 400);
    const form = await gh.post("/api/auth/register", {
      form: "username=proto2&password=correct+horse+battery&__proto__[roles]=ADMIN&roles=ADMIN",
    });
    assert.deepEqual(form.body, { code: 0, data: null, msg: "注册成功" });
    const login = await gh.post("/api/auth/login", { json: { username: "proto2", password: "correct horse battery" } });
    assert.deepEqual(
      login.body.data.payload.role.map((role: { role_name: string }) => role.role_name),
      ["USER"],
    );
    assert.equal(({} as Record<string, unknown>).roles, undefined);
  });

  it("treats repeated form fields and non-string JSON values as format errors", async () => {
    const repeated = await gh.post("/api/auth/login", { form: "username=a&username=b&password=correct+horse+battery" });
    assert.deepEqual(repeated.body, { code: 1, data: null, msg: "参数格式错误" });
    for (const value of [["a", "b"], { $ne: null }, 1, true]) {
      const response = await gh.post("/api/auth/login", { json: { username: value, password: "correct horse battery" } });
      assert.equal(response.status, 200);
      assert.deepEqual(response.body, { code: 1, data: null, msg: "参数格式错误" });
    }
    const array = await gh.post("/api/auth/login", { json: [1, 2] });
    assert.deepEqual(array.body, { code: 1, data: null, msg: "参数格式错误" });
  });

  it("answers SQL-looking input as an ordinary failure", async () => {
    for (const username of ["' OR '1'='1", "admin'--", "';SELECT pg_sleep(5)--"]) {
      const response = await gh.post("/api/auth/login", { json: { username, password: "correct horse battery" } });
      assert.deepEqual(response.body, { code: 1, data: null, msg: "登录失败" }, username);
    }
  });

  it("refuses NUL and lone surrogates in any field before they reach the database", async () => {
    const bad = ["nul\u0000byte", "lone\ud800", "\udc00lone"];
    for (const value of bad) {
      const login = await gh.post("/api/auth/login", { json: { username: value, password: "correct horse battery" } });
      assert.deepEqual(login.body, { code: 1, data: null, msg: "参数格式错误" });
      const email = await gh.post("/api/auth/register", {
        json: { username: "surrogates", password: "correct horse battery", email: value },
      });
      assert.deepEqual(email.body, { code: 1, data: null, msg: "参数格式错误" });
      const terminal = await gh.post("/auth/login", {
        json: { username: "surrogates", password: "correct horse battery", terminal: value },
      });
      assert.equal(terminal.status, 400);
      const jwtAuth = await gh.post("/register", { json: { uid: "surrogates", email: "s@example.com", password: value } });
      assert.equal(jwtAuth.status, 422);
      const token = await gh.post("/oauth/token", { form: { grant_type: "password", client_id: value } });
      assert.equal(token.status, 400);
    }
    const pair = await gh.post("/api/auth/register", { json: { username: "emoji", password: "correct horse 😀 battery" } });
    assert.deepEqual(pair.body, { code: 0, data: null, msg: "注册成功" });
  });

  it("refuses request headers over 16 KB with 431 and stays up", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL("/healthz", gh.url);
      const req = httpRequest(url, { headers: { authorization: `Bearer ${"a".repeat(64 * 1024)}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    assert.equal(status, 431);
    assert.equal((await gh.request("GET", "/healthz")).status, 200);
  });

  it("sets the security headers on errors too", async () => {
    const response = await gh.post("/oauth/token", { form: { grant_type: "password" } });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    assert.equal(response.headers.get("referrer-policy"), "no-referrer");
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.equal(response.headers.get("x-powered-by"), null);
  });

  it("never writes a password or token into the log", async () => {
    await gh.post("/api/auth/register", { json: { username: "logcheck", password: PASSWORD } });
    const login = await gh.post("/api/auth/login", { json: { username: "logcheck", password: PASSWORD } });
    const { access_token: access, refresh_token: refresh } = login.body.data;
    await gh.post("/api/auth/refresh", { headers: { authorization: `Bearer ${refresh}` } });
    await gh.request("GET", `/healthz?token=${access}`);
    await gh.post("/api/auth/logout", { headers: { authorization: `Bearer ${access}` } });
    await gh.post("/api/auth/login", { json: { username: "logcheck", password: `${PASSWORD}-wrong` } });
    const log = gh.logs.join("\n");
    assert.ok(log.includes('"audit":"login"'), "the audit trail is logged");
    for (const secret of [PASSWORD, access, refresh, encodeURIComponent(PASSWORD), Buffer.from(PASSWORD).toString("base64")]) {
      assert.equal(log.includes(secret), false);
    }
    assert.equal(log.includes(access.split(".")[2]), false);
  });
});
