// test-databases: each
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../src/config/load.js";
import { queryDatabase } from "../helpers/database.js";
import { type GatehouseProcess, spawnGatehouse } from "../helpers/gatehouse-process.js";
import {
  bearer,
  claimsOf,
  flaskToken,
  headerOf,
  importedUser,
  refusedBy,
  requirePyjwt,
  unsigned,
  verifyAsFlask,
} from "../helpers/legacy-tokens.js";
import { startServer, type TestServer } from "../helpers/server.js";

// The cutover from the Flask (flask-jwt-extended) server: its tokens keep working through
// Gatehouse while JWT_EXTENDED_LEGACY_SECRET is set, and Gatehouse can sign in its shape.

// Short, as the old server's secret often is: accepted for the cutover, with a warning.
const SECRET = "flask-old-secret-22b";
const PASSWORD = "correct horse battery";
const REVOKED = { msg: "Token has been revoked" };

const refresh = (gh: TestServer | string, token: string) => post(gh, "/api/auth/refresh", token);
const logout = (gh: TestServer | string, token: string) => post(gh, "/api/auth/logout", token);

/** A bearer POST to the test server or to a spawned process's base URL. */
async function post(gh: TestServer | string, path: string, token: string): Promise<{ status: number; body: any }> {
  if (typeof gh !== "string") {
    const { status, body } = await gh.post(path, bearer(token));
    return { status, body };
  }
  const response = await fetch(gh + path, { method: "POST", ...bearer(token) });
  return { status: response.status, body: await response.json() };
}

