// test-databases: each
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PASSWORD, sleep } from "../helpers/oauth.js";
import { queryDatabase } from "../helpers/database.js";
import { type Response, startServer, type TestServer } from "../helpers/server.js";
import { codeFrom, containsCode, type SmtpReceiver, startSmtpReceiver } from "../helpers/smtp.js";

// The spring-oauth dialect (Spring Security OAuth2 with email codes): POST /oauth/register with a code mailed by
// POST /oauth/sendCode. Differs from the original: a code is single use, bound to its address,
// superseded by a resend, dies after 5 wrong tries, and is stored only as a keyed hash.

const ok = (message: string) => ({ code: 200, message, data: null });
const refused = (message: string) => ({ code: 400, message, data: null });
const REGISTERED = ok("注册成功");
const WRONG_CODE = refused("验证码错误");
const EXPIRED = refused("验证码过期");
const USER_EXISTS = refused("用户已存在");

function expectBody(response: Response, status: number, body: unknown): void {
  assert.equal(response.status, status, response.text);
  assert.deepEqual(response.body, body);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
}

/** Another 6-digit code than `code`: `code + offset`, wrapping around. */
const other = (code: string, offset = 1) => String((Number(code) + offset) % 1_000_000).padStart(6, "0");

/** Every value of every row of every table, as text (SQLite or PostgreSQL). */
async function everyStoredValue(gh: TestServer): Promise<string[]> {
  const tableQuery = gh.databaseUrl.startsWith("sqlite:")
    ? "select name from sqlite_master where type = 'table'"
    : "select table_name as name from information_schema.tables where table_schema = 'public'";
  const tables = await queryDatabase<{ name: string }>(gh.databaseUrl, tableQuery);
  const values: string[] = [];
  for (const { name } of tables) {
    for (const row of await queryDatabase(gh.databaseUrl, `select * from "${name}"`)) {
      values.push(...Object.values(row).map((value) => (Buffer.isBuffer(value) ? value.toString("latin1") : String(value))));
    }
  }
  return values;
}

/** The dialect's routes used here, recording every answer so that no test can leak a code unseen. */
function api(gh: TestServer, smtp: SmtpReceiver) {
  const answers: string[] = [];
  const post = async (path: string, form: Record<string, string>) => {
    const response = await gh.post(path, { form });
    answers.push(response.text);
    return response;
  };
  return {
    answers,
    /** Sends a code to `email`, insists on exactly one new mail and returns its code. */
    async sendCode(email: string): Promise<string> {
      const before = smtp.mailsTo(email).length;
      expectBody(await post("/oauth/sendCode", { email }), 200, ok("验证码发送成功"));
      const mails = smtp.mailsTo(email);
      assert.equal(mails.length, before + 1);
      return codeFrom(mails[mails.length - 1] as (typeof mails)[number]);
    },
    register: (id: string, email: string, code: string, password = PASSWORD) =>
      post("/oauth/register", { id, username: `${id} display`, password, email, code }),
    isFree: async (id: string) => (await post("/oauth/checkUserId", { id })).body.code === 200,
    login: (id: string) => post("/oauth/login", { id, password: PASSWORD }),
  };
}

