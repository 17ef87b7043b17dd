// test-databases: each
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { b64url, createClient, decodeJws, passwordGrant, sleep } from "../helpers/oauth.js";
import { queryDatabase } from "../helpers/database.js";
import { type Response, startServer, type TestServer } from "../helpers/server.js";

// The terminal dialect (the per-terminal session API): per-device sessions under /auth, body {"message": ...}.

const PASSWORD = "correct horse battery";
const NEW_PASSWORD = "staple tractor lantern";
const OK = { message: "ok" };
const BAD_CREDENTIALS = { message: "Invalid username or password" };
const BAD_TOKEN = { message: "Invalid token" };
const TAKEN = { message: "fail, username has exists" };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function expectBody(response: Response, status: number, body: unknown): void {
  assert.equal(response.status, status, response.text);
  assert.deepEqual(response.body, body);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
}

/** A 401 whose message says what is wrong, matching `pattern`. */
function expectRefusal(response: Response, pattern: RegExp): void {
  assert.equal(response.status, 401, response.text);
  assert.deepEqual(Object.keys(response.body), ["message"]);
  assert.match(response.body.message, pattern);
}

const api = (gh: TestServer) => ({
  register: (username: unknown, password: unknown = PASSWORD) => gh.post("/auth/register", { json: { username, password } }),
  unregister: (username: string, password: string) => gh.post("/auth/unregister", { json: { username, password } }),
  login: (username: string, terminal: string, password = PASSWORD) =>
    gh.post("/auth/login", { json: { username, password, terminal } }),
  password: (username: string, oldPassword: string, newPassword: string) =>
    gh.post("/auth/password", { json: { username, oldPassword, newPassword } }),
  logout: (token: string | null, username: unknown) =>
    gh.post("/auth/logout", { json: { username }, headers: token === null ? {} : { token } }),
  /** Logs in and returns the token, insisting on the documented success body. */
  async token(username: string, terminal: string, password = PASSWORD): Promise<string> {
    const response = await this.login(username, terminal, password);
    expectBody(response, 200, { message: "ok", token: response.body.token });
    return response.body.token as string;
  },
  /** Whether the token's session is live, asked of the native API without changing anything. */
  async alive(token: string): Promise<boolean> {
    const response = await gh.request("GET", "/v1/me/sessions", { headers: { authorization: `Bearer ${token}` } });
    assert.ok(response.status === 200 || response.status === 401, response.text);
    return response.status === 200;
  },
});