describe("jwt-extended cutover settings", () => {
  it("refuses signing with the legacy secret when no legacy secret is set, naming both variables", () => {
    assert.throws(
      () => loadConfig({ JWT_EXTENDED_SIGN_WITH_LEGACY_SECRET: "true" }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.some((p) => /JWT_EXTENDED_SIGN_WITH_LEGACY_SECRET=true needs JWT_EXTENDED_LEGACY_SECRET/.test(p)),
    );
    assert.throws(
      () => loadConfig({ JWT_EXTENDED_SIGN_WITH_LEGACY_SECRET: "sometimes" }),
      (error: unknown) =>
        error instanceof ConfigError && error.problems.some((p) => p.startsWith("JWT_EXTENDED_SIGN_WITH_LEGACY_SECRET must be")),
    );
    const config = loadConfig({ JWT_EXTENDED_LEGACY_SECRET: "x", JWT_EXTENDED_SIGN_WITH_LEGACY_SECRET: "true" });
    assert.deepEqual(config.dialectSettings["jwt-extended"], {
      ...config.dialectSettings["jwt-extended"],
      legacySecret: "x",
      signWithLegacySecret: true,
    });
  });

  it("warns at start about a short legacy secret by its variable's name, never showing the secret", async () => {
    const gh = await startServer({ JWT_EXTENDED_LEGACY_SECRET: SECRET });
    const strong = await startServer({ JWT_EXTENDED_LEGACY_SECRET: "a".repeat(32) });
    try {
      const warnings = gh.logs.filter((line) => line.includes("JWT_EXTENDED_LEGACY_SECRET"));
      assert.equal(warnings.length, 1, gh.logs.join("\n"));
      assert.equal(JSON.parse(warnings[0] as string).level, 40);
      assert.ok(!gh.logs.some((line) => line.includes(SECRET)));
      assert.ok(!strong.logs.some((line) => line.includes("LEGACY_SECRET")), strong.logs.join("\n"));
    } finally {
      await Promise.all([gh.close(), strong.close()]);
    }
  });
});

describe("jwt-extended: the old server's tokens through the cutover", () => {
  let gh: TestServer;
  let plain: TestServer;
  before(async () => {
    [gh, plain] = await Promise.all([startServer({ JWT_EXTENDED_LEGACY_SECRET: SECRET }), startServer()]);
  });
  after(() => Promise.all([gh.close(), plain.close()]));

  it("refreshes an old refresh token into a Gatehouse access token and a session listed like any other", async () => {
    const user = await importedUser(gh, "cut_refresh");
    const old = await flaskToken(SECRET, user.id, "refresh");
    const first = await refresh(gh, old);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.code, 0);
    assert.equal(first.body.msg, "刷新令牌成功");
    const access = first.body.data.access_token as string;
    assert.ok(headerOf(access).kid, "a Gatehouse token, signed by our keyring");
    assert.equal(claimsOf(access).sub, user.id);
    const sessions = await gh.server.core.listSessions(user.id);
    assert.equal(sessions.length, 1);
    assert.equal(claimsOf(access).sid, sessions[0]?.id);
    // The old refresh token is not consumed (flask-jwt-extended never did): it finds its session again.
    const second = await refresh(gh, old);
    assert.equal(second.status, 200);
    assert.equal(claimsOf(second.body.data.access_token).sid, sessions[0]?.id);
    assert.equal((await gh.server.core.listSessions(user.id)).length, 1);
    const audit = await queryDatabase(gh.databaseUrl, "select user_id, detail from audit_events where event = ?", [
      "legacy_token_exchanged",
    ]);
    assert.deepEqual(
      audit.filter((row) => row.user_id === user.id).map((row) => row.detail),
      ["jwt-extended, old token kept"],
    );
    // Logging out of that session ends the old refresh token with it.
    assert.equal((await logout(gh, access)).status, 200);
    assert.deepEqual(await refresh(gh, old), { status: 401, body: REVOKED });
  });

  it("answers an old access token at /refresh as flask-jwt-extended did", async () => {
    const user = await importedUser(gh, "cut_kind");
    const answer = await refresh(gh, await flaskToken(SECRET, user.id, "access"));
    assert.deepEqual(answer.body, { msg: "Only refresh tokens are allowed" });
    assert.equal(answer.status, 422);
  });

  it("refuses like a revoked token the old token of an unknown, disabled or deleted user", async () => {
    const disabled = await importedUser(gh, "cut_disabled");
    const deleted = await importedUser(gh, "cut_deleted");
    const tokens = {
      unknown: await flaskToken(SECRET, randomUUID(), "refresh"),
      disabled: await flaskToken(SECRET, disabled.id, "refresh"),
      deleted: await flaskToken(SECRET, deleted.id, "refresh"),
    };
    assert.equal((await refresh(gh, tokens.disabled)).status, 200, "works while the account is active");
    await gh.server.core.setUserEnabled("cut_disabled", false);
    await gh.server.core.deleteUser("cut_deleted");
    for (const [name, token] of Object.entries(tokens)) {
      const answer = await refresh(gh, token);
      assert.deepEqual([answer.status, answer.body], [401, REVOKED], name);
      assert.deepEqual((await logout(gh, token)).body, REVOKED, name);
    }
  });

  it("refuses an old token after its logout, on this process and on a second one on the same database", async () => {
    const user = await importedUser(gh, "cut_logout");
    const access = await flaskToken(SECRET, user.id, "access");
    const other = await flaskToken(SECRET, user.id, "refresh");
    const answer = await logout(gh, access);
    assert.deepEqual([answer.status, answer.body], [200, { code: 0, data: null, msg: "退出登录成功" }]);
    assert.deepEqual((await logout(gh, access)).body, REVOKED);
    const denied = await queryDatabase(gh.databaseUrl, "select expires_at from legacy_tokens where jti = ?", [
      claimsOf(access).jti,
    ]);
    assert.equal(Number(denied[0]?.expires_at), claimsOf(access).exp * 1000, "denied until it would have expired");
    let second: GatehouseProcess | undefined;
    try {
      second = await spawnGatehouse({ ...gh.env, JWT_EXTENDED_LEGACY_SECRET: SECRET });
      const there = await logout(second.url, access);
      assert.deepEqual([there.status, there.body], [401, REVOKED]);
      // The second process does accept the old server's tokens: only the logged-out one is refused.
      assert.equal((await refresh(second.url, other)).status, 200);
    } finally {
      await second?.stop();
    }
  });

  it("refuses an expired, wrongly signed, alg=none or never-expiring old token", async () => {
    const user = await importedUser(gh, "cut_bad");
    const expired = await flaskToken(SECRET, user.id, "refresh", -10);
    assert.deepEqual(await refresh(gh, expired), { status: 401, body: { msg: "Token has expired" } });
    const forged = await flaskToken("not-the-old-secret", user.id, "refresh");
    assert.deepEqual(await refresh(gh, forged), { status: 422, body: { msg: "Signature verification failed" } });
    const none = unsigned(await flaskToken(SECRET, user.id, "refresh"));
    assert.deepEqual(await refresh(gh, none), { status: 422, body: { msg: "Signature verification failed" } });
    const forever = await flaskToken(SECRET, user.id, "refresh", 60, { exp: undefined });
    assert.equal(claimsOf(forever).exp, undefined);
    assert.deepEqual(await refresh(gh, forever), { status: 422, body: { msg: "Invalid token claims" } });
    assert.equal((await gh.server.core.listSessions(user.id)).length, 0);
  });

  it("forgets a logged-out old token at housekeeping once it has expired, not before", async () => {
    const now = Date.now();
    assert.equal(await gh.server.store.legacyTokens.deny("jwt-extended", "expired-jti", now - 1000, now - 5000), true);
    assert.equal(await gh.server.store.legacyTokens.deny("jwt-extended", "live-jti", now + 60_000, now), true);
    assert.equal(await gh.server.store.legacyTokens.deny("jwt-extended", "live-jti", now + 60_000, now), false, "denied once");
    await gh.server.core.purgeEnded();
    assert.equal(await gh.server.store.legacyTokens.find("jwt-extended", "expired-jti"), null);
    assert.equal((await gh.server.store.legacyTokens.find("jwt-extended", "live-jti"))?.deniedAt, now);
  });

  it("refuses the old server's tokens while no legacy secret is set", async () => {
    const user = await importedUser(plain, "cut_plain");
    const answer = await refresh(plain, await flaskToken(SECRET, user.id, "refresh"));
    assert.deepEqual([answer.status, answer.body], [422, { msg: "Signature verification failed" }]);
  });
});

