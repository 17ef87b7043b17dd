// test-databases: each
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { queryDatabase } from "../helpers/database.js";
import { PASSWORD, sleep } from "../helpers/oauth.js";
import { type Response, startServer, type TestServer } from "../helpers/server.js";
import {
  type ReceivedMail,
  resetCodeFrom as codeFrom,
  type SmtpReceiver,
  startSmtpReceiver,
  waitForMail,
} from "../helpers/smtp.js";
import { type Receiver, startReceiver } from "../helpers/webhook-receiver.js";

// Password reset by a mailed code on the native API: POST /v1/password-reset always answers 202
// with the same body; POST /v1/password-reset/confirm sets the new password, revokes every
// session, and is refused alike for a wrong code, an unknown and a disabled account.

const META = { ip: "127.0.0.1", userAgent: null };
const NEW_PASSWORD = "a brand new staple";
const ACCEPTED = { status: "accepted" };

/** Another 6-digit code than `code`. */
const other = (code: string, offset = 1) => String((Number(code) + offset) % 1_000_000).padStart(6, "0");

function expectRefused(response: Response, error: string): void {
  assert.equal(response.status, 400, response.text);
  assert.equal(response.body.error, error, response.text);
}

/**
 * Waits for the `count`-th mail to `address` and returns it. Mails go out after the answer; the
 * receiver holds a mail a moment before the sender marks its code live, so this also waits
 * for the sender to finish.
 */
async function nthMail(gh: TestServer, smtp: SmtpReceiver, address: string, count: number): Promise<ReceivedMail> {
  const mail = await waitForMail(smtp, address, count);
  await gh.server.core.settlePendingMail();
  return mail;
}

describe("password reset by a mailed code (native API)", () => {
  let gh: TestServer;
  let smtp: SmtpReceiver;
  let receiver: Receiver;
  let userId: string;

  before(async () => {
    smtp = await startSmtpReceiver();
    // No resend cooldown, so that each test can ask for a fresh code.
    gh = await startServer({ SMTP_URL: smtp.url, CODE_RESEND_COOLDOWN: "0", WEBHOOK_ALLOW_PRIVATE: "true" });
    receiver = await startReceiver();
    const hook = await gh.server.core.createWebhook({ url: receiver.url, events: ["user.password_changed", "session.revoked"] });
    receiver.secret = hook.secret;
    userId = (await gh.server.core.register({ username: "dana", password: PASSWORD, email: "Dana@Example.com" })).id;
    await gh.server.core.register({ username: "erin", password: PASSWORD, email: "erin@example.com" });
    await gh.server.core.setUserEnabled("erin", false);
  });
  after(async () => {
    await gh.close();
    await smtp.close();
    await receiver.close();
  });

  const ask = (body: Record<string, string>) => gh.post("/v1/password-reset", { json: body });
  const confirm = (body: Record<string, string>) => gh.post("/v1/password-reset/confirm", { json: body });
  const login = (password: string) =>
    gh.server.core.login({ username: "dana", password, clientId: null, scope: "", sessionTtlSeconds: 3600, meta: META });
  /** Asks for a reset of dana by `identifier` and returns the code of the mail it brings. */
  async function codeFor(identifier: Record<string, string>): Promise<string> {
    const before = smtp.mailsTo("Dana@Example.com").length;
    const response = await ask(identifier);
    assert.equal(response.status, 202, response.text);
    assert.deepEqual(response.body, ACCEPTED);
    return codeFrom(await nthMail(gh, smtp, "Dana@Example.com", before + 1));
  }

  it("known, unknown and disabled accounts get the same answer; only the known one a mail", async () => {
    const answers = [
      await ask({ email: "dana@example.com" }),
      await ask({ email: "nobody@example.com" }),
      await ask({ username: "nobody" }),
      await ask({ username: "erin" }),
    ];
    for (const answer of answers) {
      assert.equal(answer.status, 202);
      assert.equal(answer.text, JSON.stringify(ACCEPTED));
    }
    const mail = await nthMail(gh, smtp, "Dana@Example.com", 1);
    assert.match(mail.subject, /Password reset/);
    assert.match(mail.text ?? "", /重置密码验证码/);
    assert.match(mail.text ?? "", /your password reset code is/);
    // The link pre-fills the identifier asked for, never the code (a URL can leak through Referer).
    const code = codeFrom(mail);
    const links = [...(mail.text ?? "").matchAll(/https?:\/\/\S+\/reset\?\S+/g)].map(([link]) => link);
    assert.equal(links.length, 2, mail.text ?? "");
    for (const link of links) {
      assert.equal(new URL(link).searchParams.get("email"), "dana@example.com");
      assert.ok(!link.includes(code), link);
    }
    await sleep(200);
    assert.equal(smtp.mailsTo("nobody@example.com").length, 0);
    assert.equal(smtp.mailsTo("erin@example.com").length, 0, "a disabled account gets no code");
  });

  it("bad input is a native error, not a 202 nor a 500", async () => {
    expectRefused(await ask({}), "invalid_request");
    expectRefused(await ask({ email: "dana@example.com", username: "dana" }), "invalid_request");
    expectRefused(await ask({ email: "not an address" }), "email_invalid");
    expectRefused(await gh.post("/v1/password-reset", { json: { email: 42 } }), "invalid_request");
    expectRefused(await confirm({ email: "dana@example.com", code: "123456" }), "invalid_request");
  });

  it("a code is single use; the new password passes the policy; every session is revoked", async () => {
    await login(PASSWORD);
    await login(PASSWORD);
    assert.equal((await gh.server.core.listSessions(userId)).length >= 2, true);
    const code = await codeFor({ username: "Dana" });
    // A refused password does not use the code up.
    expectRefused(await confirm({ username: "dana", code, new_password: "short" }), "password_too_short");
    const done = await confirm({ username: "dana", code, new_password: NEW_PASSWORD });
    assert.equal(done.status, 204, done.text);
    assert.equal((await gh.server.core.listSessions(userId)).length, 0, "every session revoked");
    await assert.rejects(login(PASSWORD), /invalid_credentials/);
    await login(NEW_PASSWORD);
    // Used once, never again.
    expectRefused(await confirm({ username: "dana", code, new_password: "yet another staple" }), "code_invalid");

    const audit = await queryDatabase<{ n: number }>(
      gh.databaseUrl,
      "select count(*) as n from audit_events where event = 'password_reset' and outcome = 'success' and user_id = ?",
      [userId],
    );
    assert.equal(Number(audit[0]?.n), 1);
    await receiver.waitFor(() => receiver.received.some((r) => r.type === "session.revoked"));
    const changed = receiver.received.find((r) => r.type === "user.password_changed");
    assert.deepEqual(changed?.data, { userId, by: "self", reason: "reset" });
    const revoked = receiver.received.find((r) => r.type === "session.revoked");
    assert.deepEqual(revoked?.data, { sessionId: null, userId, clientId: null, reason: "password reset", count: 2 });
  });

  it("wrong codes lock the code: after 5 the right one is refused too", async () => {
    const code = await codeFor({ email: "dana@example.com" });
    for (let i = 1; i <= 5; i++) {
      expectRefused(
        await confirm({ email: "dana@example.com", code: other(code, i), new_password: NEW_PASSWORD }),
        "code_invalid",
      );
    }
    expectRefused(await confirm({ email: "dana@example.com", code, new_password: "the locked out staple" }), "code_invalid");
    // The password login is not locked by them (docs/security.md).
    await login(NEW_PASSWORD);
  });

  it("unknown and disabled accounts are refused like a wrong code", async () => {
    expectRefused(await confirm({ email: "nobody@example.com", code: "123456", new_password: NEW_PASSWORD }), "code_invalid");
    expectRefused(await confirm({ username: "erin", code: "123456", new_password: NEW_PASSWORD }), "code_invalid");
    expectRefused(await confirm({ username: "not a name", code: "123456", new_password: NEW_PASSWORD }), "code_invalid");
  });

  it("a disabled account cannot be reset into use, even with a code mailed before it was disabled", async () => {
    await gh.server.core.setUserEnabled("erin", true);
    const before = smtp.mailsTo("erin@example.com").length;
    assert.equal((await ask({ username: "erin" })).status, 202);
    const code = codeFrom(await nthMail(gh, smtp, "erin@example.com", before + 1));
    await gh.server.core.setUserEnabled("erin", false);
    expectRefused(await confirm({ username: "erin", code, new_password: NEW_PASSWORD }), "code_invalid");
    await gh.server.core.setUserEnabled("erin", true);
    // The code was used up by that try.
    expectRefused(await confirm({ username: "erin", code, new_password: NEW_PASSWORD }), "code_invalid");
    await gh.server.core.setUserEnabled("erin", false);
  });
});