describe("terminal registration, login and request bodies", () => {
  let gh: TestServer;
  let t: ReturnType<typeof api>;
  before(async () => {
    gh = await startServer();
    t = api(gh);
  });
  after(() => gh.close());

  it("registers, then refuses the name again in any case", async () => {
    expectBody(await t.register("term_ann"), 200, OK);
    for (const username of ["term_ann", "TERM_ANN", "Term_Ann", "ｔｅｒｍ_ａｎｎ"])
      expectBody(await t.register(username), 401, TAKEN);
  });

  it("refuses invalid usernames and weak passwords with a clear 401, reserving nothing", async () => {
    expectRefusal(await t.register("term bea"), /username/);
    expectRefusal(await t.register("b".repeat(65)), /username/);
    expectRefusal(await t.register("term_bea", "short1"), /password.*8/);
    expectRefusal(await t.register("term_bea", "password123"), /password.*common/);
    expectRefusal(await t.register("term_bea", "my term_bea secret"), /password.*username/);
    expectBody(await t.register("term_bea"), 200, OK);
    expectBody(await t.register("b".repeat(64)), 200, OK);
  });

  it("answers missing fields with a 401 naming them", async () => {
    expectBody(await gh.post("/auth/register", { json: { username: "term_cid" } }), 401, { message: "password required" });
    expectBody(await gh.post("/auth/register", { json: { password: PASSWORD } }), 401, { message: "username required" });
    expectBody(await t.register("", PASSWORD), 401, { message: "username required" });
    expectRefusal(await gh.post("/auth/register"), /username.*password.*required/);
    const noTerminal = await gh.post("/auth/login", { json: { username: "term_ann", password: PASSWORD } });
    expectBody(noTerminal, 401, { message: "terminal required" });
    expectBody(await t.login("term_ann", ""), 401, { message: "terminal required" });
  });

  it("logs in with a signed JWT living 3600 s, and answers a wrong password and an unknown user identically", async () => {
    const token = await t.token("TERM_ANN", "phone");
    const { header, payload } = decodeJws(token);
    assert.notEqual(header.alg, "none");
    assert.match(payload.sub, UUID);
    assert.equal(payload.exp - payload.iat, 3600);
    assert.ok(!token.includes(PASSWORD) && !JSON.stringify(payload).includes("term_ann"));
    const wrong = await t.login("term_ann", "phone", `${PASSWORD}!`);
    const unknown = await t.login("term_nobody", "phone");
    expectBody(wrong, 401, BAD_CREDENTIALS);
    expectBody(unknown, 401, BAD_CREDENTIALS);
    assert.equal(wrong.text, unknown.text);
    expectBody(await t.login("x".repeat(300), "phone"), 401, BAD_CREDENTIALS);
    // The refused attempts did not end the session of the successful login.
    assert.equal(await t.alive(token), true);
  });

  it("accepts form-urlencoded bodies on every route", async () => {
    expectBody(await gh.post("/auth/register", { form: { username: "term_dot", password: PASSWORD } }), 200, OK);
    const login = await gh.post("/auth/login", { form: { username: "term_dot", password: PASSWORD, terminal: "tv" } });
    expectBody(login, 200, { message: "ok", token: login.body.token });
    const logout = await gh.post("/auth/logout", { form: { username: "term_dot" }, headers: { token: login.body.token } });
    expectBody(logout, 200, OK);
    assert.equal(await t.alive(login.body.token), false);
    const change = { username: "term_dot", oldPassword: PASSWORD, newPassword: NEW_PASSWORD };
    expectBody(await gh.post("/auth/password", { form: change }), 200, OK);
    expectBody(await gh.post("/auth/unregister", { form: { username: "term_dot", password: NEW_PASSWORD } }), 200, OK);
  });

  it("answers fields of the wrong type and malformed JSON with 400, never a 500", async () => {
    const expect400 = (response: Response) => {
      assert.equal(response.status, 400, response.text);
      assert.deepEqual(Object.keys(response.body), ["message"]);
      assert.ok(response.body.message.length > 0);
    };
    for (const username of [["term_eve"], { name: "term_eve" }, 42, true]) expect400(await t.register(username));
    expect400(await t.register("term_eve", 12345678));
    expect400(await gh.post("/auth/login", { json: { username: "term_ann", password: PASSWORD, terminal: ["phone"] } }));
    expect400(await gh.post("/auth/password", { json: { username: "term_ann", oldPassword: PASSWORD, newPassword: {} } }));
    expect400(await gh.post("/auth/register", { json: [{ username: "term_eve", password: PASSWORD }] }));
    expect400(await gh.post("/auth/register", { json: "term_eve" }));
    expect400(await gh.post("/auth/register", { form: `username=term_eve&username=x&password=${PASSWORD}` }));
    for (const route of ["register", "unregister", "login", "password", "logout"]) {
      expect400(await gh.post(`/auth/${route}`, { raw: '{"username": "term_eve", ', contentType: "application/json" }));
    }
    // None of it created the account.
    expectBody(await t.login("term_eve", "phone"), 401, BAD_CREDENTIALS);
  });
});