describe("jwt-extended: signing with the legacy secret", { skip: requirePyjwt() ?? false }, () => {
  const secret = randomUUID();
  let gh: TestServer;
  before(async () => {
    gh = await startServer({ JWT_EXTENDED_LEGACY_SECRET: secret, JWT_EXTENDED_SIGN_WITH_LEGACY_SECRET: "true" });
  });
  after(() => gh.close());

  async function login(username: string) {
    await gh.post("/api/auth/register", { json: { username, password: PASSWORD } });
    const { body } = await gh.post("/api/auth/login", { json: { username, password: PASSWORD } });
    assert.equal(body.code, 0, body.msg);
    return {
      access: body.data.access_token as string,
      refresh: body.data.refresh_token as string,
      id: body.data.payload.user.user_id,
    };
  }

  it("issues tokens that PyJWT verifies with the legacy secret as flask-jwt-extended does", async () => {
    const tokens = await login("sign_flask");
    for (const [kind, token] of [
      ["access", tokens.access],
      ["refresh", tokens.refresh],
    ] as const) {
      assert.deepEqual(headerOf(token), { alg: "HS256", typ: "JWT" });
      const claims = verifyAsFlask(token, secret, kind);
      assert.equal(claims.sub, tokens.id);
      assert.equal(claims.type, kind);
      assert.equal(claims.fresh, false);
      assert.match(String(claims.jti), /^[0-9a-f-]{36}$/);
      assert.match(
        refusedBy(() => verifyAsFlask(token, `${secret}x`, kind)),
        /InvalidSignatureError|Signature verification failed/,
      );
    }
    assert.match(
      refusedBy(() => verifyAsFlask(tokens.refresh, secret, "access")),
      /wrong token type/,
    );
    const refreshed = await refresh(gh, tokens.refresh);
    assert.equal(refreshed.status, 200);
    assert.equal(verifyAsFlask(refreshed.body.data.access_token, secret, "access").sub, tokens.id);
  });

  it("still ties those tokens to their session: refused after logout and after the user is disabled", async () => {
    const out = await login("sign_out");
    assert.equal((await logout(gh, out.access)).status, 200);
    assert.deepEqual((await refresh(gh, out.refresh)).body, REVOKED);
    assert.deepEqual((await logout(gh, out.access)).body, REVOKED);
    const off = await login("sign_off");
    assert.equal((await refresh(gh, off.refresh)).status, 200);
    await gh.server.core.setUserEnabled("sign_off", false);
    assert.deepEqual((await refresh(gh, off.refresh)).body, REVOKED);
  });
});
