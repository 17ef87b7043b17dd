// test-databases: each
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { basic, cli, decodeJws, PASSWORD, sleep } from "../helpers/oauth.js";
import { type Response, startServer, type TestServer } from "../helpers/server.js";
import { codeFrom, type SmtpReceiver, startSmtpReceiver } from "../helpers/smtp.js";

// The spring-oauth dialect (Spring Security OAuth2 with email codes): POST /oauth/login, the RFC 6749 /oauth/token its
// front ends call with client watup:watup, /oauth/check_token and /oauth/removeToken, and how
// they agree with RFC 7662 introspection and RFC 7009 revocation.

const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;
const WATUP = basic("watup", "watup");
const LOGIN_FAILED = { code: 400, message: "用户名或密码错误", data: null };
const NOT_RECOGNISED = { error: "invalid_token", error_description: "Token was not recognised" };
const EXPIRED = { error: "invalid_token", error_description: "Token has expired" };
const FULL_AUTHENTICATION = {
  error: "unauthorized",
  error_description: "Full authentication is required to access this resource",
};
const BAD_USER_CREDENTIALS = { error: "invalid_grant", error_description: "用户名或密码错误" };
const LEON = { id: "leon", email: "leondastur@example.com", username: "dastur" };

function expectBody(response: Response, status: number, body: unknown): void {
  assert.equal(response.status, status, response.text);
  assert.deepEqual(response.body, body);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
}

function expectError(response: Response, status: number, error: string): void {
  assert.equal(response.status, status, response.text);
  assert.equal(response.body.error, error);
}

/** Registers through sendCode and register, reading the code from the mail. */
async function signUp(gh: TestServer, smtp: SmtpReceiver, account: typeof LEON): Promise<void> {
  const sent = await gh.post("/oauth/sendCode", { form: { email: account.email } });
  assert.equal(sent.body.code, 200, sent.text);
  const code = codeFrom(smtp.onlyMailTo(account.email));
  const form = { id: account.id, username: account.username, password: PASSWORD, email: account.email, code };
  expectBody(await gh.post("/oauth/register", { form }), 200, { code: 200, message: "注册成功", data: null });
}

const api = (gh: TestServer) => ({
  /** Every token handed out by `session`, for the log check. */
  issued: [] as string[],
  login: (id: string, password = PASSWORD) => gh.post("/oauth/login", { form: { id, password } }),
  /** Logs in, insists on the documented body and returns its data. */
  async session(id: string, account = LEON, expiresIn = 3600) {
    const response = await this.login(id);
    const data = response.body?.data;
    const expected = { access_token: data?.access_token, token_type: "bearer", refresh_token: data?.refresh_token };
    const body = { code: 200, message: "成功", data: { ...expected, expires_in: expiresIn, scope: "all", ...account } };
    expectBody(response, 200, body);
    assert.match(data.access_token, JWT);
    assert.equal(typeof data.refresh_token, "string");
    assert.notEqual(data.refresh_token, data.access_token);
    this.issued.push(data.access_token, data.refresh_token);
    return data as { access_token: string; refresh_token: string };
  },
  token: (form: Record<string, string>, authorization?: string) =>
    gh.post("/oauth/token", { form, headers: authorization ? { authorization } : {} }),
  checkToken: (token: string, authorization?: string, method = "POST") =>
    method === "GET"
      ? gh.request(
          "GET",
          `/oauth/check_token?token=${encodeURIComponent(token)}`,
          authorization ? { headers: { authorization } } : {},
        )
      : gh.post("/oauth/check_token", { form: { token }, headers: authorization ? { authorization } : {} }),
  removeToken: (token: string, method = "POST") =>
    method === "GET"
      ? gh.request("GET", `/oauth/removeToken?access_token=${encodeURIComponent(token)}`)
      : gh.post("/oauth/removeToken", { form: { access_token: token } }),
  introspect: (token: string) => gh.post("/oauth/introspect", { form: { token }, headers: { authorization: WATUP } }),
});

/** The documented check_token body for a live token of `account`. */
const activeBody = (token: string, account = LEON) => ({
  user_name: account.username,
  scope: ["all"],
  active: true,
  id: account.id,
  exp: decodeJws(token).payload.exp,
  email: account.email,
  client_id: "watup",
  username: account.username,
});