describe("terminal sessions and logout", () => {
  let gh: TestServer;
  let t: ReturnType<typeof api>;
  before(async () => {
    gh = await startServer();
    t = api(gh);
    for (const username of ["term_fay", "term_gus"]) expectBody(await t.register(username), 200, OK);
  });
  after(() => gh.close());

  it("keeps one session per terminal: a new login on a terminal ends only that terminal's previous token", async () => {
    const phone1 = await t.token("term_fay", "phone");
    const laptop1 = await t.token("term_fay", "laptop");
    const phone2 = await t.token("term_fay", "phone");
    assert.equal(await t.alive(phone2), true);
    assert.equal(await t.alive(laptop1), true);
    expectBody(await t.logout(phone1, "term_fay"), 401, BAD_TOKEN);
    expectBody(await t.logout(phone2, "term_fay"), 200, OK);
    expectBody(await t.logout(laptop1, "term_fay"), 200, OK);
  });

  it("compares the username without regard to case", async () => {
    const token = await t.token("term_fay", "car");
    expectBody(await t.logout(token, "TERM_Fay"), 200, OK);
    assert.equal(await t.alive(token), false);
  });

  it("refuses a missing, forged or foreign token, or a missing username, and revokes nothing", async () => {
    const fay = await t.token("term_fay", "tablet");
    const gus = await t.token("term_gus", "tablet");
    expectBody(await t.logout(null, "term_fay"), 401, BAD_TOKEN);
    expectBody(await t.logout("", "term_fay"), 401, BAD_TOKEN);
    expectBody(await t.logout("not-a-token", "term_fay"), 401, BAD_TOKEN);
    // The original signed tokens with the username as the HMAC key: anyone could mint one.
    const head = `${b64url({ alg: "HS256", typ: "JWT" })}.${b64url({ username: "term_fay", exp: 4102444800 })}`;
    const legacy = `${head}.${createHmac("sha256", "term_fay").update(head).digest("base64url")}`;
    expectBody(await t.logout(legacy, "term_fay"), 401, BAD_TOKEN);
    const unsigned = `${b64url({ alg: "none", typ: "at+jwt" })}.${fay.split(".")[1]}.`;
    expectBody(await t.logout(unsigned, "term_fay"), 401, BAD_TOKEN);
    // Gus's signature over Fay's claims.
    const [gusHead, , gusSig] = gus.split(".");
    expectBody(await t.logout(`${gusHead}.${fay.split(".")[1]}.${gusSig}`, "term_fay"), 401, BAD_TOKEN);
    // A genuine token presented for another user.
    expectBody(await t.logout(gus, "term_fay"), 401, BAD_TOKEN);
    expectBody(await t.logout(fay, "term_gus"), 401, BAD_TOKEN);
    expectBody(await t.logout(fay, undefined), 401, BAD_TOKEN);
    expectBody(await t.logout(fay, ["term_fay"]), 401, BAD_TOKEN);
    assert.equal(await t.alive(fay), true);
    assert.equal(await t.alive(gus), true);
  });
});

