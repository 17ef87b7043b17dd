// test-databases: each
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { cli, PASSWORD } from "../helpers/oauth.js";
import { queryDatabase } from "../helpers/database.js";
import { type Response, type RequestOptions, startServer, type TestServer } from "../helpers/server.js";
import { closedSmtpUrl, codeFrom, containsCode, type SmtpReceiver, startSmtpReceiver } from "../helpers/smtp.js";

// The spring-oauth dialect (Spring Security OAuth2 with email codes): POST /oauth/sendCode over real SMTP, POST
// /oauth/checkUserId, and how every custom route answers malformed input.

const ok = (message: string) => ({ code: 200, message, data: null });
const refused = (message: string) => ({ code: 400, message, data: null });
const SENT = ok("验证码发送成功");
const STILL_VALID = refused("验证码依然有效");
const EMAIL_TAKEN = refused("该邮箱已被绑定");
const SEND_FAILED = refused("验证码发送失败");
const BAD_FORMAT = refused("参数格式错误");

function expectBody(response: Response, status: number, body: unknown): void {
  assert.equal(response.status, status, response.text);
  assert.deepEqual(response.body, body);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
}

/** A refusal in the envelope (HTTP 200, code 400, data null) whose message matches `pattern`. */
function expectRefused(response: Response, pattern: RegExp = /\S/): void {
  assert.equal(response.status, 200, response.text);
  assert.deepEqual(Object.keys(response.body).sort(), ["code", "data", "message"]);
  assert.equal(response.body.code, 400);
  assert.equal(response.body.data, null);
  assert.match(response.body.message, pattern);
}

/** Rows of a read-only query against the server's database (SQLite or PostgreSQL). */
const rows = (gh: TestServer, query: string, ...params: unknown[]) => queryDatabase(gh.databaseUrl, query, params);

