// test-databases: each
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { runCli } from "../helpers/cli.js";
import { type Response, startServer, type TestServer } from "../helpers/server.js";

// The jwt-extended dialect (Flask + flask-jwt-extended): tokens, /api/auth/refresh and /api/auth/logout.

const PASSWORD = "correct horse battery";
const DAY = 86_400;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const MISSING_HEADER = { msg: "Missing Authorization Header" };
const MISSING_BEARER = { msg: "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'" };
const BAD_HEADER = { msg: "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'" };
const REVOKED = { msg: "Token has been revoked" };
const EXPIRED = { msg: "Token has expired" };
const LOGGED_OUT = { code: 0, data: null, msg: "退出登录成功" };

type Session = { access: string; refresh: string; userId: string };

function expectBody(response: Response, status: number, body: unknown): void {
  assert.equal(response.status, status, response.text);
  assert.deepEqual(response.body, body);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
}

function claims(token: string): Record<string, any> {
  const payload = token.split(".")[1];
  assert.ok(payload, "a JWT has a payload segment");
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
}

/** Flips one character in the middle of a segment (never the last, whose low bits may be padding). */
function tamper(token: string, segment: number): string {
  const parts = token.split(".");
  const part = parts[segment] as string;
  const at = Math.floor(part.length / 2);
  parts[segment] = part.slice(0, at) + (part[at] === "A" ? "B" : "A") + part.slice(at + 1);
  return parts.join(".");
}

function client(gh: TestServer) {
  const bearer = (path: string, authorization?: string) =>
    gh.post(path, authorization === undefined ? {} : { headers: { authorization } });
  return {
    refresh: (token: string) => bearer("/api/auth/refresh", `Bearer ${token}`),
    logout: (token: string) => bearer("/api/auth/logout", `Bearer ${token}`),
    bearer,
    async register(username: string): Promise<void> {
      expectBody(await gh.post("/api/auth/register", { json: { username, password: PASSWORD } }), 200, {
        code: 0,
        data: null,
        msg: "注册成功",
      });
    },
    async login(username: string): Promise<Session> {
      const { status, body } = await gh.post("/api/auth/login", { json: { username, password: PASSWORD } });
      assert.equal(status, 200);
      assert.equal(body.code, 0, body.msg);
      return { access: body.data.access_token, refresh: body.data.refresh_token, userId: body.data.payload.user.user_id };
    },
  };
}

async function cli(gh: TestServer, ...args: string[]): Promise<void> {
  const result = await runCli(args, gh.env);
  assert.equal(result.code, 0, `gatehouse ${args.join(" ")}: ${result.stderr}`);
}

describe("jwt-extended tokens, refresh and logout", () => {
  let gh: TestServer;
  let c: ReturnType<typeof client>;
  before(async () => {
    gh = await startServer();
    c = client(gh);
    for (const name of ["tok_claims", "tok_refresh", "tok_errors", "tok_logout"]) await c.register(name);
  });
  after(() => gh.close());

  it("issues tokens with the flask-jwt-extended claims and lifetimes of 1 day and 30 days", async () => {
    const startedAt = Math.floor(Date.now() / 1000);
    const session = await c.login("tok_claims");
    assert.match(session.userId, UUID);
    const access = claims(session.access);
    const refresh = claims(session.refresh);
    for (const [token, type] of [
      [access, "access"],
      [refresh, "refresh"],
    ] as const) {
      assert.equal(token.fresh, false);
      assert.equal(token.type, type);
      assert.equal(token.sub, session.userId);
      assert.ok(Number.isInteger(token.iat) && Math.abs(token.iat - startedAt) <= 5, `iat ${token.iat}`);
      assert.equal(token.nbf, token.iat);
      assert.equal(typeof token.jti, "string");
      assert.ok(token.jti.length > 0);
      assert.equal(typeof token.csrf, "string");
      assert.ok(token.csrf.length > 0);
      assert.ok(Number.isInteger(token.exp));
    }
    assert.notEqual(access.jti, refresh.jti);
    assert.notEqual(access.csrf, refresh.csrf);
    assert.equal(access.exp - access.iat, DAY);
    assert.equal(refresh.exp - refresh.iat, 30 * DAY);
  });

  it("refreshes: a new access token for the same user, the refresh token kept, and it works for logout", async () => {
    const session = await c.login("tok_refresh");
    const response = await c.refresh(session.refresh);
    expectBody(response, 200, { code: 0, data: { access_token: response.body.data?.access_token }, msg: "刷新令牌成功" });
    const fresh = response.body.data.access_token as string;
    assert.notEqual(fresh, session.access);
    const fields = claims(fresh);
    assert.equal(fields.type, "access");
    assert.equal(fields.fresh, false);
    assert.equal(fields.sub, session.userId);
    assert.notEqual(fields.jti, claims(session.access).jti);
    assert.equal(fields.exp - fields.iat, DAY);
    // Not rotated: the same refresh token refreshes again.
    assert.equal((await c.refresh(session.refresh)).body.code, 0);
    expectBody(await c.logout(fresh), 200, LOGGED_OUT);
    // The refreshed token belonged to the same session: everything of it is gone.
    expectBody(await c.refresh(session.refresh), 401, REVOKED);
    expectBody(await c.logout(session.access), 401, REVOKED);
  });

  it("answers header and token problems with flask-jwt-extended's status and {msg}", async () => {
    const session = await c.login("tok_errors");
    expectBody(await c.bearer("/api/auth/refresh"), 401, MISSING_HEADER);
    expectBody(await c.bearer("/api/auth/logout"), 401, MISSING_HEADER);
    for (const header of ["Basic xyz", "bearer x", `bearer ${session.refresh}`, `Token ${session.refresh}`]) {
      expectBody(await c.bearer("/api/auth/refresh", header), 401, MISSING_BEARER);
    }
    expectBody(await c.bearer("/api/auth/refresh", "Bearer a b"), 422, BAD_HEADER);
    expectBody(await c.bearer("/api/auth/refresh", `Bearer ${session.refresh} extra`), 422, BAD_HEADER);
    expectBody(await c.refresh("abc"), 422, { msg: "Not enough segments" });
    expectBody(await c.logout("abc"), 422, { msg: "Not enough segments" });
    const badSignature = { msg: "Signature verification failed" };
    expectBody(await c.refresh(tamper(session.refresh, 2)), 422, badSignature);
    expectBody(await c.logout(tamper(session.access, 2)), 422, badSignature);
    // A payload claiming another user under the original signature.
    const [head, , signature] = session.refresh.split(".");
    const forged = Buffer.from(JSON.stringify({ ...claims(session.refresh), sub: randomUUID() })).toString("base64url");
    expectBody(await c.refresh(`${head}.${forged}.${signature}`), 422, badSignature);
    expectBody(await c.refresh(session.access), 422, { msg: "Only refresh tokens are allowed" });
    // None of this harmed the session.
    assert.equal((await c.refresh(session.refresh)).body.code, 0);
  });

  it("logs out one session with its access or its refresh token; other sessions keep working", async () => {
    const first = await c.login("tok_logout");
    const second = await c.login("tok_logout");
    const third = await c.login("tok_logout");
    expectBody(await c.logout(first.access), 200, LOGGED_OUT);
    expectBody(await c.logout(first.access), 401, REVOKED);
    expectBody(await c.refresh(first.refresh), 401, REVOKED);

    expectBody(await c.logout(second.refresh), 200, LOGGED_OUT);
    expectBody(await c.logout(second.access), 401, REVOKED);
    expectBody(await c.refresh(second.refresh), 401, REVOKED);

    assert.equal((await c.refresh(third.refresh)).body.code, 0);
    expectBody(await c.logout(third.access), 200, LOGGED_OUT);
  });
});