describe("terminal password change and unregister", () => {
  let gh: TestServer;
  let t: ReturnType<typeof api>;
  before(async () => {
    gh = await startServer();
    t = api(gh);
    for (const username of ["term_hal", "term_ivy"]) expectBody(await t.register(username), 200, OK);
  });
  after(() => gh.close());

  it("refuses a wrong old password or a weak new one and changes nothing", async () => {
    const phone = await t.token("term_hal", "phone");
    expectBody(await t.password("term_hal", `${PASSWORD}?`, NEW_PASSWORD), 401, BAD_CREDENTIALS);
    expectBody(await t.password("term_nobody", PASSWORD, NEW_PASSWORD), 401, BAD_CREDENTIALS);
    expectRefusal(await t.password("term_hal", PASSWORD, "short1"), /password.*8/);
    expectRefusal(await t.password("term_hal", PASSWORD, "password123"), /password.*common/);
    expectRefusal(await t.password("term_hal", PASSWORD, "term_hal is me"), /password.*username/);
    assert.equal(await t.alive(phone), true);
    expectBody(await t.login("term_hal", "probe", "password123"), 401, BAD_CREDENTIALS);
    expectBody(await t.login("term_hal", "probe", NEW_PASSWORD), 401, BAD_CREDENTIALS);
    await t.token("term_hal", "probe");
    assert.equal(await t.alive(phone), true);
  });

  it("changes the password and revokes every session of the user, on every terminal", async () => {
    const phone = await t.token("term_hal", "phone");
    const laptop = await t.token("term_hal", "laptop");
    const ivy = await t.token("term_ivy", "phone");
    expectBody(await t.password("TERM_HAL", PASSWORD, NEW_PASSWORD), 200, OK);
    for (const token of [phone, laptop]) {
      assert.equal(await t.alive(token), false);
      expectBody(await t.logout(token, "term_hal"), 401, BAD_TOKEN);
    }
    assert.equal(await t.alive(ivy), true, "another user's session is untouched");
    expectBody(await t.login("term_hal", "phone"), 401, BAD_CREDENTIALS);
    assert.equal(await t.alive(await t.token("term_hal", "phone", NEW_PASSWORD)), true);
  });

  it("refuses to unregister without the right password", async () => {
    expectBody(await t.unregister("term_ivy", `${PASSWORD}x`), 401, BAD_CREDENTIALS);
    expectBody(await t.unregister("term_nobody", PASSWORD), 401, BAD_CREDENTIALS);
    expectRefusal(await gh.post("/auth/unregister", { json: { username: "term_ivy" } }), /password required/);
    await t.token("term_ivy", "probe");
  });

  it("unregisters: account, sessions, tokens and personal data go; a new account of the same name is a new user", async () => {
    const phone = await t.token("term_ivy", "phone");
    const laptop = await t.token("term_ivy", "laptop");
    const id = decodeJws(phone).payload.sub as string;
    // An OAuth login too, so that a refresh token row exists to be deleted.
    const client = await createClient(gh, "term-app");
    assert.equal((await passwordGrant(gh, client, "term_ivy")).status, 200);
    const rows = (sql: string, ...params: string[]) => queryDatabase(gh.databaseUrl, sql, params);
    const users = "SELECT * FROM users WHERE id = ? OR username_canonical = 'term_ivy'";
    const sessions = "SELECT * FROM sessions WHERE user_id = ?";
    const refresh =
      "SELECT r.* FROM refresh_tokens r LEFT JOIN sessions s ON s.id = r.session_id WHERE s.user_id = ? OR s.id IS NULL";
    const roles = "SELECT * FROM user_roles WHERE user_id = ?";
    for (const sql of [users, sessions, refresh, roles]) assert.ok((await rows(sql, id)).length > 0, sql);

    expectBody(await t.unregister("Term_Ivy", PASSWORD), 200, OK);
    for (const token of [phone, laptop]) {
      assert.equal(await t.alive(token), false);
      expectBody(await t.logout(token, "term_ivy"), 401, BAD_TOKEN);
    }
    expectBody(await t.login("term_ivy", "phone"), 401, BAD_CREDENTIALS);
    for (const sql of [users, sessions, refresh, roles]) assert.deepEqual(await rows(sql, id), [], sql);
    const deleted = await rows("SELECT * FROM audit_events WHERE event = 'account_deleted' AND user_id = ?", id);
    assert.equal(deleted.length, 1);
    const trail = JSON.stringify(await rows("SELECT * FROM audit_events"));
    assert.ok(!trail.toLowerCase().includes("term_ivy"), "the audit trail keeps no username");

    expectBody(await t.register("term_ivy"), 200, OK);
    const again = await t.token("term_ivy", "phone");
    assert.notEqual(decodeJws(again).payload.sub, id);
    for (const token of [phone, laptop]) expectBody(await t.logout(token, "term_ivy"), 401, BAD_TOKEN);
    assert.equal(await t.alive(again), true);
  });
});

describe("terminal tokens with TERMINAL_TOKEN_TTL=1", () => {
  let gh: TestServer;
  let t: ReturnType<typeof api>;
  before(async () => {
    gh = await startServer({ TERMINAL_TOKEN_TTL: "1" });
    t = api(gh);
    expectBody(await t.register("term_joe"), 200, OK);
  });
  after(() => gh.close());

  it("issues tokens of the configured lifetime, refused once expired", async () => {
    const token = await t.token("term_joe", "phone");
    const { payload } = decodeJws(token);
    assert.equal(payload.exp - payload.iat, 1);
    await sleep(2100);
    assert.equal(await t.alive(token), false);
    expectBody(await t.logout(token, "term_joe"), 401, BAD_TOKEN);
  });
});
