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
  headerOf,
  importedUser,
  refusedBy,
  requirePyjwt,
  tymonToken,
  unsigned,
  verifyAsTymon,
} from "../helpers/legacy-tokens.js";
import { startServer, type TestServer } from "../helpers/server.js";

// The cutover from the Lumen (tymon/jwt-auth) server: its tokens keep working through Gatehouse
// while JWT_AUTH_LEGACY_SECRET is set, and Gatehouse can sign in its shape.

const SECRET = "lumen-old-secret";
const UNAUTHORIZED = { success: false, message: "Unauthorized", data: [] };
const DAY = 86_400;

type Answer = { status: number; body: any };

/** A bearer request to the test server or to a spawned process's base URL. */
async function call(gh: TestServer | string, method: "GET" | "POST", path: string, token: string): Promise<Answer> {
  if (typeof gh !== "string") {
    const { status, body } = await gh.request(method, path, bearer(token));
    return { status, body };
  }
  const response = await fetch(gh + path, { method, ...bearer(token) });
  return { status: response.status, body: await response.json() };
}

const me = (gh: TestServer | string, token: string) => call(gh, "GET", "/me", token);
const refresh = (gh: TestServer | string, token: string) => call(gh, "GET", "/refreshToken", token);
const logout = (gh: TestServer | string, token: string) => call(gh, "POST", "/logout", token);

const refused = (answer: Answer, why: string) => assert.deepEqual(answer, { status: 401, body: UNAUTHORIZED }, why);