describe("spring-oauth registration with a mailed code (POST /oauth/register)", () => {
  let gh: TestServer;
  let smtp: SmtpReceiver;
  let s: ReturnType<typeof api>;
  before(async () => {
    smtp = await startSmtpReceiver();
    gh = await startServer({ SMTP_URL: smtp.url, CODE_RESEND_COOLDOWN: "0" });
    s = api(gh, smtp);
  });
  after(async () => {
    await gh.close();
    await smtp.close();
  });

  it("refuses a code when none was sent to that address, or one sent to another address", async () => {
    expectBody(await s.register("nobody", "never-sent@example.com", "123456"), 200, WRONG_CODE);
    const code = await s.sendCode("bound@example.com");
    expectBody(await s.register("nobody", "elsewhere@example.com", code), 200, WRONG_CODE);
    assert.ok(await s.isFree("nobody"));
  });

  it("registers with the right code after a wrong one; the code is then used up", async () => {
    const code = await s.sendCode("leon@example.com");
    expectBody(await s.register("leon", "leon@example.com", other(code)), 200, WRONG_CODE);
    expectBody(await s.register("leon", "leon@example.com", "abc"), 200, WRONG_CODE);
    assert.ok(await s.isFree("leon"));
    expectBody(await s.register("leon", "leon@example.com", code), 200, REGISTERED);
    assert.equal(await s.isFree("leon"), false);
    const login = await s.login("leon");
    assert.equal(login.body.code, 200, login.text);
    assert.deepEqual(
      [login.body.data.id, login.body.data.email, login.body.data.username],
      ["leon", "leon@example.com", "leon display"],
    );
    // Single use: the same code again, for another id, is no code at all.
    expectBody(await s.register("leon_again", "leon@example.com", code), 200, WRONG_CODE);
    assert.ok(await s.isFree("leon_again"));
  });

  it("refuses a taken id or a weak password and gives the code back for the corrected form", async () => {
    const code = await s.sendCode("second@example.com");
    expectBody(await s.register("leon", "second@example.com", code), 200, USER_EXISTS);
    expectBody(await s.register("LEON", "second@example.com", code), 200, USER_EXISTS);
    expectBody(
      await s.register("second", "second@example.com", code, "password123"),
      200,
      refused("密码过于常见或包含用户id，请换一个"),
    );
    // The code is bound to the address, not to its spelling.
    expectBody(await s.register("second", "Second@Example.com", code), 200, REGISTERED);
    assert.equal((await s.login("second")).body.data.id, "second");
  });

  it("invalidates the previous code when a new one is sent", async () => {
    const first = await s.sendCode("resend@example.com");
    let second = await s.sendCode("resend@example.com");
    // One chance in a million that the two are equal; then draw again.
    while (second === first) second = await s.sendCode("resend@example.com");
    expectBody(await s.register("resender", "resend@example.com", first), 200, WRONG_CODE);
    expectBody(await s.register("resender", "resend@example.com", second), 200, REGISTERED);
  });

  it("lets one of 5 parallel registrations with the right code win", async () => {
    const code = await s.sendCode("race@example.com");
    const ids = ["race_a", "race_b", "race_c", "race_d", "race_e"];
    const answers = await Promise.all(ids.map((id) => s.register(id, "race@example.com", code)));
    assert.equal(answers.filter((response) => response.body.code === 200).length, 1);
    for (const response of answers) {
      if (response.body.code !== 200) expectBody(response, 200, WRONG_CODE);
    }
    const free = await Promise.all(ids.map((id) => s.isFree(id)));
    assert.equal(free.filter((isFree) => !isFree).length, 1);
  });

  it("keeps the previous code valid when a resend could not be mailed", async () => {
    const code = await s.sendCode("flaky@example.com");
    smtp.refuseDeliveries(true);
    try {
      const failed = await gh.post("/oauth/sendCode", { form: { email: "flaky@example.com" } });
      expectBody(failed, 200, refused("验证码发送失败"));
    } finally {
      smtp.refuseDeliveries(false);
    }
    expectBody(await s.register("flaky", "flaky@example.com", code), 200, REGISTERED);
  });

  it("kills a code after 5 wrong tries: then even the right code fails", async () => {
    const code = await s.sendCode("guess@example.com");
    for (let offset = 1; offset <= 5; offset++) {
      expectBody(await s.register("guessed", "guess@example.com", other(code, offset)), 200, WRONG_CODE);
    }
    expectBody(await s.register("guessed", "guess@example.com", code), 200, WRONG_CODE);
    assert.ok(await s.isFree("guessed"));
    // The owner of the address can ask for a new code.
    const fresh = await s.sendCode("guess@example.com");
    expectBody(await s.register("guessed", "guess@example.com", fresh), 200, REGISTERED);
  });

  it("evaluates at most 5 of 20 parallel wrong guesses; the right code then fails", async () => {
    const code = await s.sendCode("parallel@example.com");
    const guesses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => s.register("racer", "parallel@example.com", other(code, i + 1))),
    );
    for (const response of guesses) expectBody(response, 200, WRONG_CODE);
    expectBody(await s.register("racer", "parallel@example.com", code), 200, WRONG_CODE);
    assert.ok(await s.isFree("racer"));
    const rows = await queryDatabase<{ attempts: number }>(
      gh.databaseUrl,
      "select attempts from verification_codes where target = ?",
      ["parallel@example.com"],
    );
    assert.equal(rows.length, 1);
    assert.ok(Number(rows[0]?.attempts) <= 5, `attempts: ${rows[0]?.attempts}`);
  });

  it("stores codes only as hashes: no table holds a mailed code", async () => {
    const codes = smtp.mails.map(codeFrom);
    assert.ok(codes.length >= 7);
    const stored = await everyStoredValue(gh);
    for (const code of codes) {
      for (const value of stored) assert.ok(!containsCode(value, code), `code ${code} stored in: ${value.slice(0, 200)}`);
    }
  });

  // Last in this block: it checks everything the tests above caused.
  it("never writes a mailed code to the log or into a response", () => {
    for (const code of smtp.mails.map(codeFrom)) {
      for (const line of gh.logs) assert.ok(!containsCode(line, code), `code in log: ${line}`);
      for (const text of s.answers) assert.ok(!containsCode(text, code), `code in response: ${text}`);
    }
  });
});

describe("spring-oauth registration with an expired code (CODE_TTL=1)", () => {
  let gh: TestServer;
  let smtp: SmtpReceiver;
  before(async () => {
    smtp = await startSmtpReceiver();
    gh = await startServer({ SMTP_URL: smtp.url, CODE_TTL: "1" });
  });
  after(async () => {
    await gh.close();
    await smtp.close();
  });

  it("answers 验证码过期 once the code's lifetime is over, and creates nothing", async () => {
    const s = api(gh, smtp);
    const code = await s.sendCode("late@example.com");
    assert.match(smtp.onlyMailTo("late@example.com").text ?? "", /1 分钟/);
    await sleep(2_000);
    expectBody(await s.register("late", "late@example.com", code), 200, EXPIRED);
    assert.ok(await s.isFree("late"));
  });
});