describe("spring-oauth login, /oauth/token, check_token and removeToken", () => {
  let gh: TestServer;
  let smtp: SmtpReceiver;
  let s: ReturnType<typeof api>;
  // Another account with the same display name: tokens are keyed by the immutable id.
  const twin = { id: "leon2", email: "twin@example.com", username: "dastur" };
  before(async () => {
    smtp = await startSmtpReceiver();
    gh = await startServer({ SMTP_URL: smtp.url });
    s = api(gh);
    await signUp(gh, smtp, LEON);
    await signUp(gh, smtp, twin);
  });
  after(async () => {
    await gh.close();
    await smtp.close();
  });

  it("logs in by id, and by email (an id containing @), with the documented body", async () => {
    const byId = await s.session("leon");
    const byEmail = await s.session("leondastur@example.com");
    await s.session("LeonDastur@Example.COM");
    assert.notEqual(byId.access_token, byEmail.access_token);
    await s.session("leon2", twin);
  });

  it("answers every login failure with 用户名或密码错误", async () => {
    const answers = [
      await s.login("leon", `${PASSWORD}!`),
      await s.login("nobody"),
      await s.login("nobody@example.com"),
      await s.login("leondastur@example.com", "wrong password here"),
      await s.login("@@"),
    ];
    for (const response of answers) expectBody(response, 200, LOGIN_FAILED);
  });

  it("grants password tokens at /oauth/token with form client credentials or Basic", async () => {
    const form = { grant_type: "password", username: "leon", password: PASSWORD };
    for (const response of [await s.token({ ...form, client_id: "watup", client_secret: "watup" }), await s.token(form, WATUP)]) {
      const { access_token, refresh_token, token_type } = response.body;
      expectBody(response, 200, { access_token, token_type, refresh_token, expires_in: 3600, scope: "all", ...LEON });
      assert.match(token_type, /^bearer$/i);
      assert.match(access_token, JWT);
      assert.equal(typeof refresh_token, "string");
      assert.equal(response.headers.get("cache-control"), "no-store");
      expectBody(await s.checkToken(access_token, WATUP), 200, activeBody(access_token));
    }
  });

  it("answers /oauth/token errors as RFC 6749 does", async () => {
    const password = (extra: Record<string, string>) =>
      s.token({ grant_type: "password", username: "leon", password: PASSWORD, ...extra }, WATUP);
    expectBody(await password({ password: "wrong password here" }), 400, BAD_USER_CREDENTIALS);
    expectBody(await password({ username: "nobody" }), 400, BAD_USER_CREDENTIALS);
    expectError(await password({ scope: "admin" }), 400, "invalid_scope");
    expectError(await s.token({ grant_type: "refresh_token", refresh_token: "no-such-token" }, WATUP), 400, "invalid_grant");
    const form = { grant_type: "password", username: "leon", password: PASSWORD };
    const wrongBasic = await s.token(form, basic("watup", "wrong"));
    expectError(wrongBasic, 401, "invalid_client");
    assert.match(wrongBasic.headers.get("www-authenticate") ?? "", /^Basic /);
    expectError(await s.token({ ...form, client_id: "watup", client_secret: "wrong" }), 401, "invalid_client");
    expectError(await s.token({ ...form, client_id: "nobody", client_secret: "watup" }), 401, "invalid_client");
    expectError(await s.token(form), 401, "invalid_client");
  });

  it("refuses a /oauth/login refresh token presented by another client", async () => {
    const app = { id: "app", secret: "app-secret-that-is-at-least-32-characters" };
    const args = ["client", "create", "--id", app.id, "--secret", app.secret, "--grants", "password,refresh_token"];
    await cli(gh, [...args, "--scopes", "all"]);
    const { refresh_token } = await s.session("leon");
    const stolen = await s.token({ grant_type: "refresh_token", refresh_token }, basic(app.id, app.secret));
    expectError(stolen, 400, "invalid_grant");
    // The rightful client can still use it.
    assert.equal((await s.token({ grant_type: "refresh_token", refresh_token }, WATUP)).status, 200);
  });

  it("grants client_credentials to a confidential client only, without a refresh token", async () => {
    const { stdout } = await cli(gh, ["client", "create", "--id", "svc", "--grants", "client_credentials", "--scopes", "read"]);
    const secret = /^client_secret: (\S+)$/m.exec(stdout)?.[1];
    assert.ok(secret, stdout);
    const response = await s.token({ grant_type: "client_credentials" }, basic("svc", secret));
    const { access_token, token_type } = response.body;
    expectBody(response, 200, { access_token, token_type, expires_in: response.body.expires_in, scope: "read" });
    assert.match(token_type, /^bearer$/i);
    assert.ok(response.body.expires_in > 0);
    assert.equal(decodeJws(access_token).payload.sub, "svc");
    // check_token knows no user for it, but must not fail.
    const checked = await s.checkToken(access_token, WATUP);
    assert.equal(checked.status, 200, checked.text);
    assert.equal(checked.body.active, true);
    assert.equal(checked.body.client_id, "svc");

    await cli(gh, ["client", "create", "--id", "pub", "--public", "--grants", "client_credentials", "--scopes", "read"]);
    expectError(await s.token({ grant_type: "client_credentials", client_id: "pub" }), 400, "unauthorized_client");
  });

  it("check_token requires client authentication", async () => {
    const { access_token } = await s.session("leon");
    for (const method of ["GET", "POST"]) {
      expectBody(await s.checkToken(access_token, undefined, method), 401, FULL_AUTHENTICATION);
      expectBody(await s.checkToken(access_token, basic("watup", "wrong"), method), 401, FULL_AUTHENTICATION);
      expectBody(await s.checkToken("not-a-token", undefined, method), 401, FULL_AUTHENTICATION);
    }
  });

  // RFC 6749 §2.3.1: client credentials never travel in the request URI, where proxies and
  // access logs keep them. /oauth/token refuses them there; check_token must too.
  it("check_token does not take client credentials from the query string", async () => {
    const { access_token } = await s.session("leon");
    const query = `token=${encodeURIComponent(access_token)}&client_id=watup&client_secret=watup`;
    expectBody(await gh.request("GET", `/oauth/check_token?${query}`), 401, FULL_AUTHENTICATION);
    expectBody(
      await gh.post(`/oauth/check_token?client_id=watup&client_secret=watup`, { form: { token: access_token } }),
      401,
      FULL_AUTHENTICATION,
    );
  });

  it("check_token describes a live token by GET or POST, with Basic or form credentials", async () => {
    const { access_token } = await s.session("leon");
    expectBody(await s.checkToken(access_token, WATUP, "GET"), 200, activeBody(access_token));
    expectBody(await s.checkToken(access_token, WATUP), 200, activeBody(access_token));
    const form = { token: access_token, client_id: "watup", client_secret: "watup" };
    expectBody(await gh.post("/oauth/check_token", { form }), 200, activeBody(access_token));
    const other = await s.session("leon2", twin);
    expectBody(await s.checkToken(other.access_token, WATUP), 200, activeBody(other.access_token, twin));
  });

  it("check_token does not recognise unknown, tampered or refresh tokens", async () => {
    const { access_token, refresh_token } = await s.session("leon");
    const [header, payload, signature] = access_token.split(".") as [string, string, string];
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...decodeJws(access_token).payload, sub: "x" })).toString("base64url")}.${signature}`;
    for (const token of ["not-a-token", "a.b.c", forged, `${header}.${payload}.`, refresh_token]) {
      for (const method of ["GET", "POST"]) expectBody(await s.checkToken(token, WATUP, method), 400, NOT_RECOGNISED);
    }
  });

  it("removeToken ends the session behind an access token, by GET or POST", async () => {
    for (const method of ["GET", "POST"]) {
      const kept = await s.session("leon");
      const ended = await s.session("leon");
      assert.equal((await s.introspect(ended.access_token)).body.active, true);
      assert.equal((await s.introspect(ended.refresh_token)).body.active, true);
      expectBody(await s.removeToken(ended.access_token, method), 200, { code: 200, message: "注销成功", data: null });
      expectBody(await s.checkToken(ended.access_token, WATUP), 400, NOT_RECOGNISED);
      const refresh = await s.token({ grant_type: "refresh_token", refresh_token: ended.refresh_token }, WATUP);
      expectError(refresh, 400, "invalid_grant");
      expectBody(await s.introspect(ended.access_token), 200, { active: false });
      expectBody(await s.introspect(ended.refresh_token), 200, { active: false });
      expectBody(await s.removeToken(ended.access_token, method), 200, { code: 400, message: "注销失败", data: null });
      // Another session of the same user lives on.
      expectBody(await s.checkToken(kept.access_token, WATUP), 200, activeBody(kept.access_token));
    }
  });

  it("removeToken refuses unknown tokens and refresh tokens with 注销失败", async () => {
    const { access_token, refresh_token } = await s.session("leon");
    for (const token of ["nope", "a.b.c", refresh_token]) {
      for (const method of ["GET", "POST"]) {
        expectBody(await s.removeToken(token, method), 200, { code: 400, message: "注销失败", data: null });
      }
    }
    expectBody(await s.checkToken(access_token, WATUP), 200, activeBody(access_token));
  });

  it("RFC 7009 /oauth/revoke with client watup revokes a /oauth/login session", async () => {
    const byAccess = await s.session("leon");
    const revoke = (token: string) => gh.post("/oauth/revoke", { form: { token }, headers: { authorization: WATUP } });
    assert.equal((await revoke(byAccess.access_token)).status, 200);
    expectBody(await s.checkToken(byAccess.access_token, WATUP), 400, NOT_RECOGNISED);
    expectBody(await s.introspect(byAccess.refresh_token), 200, { active: false });
    const byRefresh = await s.session("leon");
    assert.equal((await revoke(byRefresh.refresh_token)).status, 200);
    expectBody(await s.checkToken(byRefresh.access_token, WATUP), 400, NOT_RECOGNISED);
    assert.equal((await revoke("unknown")).status, 200);
  });

  // Last in this block: it checks everything the tests above caused.
  it("never writes a token or a password to the log", () => {
    assert.ok(s.issued.length > 20);
    for (const line of gh.logs) {
      assert.ok(!line.includes(PASSWORD), `password in log: ${line}`);
      for (const token of s.issued) assert.ok(!line.includes(token), `token in log: ${line}`);
    }
  });
});

describe("spring-oauth with short access tokens (SPRING_ACCESS_TTL=1)", () => {
  let gh: TestServer;
  let smtp: SmtpReceiver;
  before(async () => {
    smtp = await startSmtpReceiver();
    gh = await startServer({ SMTP_URL: smtp.url, SPRING_ACCESS_TTL: "1" });
    await signUp(gh, smtp, LEON);
  });
  after(async () => {
    await gh.close();
    await smtp.close();
  });

  it("check_token answers Token has expired once the access token is over; the refresh token still works", async () => {
    const s = api(gh);
    const { access_token, refresh_token } = await s.session("leon", LEON, 1);
    await sleep(2_000);
    for (const method of ["GET", "POST"]) expectBody(await s.checkToken(access_token, WATUP, method), 400, EXPIRED);
    const refreshed = await s.token({ grant_type: "refresh_token", refresh_token }, WATUP);
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.equal(refreshed.body.expires_in, 1);
  });
});

describe("spring-oauth check_token left open (SPRING_CHECK_TOKEN_OPEN=true)", () => {
  let gh: TestServer;
  let smtp: SmtpReceiver;
  before(async () => {
    smtp = await startSmtpReceiver();
    gh = await startServer({ SMTP_URL: smtp.url, SPRING_CHECK_TOKEN_OPEN: "true" });
    await signUp(gh, smtp, LEON);
  });
  after(async () => {
    await gh.close();
    await smtp.close();
  });

  it("answers without client authentication, as the original did", async () => {
    const s = api(gh);
    const { access_token } = await s.session("leon");
    for (const method of ["GET", "POST"]) {
      expectBody(await s.checkToken(access_token, undefined, method), 200, activeBody(access_token));
      expectBody(await s.checkToken("not-a-token", undefined, method), 400, NOT_RECOGNISED);
    }
  });
});