describe("jwt-auth cutover settings", () => {
  it("refuses signing with the legacy secret when none is set; warns about a short one by name", async () => {
    assert.throws(
      () => loadConfig({ JWT_AUTH_SIGN_WITH_LEGACY_SECRET: "1" }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.some((p) => /JWT_AUTH_SIGN_WITH_LEGACY_SECRET=true needs JWT_AUTH_LEGACY_SECRET/.test(p)),
    );
    const gh = await startServer({ JWT_AUTH_LEGACY_SECRET: SECRET });
    try {
      const warnings = gh.logs.filter((line) => line.includes("JWT_AUTH_LEGACY_SECRET"));
      assert.equal(warnings.length, 1, gh.logs.join("\n"));
      assert.ok(!gh.logs.some((line) => line.includes(SECRET)));
    } finally {
      await gh.close();
    }
  });
});

describe("jwt-auth: the old server's tokens through the cutover", () => {
  let gh: TestServer;
  before(async () => {
    gh = await startServer({ JWT_AUTH_LEGACY_SECRET: SECRET, JWT_AUTH_REFRESH_WINDOW: String(14 * DAY) });
  });
  after(() => gh.close());

  it("answers /me for an old token and refreshes it into a Gatehouse token and session; the old one dies", async () => {
    const user = await importedUser(gh, "lum_refresh");
    const old = await tymonToken(SECRET, user.seq);
    assert.deepEqual(await me(gh, old), {
      status: 200,
      body: { success: true, message: "Success.", data: { uid: "lum_refresh", email: null } },
    });
    const answer = await refresh(gh, old);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const token = answer.body.data.access_token as string;
    assert.equal(answer.body.data.token_type, "bearer");
    assert.ok(headerOf(token).kid, "a Gatehouse token, signed by our keyring");
    assert.equal(claimsOf(token).sub, user.seq, "the same `sub` as the old server's token");
    const sessions = await gh.server.core.listSessions(user.id);
    assert.deepEqual(
      sessions.map((s) => s.id),
      [claimsOf(token).sid],
    );
    assert.equal((await me(gh, token)).status, 200);
    // tymon/jwt-auth blacklisted the token it refreshed: so does Gatehouse.
    refused(await me(gh, old), "the refreshed old token");
    refused(await refresh(gh, old), "refreshed twice");
    const audit = await queryDatabase(gh.databaseUrl, "select detail from audit_events where event = ? and user_id = ?", [
      "legacy_token_exchanged",
      user.id,
    ]);
    assert.deepEqual(
      audit.map((row) => row.detail),
      ["jwt-auth, old token consumed"],
    );
  });

  it("refreshes an old token only within the refresh window counted from its iat", async () => {
    const user = await importedUser(gh, "lum_window");
    const iat = Math.floor(Date.now() / 1000) - 14 * DAY - 60;
    const old = await tymonToken(SECRET, user.seq, { iat, ttlSeconds: 15 * DAY });
    assert.equal((await me(gh, old)).status, 200, "still valid until its exp");
    refused(await refresh(gh, old), "the window has closed");
  });

  it("refuses the old token of an unknown, disabled or deleted user, and one of another model (prv)", async () => {
    const disabled = await importedUser(gh, "lum_disabled");
    const deleted = await importedUser(gh, "lum_deleted");
    const mine = await importedUser(gh, "lum_prv");
    const tokens = {
      unknown: await tymonToken(SECRET, 999_999),
      disabled: await tymonToken(SECRET, disabled.seq),
      deleted: await tymonToken(SECRET, deleted.seq),
      otherModel: await tymonToken(SECRET, mine.seq, { extra: { prv: "23bd5c8949f600adb39e701c400872db7a5976f7" } }),
    };
    assert.equal((await me(gh, tokens.disabled)).status, 200, "works while the account is active");
    await gh.server.core.setUserEnabled("lum_disabled", false);
    await gh.server.core.deleteUser("lum_deleted");
    for (const [name, token] of Object.entries(tokens)) {
      for (const answer of [await me(gh, token), await refresh(gh, token), await logout(gh, token)]) refused(answer, name);
    }
    assert.equal((await me(gh, await tymonToken(SECRET, mine.seq))).status, 200);
  });

  it("refuses an old token after its logout, here and on a second process on the same database", async () => {
    const user = await importedUser(gh, "lum_logout");
    const old = await tymonToken(SECRET, user.seq);
    const other = await tymonToken(SECRET, user.seq);
    assert.deepEqual(await logout(gh, old), { status: 200, body: { success: true, message: "Success.", data: [] } });
    refused(await me(gh, old), "logged out");
    let second: GatehouseProcess | undefined;
    try {
      second = await spawnGatehouse({ ...gh.env, JWT_AUTH_LEGACY_SECRET: SECRET });
      refused(await me(second.url, old), "logged out, seen by another process");
      assert.equal((await me(second.url, other)).status, 200);
    } finally {
      await second?.stop();
    }
  });

  it("refuses an expired, wrongly signed or alg=none old token", async () => {
    const user = await importedUser(gh, "lum_bad");
    refused(await me(gh, await tymonToken(SECRET, user.seq, { ttlSeconds: -5 })), "expired");
    refused(await me(gh, await tymonToken("another-secret", user.seq)), "forged");
    refused(await me(gh, unsigned(await tymonToken(SECRET, user.seq))), "alg none");
    refused(await refresh(gh, unsigned(await tymonToken(SECRET, user.seq))), "alg none");
  });
});

describe("jwt-auth: signing with the legacy secret", { skip: requirePyjwt() ?? false }, () => {
  const secret = randomUUID();
  let gh: TestServer;
  before(async () => {
    gh = await startServer({ JWT_AUTH_LEGACY_SECRET: secret, JWT_AUTH_SIGN_WITH_LEGACY_SECRET: "true" });
  });
  after(() => gh.close());

  const register = async (uid: string) => {
    const { status, body } = await gh.post("/register", {
      json: { uid, email: `${uid}@example.com`, password: "correct horse battery" },
    });
    assert.equal(status, 200, JSON.stringify(body));
    return body.data.access_token as string;
  };

  it("issues tokens that verify with the legacy secret and carry the claims and prv tymon/jwt-auth requires", async () => {
    const token = await register("lum_sign");
    const user = await gh.server.core.findUserByName("lum_sign");
    assert.deepEqual(headerOf(token), { alg: "HS256", typ: "JWT" });
    const claims = verifyAsTymon(token, secret);
    assert.equal(claims.sub, user.seq);
    assert.equal(claims.iss, `${gh.config.issuer}/register`);
    assert.match(
      refusedBy(() => verifyAsTymon(token, secret, "App\\Models\\User")),
      /prv does not match/,
    );
    assert.match(
      refusedBy(() => verifyAsTymon(token, `${secret}!`)),
      /InvalidSignatureError|Signature verification failed/,
    );
    const refreshed = await refresh(gh, token);
    assert.equal(refreshed.status, 200);
    assert.equal(verifyAsTymon(refreshed.body.data.access_token, secret).sub, user.seq);
    refused(await me(gh, token), "the refreshed token dies");
  });

  it("still ties those tokens to their session: refused after logout and after the user is disabled", async () => {
    const out = await register("lum_sign_out");
    assert.equal((await me(gh, out)).status, 200);
    assert.equal((await logout(gh, out)).status, 200);
    refused(await me(gh, out), "logged out");
    const off = await register("lum_sign_off");
    await gh.server.core.setUserEnabled("lum_sign_off", false);
    refused(await me(gh, off), "disabled");
  });
});