describe("jwt-extended tokens of deleted users", () => {
  let gh: TestServer;
  let c: ReturnType<typeof client>;
  before(async () => {
    gh = await startServer();
    c = client(gh);
    await c.register("adm_deleted");
  });
  after(() => gh.close());

  it("revokes the tokens of a deleted user; the name can be registered again as a new user", async () => {
    const old = await c.login("adm_deleted");
    await cli(gh, "user", "delete", "adm_deleted");
    expectBody(await c.refresh(old.refresh), 401, REVOKED);
    expectBody(await c.logout(old.access), 401, REVOKED);
    const login = await gh.post("/api/auth/login", { json: { username: "adm_deleted", password: PASSWORD } });
    expectBody(login, 200, { code: 1, data: null, msg: "登录失败" });

    await c.register("adm_deleted");
    const renewed = await c.login("adm_deleted");
    assert.match(renewed.userId, UUID);
    assert.notEqual(renewed.userId, old.userId);
    expectBody(await c.refresh(old.refresh), 401, REVOKED);
    expectBody(await c.logout(old.access), 401, REVOKED);
  });
});

describe("jwt-extended token lifetimes from JWT_EXTENDED_ACCESS_TTL and JWT_EXTENDED_REFRESH_TTL", () => {
  let gh: TestServer;
  let c: ReturnType<typeof client>;
  before(async () => {
    gh = await startServer({ JWT_EXTENDED_ACCESS_TTL: "120", JWT_EXTENDED_REFRESH_TTL: "3600" });
    c = client(gh);
    await c.register("ttl_user");
  });
  after(() => gh.close());

  it("uses the configured lifetimes for login and refresh", async () => {
    const session = await c.login("ttl_user");
    const access = claims(session.access);
    const refresh = claims(session.refresh);
    assert.equal(access.exp - access.iat, 120);
    assert.equal(refresh.exp - refresh.iat, 3600);
    const refreshed = claims((await c.refresh(session.refresh)).body.data.access_token);
    assert.equal(refreshed.exp - refreshed.iat, 120);
  });
});

describe("jwt-extended expired refresh tokens", () => {
  let gh: TestServer;
  let c: ReturnType<typeof client>;
  before(async () => {
    gh = await startServer({ JWT_EXTENDED_REFRESH_TTL: "1" });
    c = client(gh);
    await c.register("exp_user");
  });
  after(() => gh.close());

  it("answers 401 Token has expired once the refresh token's lifetime has passed", async () => {
    const session = await c.login("exp_user");
    const refresh = claims(session.refresh);
    assert.equal(refresh.exp - refresh.iat, 1);
    await sleep(2_100);
    expectBody(await c.refresh(session.refresh), 401, EXPIRED);
    expectBody(await c.logout(session.access), 401, EXPIRED);
  });
});