describe("password reset: an expired code (CODE_TTL=1) and the resend cooldown", () => {
  let gh: TestServer;
  let smtp: SmtpReceiver;

  before(async () => {
    smtp = await startSmtpReceiver();
    gh = await startServer({ SMTP_URL: smtp.url, CODE_TTL: "1", CODE_RESEND_COOLDOWN: "60" });
    await gh.server.core.register({ username: "fay", password: PASSWORD, email: "fay@example.com" });
  });
  after(async () => {
    await gh.close();
    await smtp.close();
  });

  it("a code dies after its TTL; a second request within the cooldown mails nothing yet answers 202", async () => {
    assert.equal((await gh.post("/v1/password-reset", { json: { email: "fay@example.com" } })).status, 202);
    const mail = await nthMail(gh, smtp, "fay@example.com", 1);
    const code = codeFrom(mail);
    assert.match(mail.text ?? "", /valid for 1 minute and/, "one minute in the singular");
    const again = await gh.post("/v1/password-reset", { json: { email: "fay@example.com" } });
    assert.equal(again.status, 202);
    assert.deepEqual(again.body, ACCEPTED);
    // An unknown address is throttled alike, and still answered 202.
    assert.equal((await gh.post("/v1/password-reset", { json: { email: "ghost@example.com" } })).status, 202);
    assert.equal((await gh.post("/v1/password-reset", { json: { email: "ghost@example.com" } })).status, 202);
    await sleep(2_000);
    assert.equal(smtp.mailsTo("fay@example.com").length, 1, "the cooldown held the second mail back");
    const late = await gh.post("/v1/password-reset/confirm", {
      json: { email: "fay@example.com", code, new_password: NEW_PASSWORD },
    });
    expectRefused(late, "code_expired");
  });
});