describe("spring-oauth sendCode (POST /oauth/sendCode) with a real SMTP server", () => {
  let gh: TestServer;
  let smtp: SmtpReceiver;
  const answers: string[] = [];
  const sendCode = async (email: string, options: RequestOptions = {}) => {
    const response = await gh.post("/oauth/sendCode", { form: { email }, ...options });
    answers.push(response.text);
    return response;
  };
  before(async () => {
    smtp = await startSmtpReceiver();
    gh = await startServer({ SMTP_URL: smtp.url });
    await cli(gh, ["user", "create", "--username", "owner", "--password", PASSWORD, "--email", "owner@example.com"]);
  });
  after(async () => {
    await gh.close();
    await smtp.close();
  });

  it("mails one multipart message with the code and its validity, and never returns the code", async () => {
    const response = await sendCode("first@example.com");
    expectBody(response, 200, SENT);
    const mail = smtp.onlyMailTo("first@example.com");
    assert.deepEqual(mail.to, ["first@example.com"]);
    assert.equal(mail.from, "no-reply@localhost");
    assert.match(mail.contentType, /^multipart\//);
    assert.deepEqual(mail.leaves.map((leaf) => leaf.contentType).sort(), ["text/html", "text/plain"]);
    assert.match(mail.subject, /验证码/);
    const code = codeFrom(mail);
    assert.match(code, /^\d{6}$/);
    // Valid CODE_TTL = 300 s, said in minutes in both parts.
    assert.match(mail.text ?? "", /5 分钟/);
    assert.match(mail.html ?? "", /5 分钟/);
    assert.ok(!containsCode(response.text, code), "the response must not carry the code");
    assert.ok(!containsCode(mail.subject, code), "the subject must not carry the code");
  });

  it("refuses a resend within the cooldown, for any spelling of the address, and sends nothing", async () => {
    expectBody(await sendCode("cool@example.com"), 200, SENT);
    expectBody(await sendCode("cool@example.com"), 200, STILL_VALID);
    expectBody(await sendCode("COOL@Example.com"), 200, STILL_VALID);
    assert.equal(smtp.mailsTo("cool@example.com").length, 1);
  });

  it("refuses an address that belongs to an account, in any case, and sends nothing", async () => {
    const before = smtp.mails.length;
    expectBody(await sendCode("owner@example.com"), 200, EMAIL_TAKEN);
    expectBody(await sendCode("OWNER@EXAMPLE.COM"), 200, EMAIL_TAKEN);
    assert.equal(smtp.mails.length, before);
  });

  it("refuses malformed addresses, CR/LF and several recipients, and sends nothing", async () => {
    const before = smtp.mails.length;
    for (const email of ["not-an-email", "a@b", "@example.com", "two@@example.com", `${"x".repeat(250)}@example.com`]) {
      expectBody(await sendCode(email), 200, refused("邮箱格式不正确"));
    }
    for (const email of [
      "victim@example.com\r\nBcc: attacker@example.net",
      "victim@example.com\nattacker@example.net",
      "victim@example.com\r",
      "victim@example.com, attacker@example.net",
    ]) {
      expectRefused(await sendCode(email));
    }
    const list = await gh.post("/oauth/sendCode", { json: { email: ["victim@example.com", "attacker@example.net"] } });
    expectBody(list, 200, BAD_FORMAT);
    expectBody(
      await gh.post("/oauth/sendCode", { form: "email=victim%40example.com&email=attacker%40example.net" }),
      200,
      BAD_FORMAT,
    );
    assert.equal(smtp.mails.length, before);
    assert.equal(smtp.mailsTo("attacker@example.net").length, 0);
  });

  // Address syntax that a mailer reads as a display name, a group or a list (<, >, comma,
  // semicolon, comments, quotes) would send the mail to an address other than the one the code,
  // the throttle and the "already bound" check are keyed on.
  it("refuses address syntax that would deliver the mail elsewhere, and sends nothing", async () => {
    for (const email of [
      "a<owner@example.com>",
      "b<owner@example.com>",
      "owner@example.com>",
      "a,owner@example.com",
      "a;owner@example.com",
      "x(c)owner@example.com",
      '"x"owner@example.com',
    ]) {
      expectRefused(await sendCode(email));
    }
    assert.equal(smtp.mailsTo("owner@example.com").length, 0);
  });

  it("sends one mail for 10 parallel requests to one address; the others are told the code is still valid", async () => {
    const responses = await Promise.all(Array.from({ length: 10 }, () => sendCode("burst@example.com")));
    const bodies = responses.map((response) => response.body);
    assert.equal(bodies.filter((body) => body.code === 200).length, 1);
    for (const body of bodies) assert.ok(body.code === 200 || body.message === STILL_VALID.message, JSON.stringify(body));
    assert.equal(smtp.mailsTo("burst@example.com").length, 1);
  });

  it("takes nothing from the Host or X-Forwarded-Host headers into the mail", async () => {
    const headers = { host: "evil.test", "x-forwarded-host": "evil.test" };
    expectBody(await sendCode("hosts@example.com", { headers }), 200, SENT);
    const mail = smtp.onlyMailTo("hosts@example.com");
    assert.ok(!mail.raw.includes("evil.test"));
    assert.ok(!`${mail.text}${mail.html}`.includes("evil.test"));
  });

  it("reports a refused delivery as 验证码发送失败, and a retry is not held back by the cooldown", async () => {
    smtp.refuseDeliveries(true);
    try {
      expectBody(await sendCode("bounce@example.com"), 200, SEND_FAILED);
    } finally {
      smtp.refuseDeliveries(false);
    }
    assert.equal((await rows(gh, "select * from verification_codes where target = ?", "bounce@example.com")).length, 0);
    expectBody(await sendCode("bounce@example.com"), 200, SENT);
    codeFrom(smtp.onlyMailTo("bounce@example.com"));
  });

  // Last in this block: it checks everything the tests above caused.
  it("never writes a mailed code to the log or into a response", () => {
    const codes = smtp.mails.map(codeFrom);
    assert.ok(codes.length >= 4);
    for (const code of codes) {
      for (const line of gh.logs) assert.ok(!containsCode(line, code), `code in log: ${line}`);
      for (const text of answers) assert.ok(!containsCode(text, code), `code in response: ${text}`);
    }
  });
});

describe("spring-oauth sendCode when the mail server cannot be reached", () => {
  let gh: TestServer;
  before(async () => {
    gh = await startServer({ SMTP_URL: await closedSmtpUrl() });
  });
  after(() => gh.close());

  it("answers 验证码发送失败, stores no code and counts no send", async () => {
    expectBody(await gh.post("/oauth/sendCode", { form: { email: "down@example.com" } }), 200, SEND_FAILED);
    assert.deepEqual(await rows(gh, "select id from verification_codes"), []);
    // The reservation made before sending was given back: nothing counts against the daily cap.
    assert.deepEqual(
      (await rows(gh, "select window_count from code_throttle")).map((row) => row.window_count),
      [0],
    );
    // The failed attempt did not start the 60 s cooldown: the retry is tried, and fails the same way.
    expectBody(await gh.post("/oauth/sendCode", { form: { email: "down@example.com" } }), 200, SEND_FAILED);
    assert.deepEqual(await rows(gh, "select id from verification_codes"), []);
  });
});

describe("spring-oauth sendCode daily cap (CODE_DAILY_CAP=2, no cooldown)", () => {
  let gh: TestServer;
  let smtp: SmtpReceiver;
  before(async () => {
    smtp = await startSmtpReceiver();
    gh = await startServer({ SMTP_URL: smtp.url, CODE_DAILY_CAP: "2", CODE_RESEND_COOLDOWN: "0" });
  });
  after(async () => {
    await gh.close();
    await smtp.close();
  });

  it("refuses the third code to one address in a day, in any case, and sends nothing", async () => {
    const send = (email: string) => gh.post("/oauth/sendCode", { form: { email } });
    expectBody(await send("capped@example.com"), 200, SENT);
    expectBody(await send("capped@example.com"), 200, SENT);
    const third = await send("capped@example.com");
    expectRefused(third);
    assert.notDeepEqual(third.body, STILL_VALID);
    expectRefused(await send("Capped@Example.com"));
    assert.equal(smtp.mailsTo("capped@example.com").length, 2);
    // Parallel requests cannot overrun the cap either.
    const burst = await Promise.all(Array.from({ length: 10 }, () => send("burst@example.com")));
    assert.equal(burst.filter((response) => response.body.code === 200).length, 2);
    assert.equal(smtp.mailsTo("burst@example.com").length, 2);
    // The cap is per address.
    expectBody(await send("other@example.com"), 200, SENT);
  });
});

describe("spring-oauth checkUserId, and malformed input on every custom route", () => {
  let gh: TestServer;
  before(async () => {
    gh = await startServer();
    await cli(gh, ["user", "create", "--username", "leon", "--password", PASSWORD]);
  });
  after(() => gh.close());

  it("says whether an id is free, in a form, JSON or query parameters", async () => {
    expectBody(await gh.post("/oauth/checkUserId", { form: { id: "newcomer" } }), 200, ok("用户id合法"));
    expectBody(await gh.post("/oauth/checkUserId", { json: { id: "newcomer" } }), 200, ok("用户id合法"));
    expectBody(await gh.post("/oauth/checkUserId?id=newcomer"), 200, ok("用户id合法"));
    for (const id of ["leon", "LEON", "Leon", "ｌｅｏｎ"]) {
      expectBody(await gh.post("/oauth/checkUserId", { form: { id } }), 200, refused("用户id被占用"));
    }
    expectBody(await gh.post("/oauth/checkUserId?id=leon"), 200, refused("用户id被占用"));
    expectRefused(await gh.post("/oauth/checkUserId", { form: { id: "with space" } }));
  });

  const routes: [method: string, path: string, fields: string[]][] = [
    ["POST", "/oauth/sendCode", ["email"]],
    ["POST", "/oauth/checkUserId", ["id"]],
    ["POST", "/oauth/register", ["id", "username", "password", "email", "code"]],
    ["POST", "/oauth/login", ["id", "password"]],
    ["POST", "/oauth/check_token", ["token"]],
    ["POST", "/oauth/removeToken", ["access_token"]],
  ];
  const valid: Record<string, string> = {
    email: "someone@example.com",
    id: "someone",
    username: "Someone",
    password: PASSWORD,
    code: "123456",
    token: "x.y.z",
    access_token: "x.y.z",
  };
  const filled = (fields: string[]) => Object.fromEntries(fields.map((name) => [name, valid[name] as string]));

  it("answers each missing or empty parameter with code 400 naming it", async () => {
    for (const [method, path, fields] of routes) {
      expectRefused(await gh.request(method, path), new RegExp(fields.join(".*")));
      expectRefused(await gh.request(method, path, { form: {} }));
      for (const name of fields) {
        const pattern = new RegExp(name);
        expectRefused(await gh.request(method, path, { form: { ...filled(fields), [name]: "" } }), pattern);
        expectRefused(await gh.request(method, path, { json: { ...filled(fields), [name]: null } }), pattern);
      }
    }
    expectRefused(await gh.request("GET", "/oauth/check_token"), /token/);
    expectRefused(await gh.request("GET", "/oauth/removeToken"), /access_token/);
  });

  it("answers wrong types, JSON arrays, repeated and over-long fields with 参数格式错误", async () => {
    for (const [method, path, fields] of routes) {
      for (const name of fields) {
        for (const value of [["a"], { a: 1 }, 42, true, "x".repeat(8193)]) {
          expectBody(await gh.request(method, path, { json: { ...filled(fields), [name]: value } }), 200, BAD_FORMAT);
        }
        const repeated = `${new URLSearchParams(filled(fields))}&${name}=again`;
        expectBody(await gh.request(method, path, { form: repeated }), 200, BAD_FORMAT);
      }
      for (const json of [[filled(fields)], "text", 7]) expectBody(await gh.request(method, path, { json }), 200, BAD_FORMAT);
    }
    expectBody(await gh.request("GET", "/oauth/check_token?token=a&token=b"), 200, BAD_FORMAT);
    expectBody(await gh.request("GET", "/oauth/removeToken?access_token=a&access_token=b"), 200, BAD_FORMAT);
  });

  it("answers a malformed body in the envelope, never with a 5xx", async () => {
    for (const [method, path] of routes) {
      const bodies: RequestOptions[] = [
        { raw: '{"id": ', contentType: "application/json" },
        { raw: "\u0000\u0001", contentType: "application/json" },
        { raw: "id=1", contentType: "text/xml" },
      ];
      for (const options of bodies) {
        const response = await gh.request(method, path, options);
        assert.ok(response.status < 500, `${path}: ${response.status} ${response.text}`);
        assert.equal(response.body.code, response.status === 200 ? 400 : response.status);
        assert.equal(response.body.data, null);
        assert.equal(typeof response.body.message, "string");
      }
    }
  });
});
