// test-databases: each
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { authorizePath, HostedBrowser, pkce, redirectParams, signInThrough } from "../helpers/hosted-browser.js";
import { PASSWORD } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { resetCodeFrom, type SmtpReceiver, startSmtpReceiver, waitForMail } from "../helpers/smtp.js";

// The hosted password reset page /reset over real HTTP, without a browser: the same page for a
// known and an unknown account, errors next to their field, the mail's link, and a sign-in with
// the new password afterwards. The Chromium walk-through is in reset-browser.test.ts.

const CLIENT = { id: "notes", secret: "notes-secret-notes-secret-notes-secret", redirectUri: "https://notes.example/cb" };
const NEW_PASSWORD = "a brand new staple";

describe("the hosted password reset page", () => {
  let gh: TestServer;
  let smtp: SmtpReceiver;
  before(async () => {
    smtp = await startSmtpReceiver();
    gh = await startServer({ SMTP_URL: smtp.url, CODE_RESEND_COOLDOWN: "0" });
    await gh.server.core.createClient({
      id: CLIENT.id,
      secret: CLIENT.secret,
      name: "Notes",
      grants: ["authorization_code"],
      scopes: ["openid", "profile", "email"],
      redirectUris: [CLIENT.redirectUri],
    });
    await gh.server.core.register({ username: "mei", password: PASSWORD, email: "mei@example.com" });
  });
  after(async () => {
    await gh.close();
    await smtp.close();
  });

  it("from Forgot password? to a sign-in with the new password", async () => {
    const browser = new HostedBrowser(gh.url);
    const path = authorizePath(CLIENT, pkce().challenge);
    const signIn = await browser.get(path);
    const forgot = /<a href="([^"]*\/reset\?request=[^"]*)">Forgot password\?<\/a>/.exec(signIn.text);
    assert.ok(forgot?.[1], signIn.text);
    const first = await browser.get(forgot[1].replaceAll("&amp;", "&"));
    assert.equal(first.status, 200);
    assert.equal(first.headers.get("content-security-policy")?.includes("default-src 'none'"), true);

    // Known or unknown: the same page, but for the identifier typed.
    const known = await browser.submit(first, "/reset", { identifier: "mei@example.com" });
    const unknown = await browser.submit(first, "/reset", { identifier: "nobody@example.com" });
    assert.equal(known.status, 200);
    assert.equal(unknown.status, 200);
    assert.equal(known.text.replaceAll("mei@example.com", "X"), unknown.text.replaceAll("nobody@example.com", "X"));
    assert.match(known.text, /If an account exists/);

    const mail = await waitForMail(smtp, "mei@example.com", 1);
    await gh.server.core.settlePendingMail();
    const code = resetCodeFrom(mail);
    const link = /https?:\/\/\S+\/reset\?\S+/.exec(mail.text ?? "")?.[0];
    assert.ok(link && !link.includes(code), mail.text ?? "");
    assert.ok(link.startsWith(`${gh.server.core.settings.issuer}/reset?`), link);
    const fromMail = await browser.get(new URL(link).pathname + new URL(link).search);
    assert.equal(fromMail.status, 200);
    assert.match(fromMail.text, /id="identifier" name="identifier" type="text"[^>]*value="mei@example.com"/);

    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    const fields = { identifier: "mei@example.com", new_password: NEW_PASSWORD, new_password_confirm: NEW_PASSWORD };
    const refused = await browser.submit(fromMail, "/reset/confirm", { ...fields, code: wrong });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /id="code-error">That code is wrong/);
    const differ = await browser.submit(fromMail, "/reset/confirm", { ...fields, code, new_password_confirm: "other" });
    assert.match(differ.text, /id="new_password_confirm-error">The two passwords/);
    const short = await browser.submit(fromMail, "/reset/confirm", {
      ...fields,
      code,
      new_password: "x",
      new_password_confirm: "x",
    });
    assert.match(short.text, /id="new_password-error">The password is too short/);
    const noToken = await browser.post("/reset/confirm", { ...fields, code });
    assert.equal(noToken.status, 403);

    const done = await browser.submit(fromMail, "/reset/confirm", { ...fields, code });
    assert.equal(done.status, 200, done.text);
    assert.match(done.text, /Your password is changed/);
    const next = new HostedBrowser(gh.url);
    const old = await next.submit(await next.get(path), "/oauth/authorize/sign-in", { username: "mei", password: PASSWORD });
    assert.equal(old.status, 401, "the old password no longer signs in");
    const consent = await signInThrough(next, path, "mei", NEW_PASSWORD);
    const allowed = await next.submit(consent, "/oauth/authorize/consent", { decision: "allow" });
    assert.ok(redirectParams(allowed, CLIENT.redirectUri).get("code"), "signed in with the new password");
  });

  it("the back-to-sign-in link of a form that came from an authorization request, and Chinese", async () => {
    const browser = new HostedBrowser(gh.url);
    const request = authorizePath(CLIENT, pkce().challenge, { ui_locales: "zh-CN" }).split("?")[1] as string;
    const page = await browser.get(`/reset?request=${encodeURIComponent(request)}`);
    assert.match(page.text, /<html lang="zh-CN">/);
    assert.match(page.text, /重置密码/);
    assert.ok(page.text.includes(`/oauth/authorize?${request.replaceAll("&", "&amp;")}`), "a link back to sign in");
    const empty = await browser.submit(page, "/reset", { identifier: "" });
    assert.equal(empty.status, 400);
    assert.match(empty.text, /id="identifier-error">请填写此项/);
    const bare = await browser.get("/reset?email=someone%40example.com", { "accept-language": "en" });
    assert.doesNotMatch(bare.text, /Back to sign in/, "no request, no link to one");
  });
});
