// test-databases: each
// Lockout everywhere a secret is checked, and a locked user keeps their sessions
// (security S15 and S17; items 12 and 13 run against each password check).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { queryDatabase } from "../helpers/database.js";
import {
  evaluatedFailures,
  LOGIN_DOORS,
  type LoginDoor,
  PASSWORD_CHECK_DOORS,
  prepareLoginDoors,
  registerAccount,
} from "../helpers/login-doors.js";
import { basic, type Client, createClient, isActive, login, refreshGrant, sleep } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";

const PASSWORD = "correct horse battery";
const WRONG = "wrong horse battery";
const THRESHOLD = 3;
const GRANT = LOGIN_DOORS[0] as LoginDoor;

/** The user's id, read back through a successful jwt-extended login. */
async function userIdOf(gh: TestServer, username: string): Promise<string> {
  const response = await gh.post("/api/auth/login", { json: { username, password: PASSWORD } });
  assert.equal(response.body.code, 0, response.text);
  return response.body.data.payload.user.user_id;
}

describe(`every password check counts towards the lockout (LOCKOUT_THRESHOLD=${THRESHOLD}, 60 s) (security S17)`, () => {
  let gh: TestServer;
  before(async () => {
    gh = await startServer({ LOCKOUT_THRESHOLD: String(THRESHOLD), LOCKOUT_SECONDS: "60" });
    await prepareLoginDoors(gh);
  });
  after(() => gh.close());

  it("each door lets the right password through (the control)", async () => {
    for (const [index, door] of [...LOGIN_DOORS, ...PASSWORD_CHECK_DOORS].entries()) {
      await registerAccount(gh, `lock-control-${index}`, PASSWORD);
      assert.equal(door.succeeded(await door.send(gh, `lock-control-${index}`, PASSWORD)), true, door.name);
    }
  });

  for (const [index, door] of [...LOGIN_DOORS, ...PASSWORD_CHECK_DOORS].entries()) {
    it(`${THRESHOLD} wrong passwords at ${door.name} lock the account at every door`, async () => {
      const username = `lock-door-${index}`;
      await registerAccount(gh, username, PASSWORD);
      for (let i = 0; i < THRESHOLD; i++) assert.equal(door.succeeded(await door.send(gh, username, WRONG)), false);
      assert.equal(door.succeeded(await door.send(gh, username, PASSWORD)), false, `${door.name} with the right password`);
      assert.equal(GRANT.succeeded(await GRANT.send(gh, username, PASSWORD)), false, "password grant");
      for (const check of PASSWORD_CHECK_DOORS) {
        assert.equal(check.succeeded(await check.send(gh, username, PASSWORD)), false, check.name);
      }
      // Nothing was changed or deleted while locked: the account still exists under its password.
      assert.ok((await queryDatabase(gh.databaseUrl, "select id from users where username_canonical = ?", [username])).length);
    });
  }

  for (const [index, door] of [GRANT, ...PASSWORD_CHECK_DOORS].entries()) {
    it(`60 parallel wrong passwords at ${door.name}: at most ${THRESHOLD} are checked (security S13)`, async () => {
      const username = `lock-burst-${index}`;
      await registerAccount(gh, username, PASSWORD);
      const userId = await userIdOf(gh, username);
      const answers = await Promise.all(Array.from({ length: 60 }, () => door.send(gh, username, WRONG)));
      assert.ok(answers.every((answer) => answer.status < 500 && !door.succeeded(answer)));
      const evaluated = await evaluatedFailures(gh, userId);
      assert.ok(evaluated >= 1 && evaluated <= THRESHOLD, `checked ${evaluated} wrong passwords`);
      assert.equal(door.succeeded(await door.send(gh, username, PASSWORD)), false);
    });
  }
});

describe("a locked user keeps their sessions and gets back in after the lock (LOCKOUT_SECONDS=2) (security S15)", () => {
  let gh: TestServer;
  let web: Client;
  before(async () => {
    gh = await startServer({ LOCKOUT_THRESHOLD: String(THRESHOLD), LOCKOUT_SECONDS: "2" });
    await prepareLoginDoors(gh);
    web = await createClient(gh, "web");
  });
  after(() => gh.close());

  it("refresh tokens rotate, access tokens stay active and device sessions live while locked", async () => {
    await registerAccount(gh, "locked-out", PASSWORD);
    const oauth = await login(gh, web, "locked-out", PASSWORD);
    const extended = (await gh.post("/api/auth/login", { json: { username: "locked-out", password: PASSWORD } })).body.data;
    const device = await gh.post("/auth/login", { json: { username: "locked-out", password: PASSWORD, terminal: "tv" } });
    assert.equal(device.status, 200, device.text);

    // An attacker locks the account.
    for (let i = 0; i < THRESHOLD + 2; i++) await GRANT.send(gh, "locked-out", WRONG);
    assert.equal(GRANT.succeeded(await GRANT.send(gh, "locked-out", PASSWORD)), false, "the account is locked");

    const rotated = await refreshGrant(gh, web, oauth.refresh_token);
    assert.equal(rotated.status, 200, rotated.text);
    assert.notEqual(rotated.body.refresh_token, oauth.refresh_token);
    assert.equal(await isActive(gh, web, rotated.body.access_token), true);
    assert.equal((await refreshGrant(gh, web, rotated.body.refresh_token)).status, 200, "and again");
    const refreshed = await gh.post("/api/auth/refresh", { headers: { authorization: `Bearer ${extended.refresh_token}` } });
    assert.equal(refreshed.body.code, 0, refreshed.text);
    const sessions = await gh.request("GET", "/v1/me/sessions", { headers: { authorization: `Bearer ${device.body.token}` } });
    assert.equal(sessions.status, 200, sessions.text);
    assert.equal(GRANT.succeeded(await GRANT.send(gh, "locked-out", PASSWORD)), false, "still locked");

    await sleep(2_300);
    for (const door of LOGIN_DOORS) assert.equal(door.succeeded(await door.send(gh, "locked-out", PASSWORD)), true, door.name);
  });
});

describe("client secrets and token guessing are limited per address (security S17)", () => {
  let gh: TestServer;
  let web: Client;
  before(async () => {
    gh = await startServer({ RATE_LIMIT_MAX: "10" });
    await prepareLoginDoors(gh);
    web = await createClient(gh, "web");
  });
  after(() => gh.close());

  it("wrong client secrets and guessed tokens at introspection and revocation get 429 past the limit", async () => {
    const guesses = [
      () => gh.post("/oauth/introspect", { form: { token: "guess" }, headers: { authorization: basic("web", "x".repeat(43)) } }),
      () =>
        gh.post("/oauth/introspect", { form: { token: `guess.${Math.random()}`, client_id: "web", client_secret: web.secret! } }),
      () => gh.post("/oauth/revoke", { form: { token: `guess.${Math.random()}`, client_id: "web", client_secret: web.secret! } }),
    ];
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await guesses[i % guesses.length]!()).status);
    assert.deepEqual(statuses.slice(0, 10), [401, 200, 200, 401, 200, 200, 401, 200, 200, 401]);
    assert.deepEqual(statuses.slice(10), [429, 429]);
    const right = await gh.post("/oauth/introspect", { form: { token: "guess", client_id: "web", client_secret: web.secret! } });
    assert.equal(right.status, 429, "the right secret from the same address waits too");
    assert.ok(Number(right.headers.get("retry-after")) >= 1);
  });
});
