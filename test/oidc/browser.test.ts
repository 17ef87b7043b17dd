// test-databases: sqlite
// The hosted pages in a real headless Chromium, as a user sees them: sign in, consent, sign up,
// a wrong password, the Chinese page, and signing out. The flow's database behaviour is held
// on both databases by the other tests in test/oidc/; this file is about the pages. With
// GATEHOUSE_SCREENSHOTS=1 it also writes the screenshots in docs/screenshots/.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchChromium, newPage, saveScreenshot, skipWithoutChromium } from "../helpers/browser.js";
import { authorizePath, pkce } from "../helpers/hosted-browser.js";
import { createUser, PASSWORD } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";

/** The apps' redirect URI: a page of their own, which only says that the browser got there. */
function startCallbackServer(): Promise<{ server: Server; url: string }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/plain" }).end("back at the app");
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}/callback` });
    });
  });
}

describe("the hosted pages in Chromium", { skip: skipWithoutChromium("the hosted pages in Chromium") }, () => {
  let gh: TestServer;
  let browser: Browser;
  let callback: { server: Server; url: string };
  const first = { id: "album-web", redirectUri: "" };
  const third = { id: "photo-printer", redirectUri: "" };

  before(async () => {
    callback = await startCallbackServer();
    first.redirectUri = third.redirectUri = callback.url;
    gh = await startServer();
    const registration = { grants: ["authorization_code"], scopes: ["openid", "profile", "email"], redirectUris: [callback.url] };
    await gh.server.core.createClient({ id: first.id, isPublic: true, firstParty: true, ...registration });
    await gh.server.core.createClient({ id: third.id, isPublic: true, name: "Photo Printer", ...registration });
    await createUser(gh, "lin");
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await gh?.close();
    callback?.server.close();
  });

  const authorizeUrl = (client: { id: string; redirectUri: string }, extra: Record<string, string> = {}) =>
    gh.url + authorizePath(client, pkce().challenge, extra);

  /** The parameters the app's redirect URI was reached with. */
  async function landedAtApp(page: Page): Promise<URLSearchParams> {
    await page.waitForURL(`${callback.url}?**`);
    return new URL(page.url()).searchParams;
  }

  async function signIn(page: Page, username: string, password: string) {
    await page.getByLabel("Username or email").fill(username);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
  }

  it("signs in to a first-party app and lands at its redirect URI with a code and the state", async () => {
    const page = await newPage(browser);
    await page.goto(authorizeUrl(first));
    await assert.doesNotReject(page.getByRole("heading", { name: "Sign in" }).waitFor());
    await saveScreenshot(page, "sign-in");
    await signIn(page, "lin", PASSWORD);
    const params = await landedAtApp(page);
    assert.ok(params.get("code"));
    assert.equal(params.get("state"), "state-123");
    await page.context().close();
  });

  it("asks consent for a third-party app: Allow gives a code, Deny gives access_denied", async () => {
    const page = await newPage(browser);
    await page.goto(authorizeUrl(third));
    await signIn(page, "lin", PASSWORD);
    await page.getByRole("heading", { name: "Allow Photo Printer?" }).waitFor();
    assert.equal(await page.getByRole("listitem").count(), 3, "openid, profile and email");
    await assert.doesNotReject(page.getByText("Signed in as lin").waitFor());
    await saveScreenshot(page, "consent");
    await page.getByRole("button", { name: "Allow" }).click();
    assert.ok((await landedAtApp(page)).get("code"));

    await page.goto(authorizeUrl(third, { prompt: "consent" }));
    await page.getByRole("button", { name: "Deny" }).click();
    assert.equal((await landedAtApp(page)).get("error"), "access_denied");
    await page.context().close();
  });

  it("signs up from the sign-in page and goes on to the app", async () => {
    const page = await newPage(browser);
    await page.goto(authorizeUrl(first));
    await page.getByRole("link", { name: "Create one" }).click();
    await page.getByRole("heading", { name: "Create your account" }).waitFor();
    await page.getByLabel("Username", { exact: true }).fill("new-in-town");
    await page.getByLabel("Email (optional)").fill("new@example.com");
    await page.getByLabel("Password").fill(PASSWORD);
    await saveScreenshot(page, "sign-up");
    await page.getByRole("button", { name: "Create account" }).click();
    assert.ok((await landedAtApp(page)).get("code"));
    const user = await gh.server.core.findUserByName("new-in-town");
    assert.equal(user?.email, "new@example.com");
    await page.context().close();
  });

  it("shows a wrong password on the page and stays there", async () => {
    const page = await newPage(browser);
    await page.goto(authorizeUrl(first));
    await signIn(page, "lin", "not the password");
    const alert = page.getByRole("alert");
    await alert.waitFor();
    assert.equal((await alert.textContent())?.trim(), "Wrong username or password.");
    assert.ok(page.url().startsWith(gh.url), "no redirect");
    await assert.doesNotReject(page.getByLabel("Password").waitFor());
    await saveScreenshot(page, "sign-in-error");
    await page.context().close();
  });

  it("speaks Chinese for ui_locales=zh-CN, and for a browser that prefers it", async () => {
    const page = await newPage(browser);
    await page.goto(authorizeUrl(first, { ui_locales: "zh-CN" }));
    await page.getByRole("heading", { name: "登录" }).waitFor();
    assert.equal(await page.getAttribute("html", "lang"), "zh-CN");
    await assert.doesNotReject(page.getByLabel("用户名或邮箱").waitFor());
    await saveScreenshot(page, "sign-in-zh-cn");
    await page.context().close();

    const chinese = await newPage(browser, { locale: "zh-CN" });
    await chinese.goto(authorizeUrl(first));
    await chinese.getByRole("heading", { name: "登录" }).waitFor();
    await chinese.context().close();
  });

  it("signs out after asking, and the browser is signed out for every app", async () => {
    const page = await newPage(browser);
    await page.goto(authorizeUrl(first));
    await signIn(page, "lin", PASSWORD);
    await landedAtApp(page);
    await page.goto(`${gh.url}/oauth/logout`);
    await page.getByRole("heading", { name: "Sign out?" }).waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "You are signed out" }).waitFor();
    await saveScreenshot(page, "signed-out");
    await page.goto(authorizeUrl(first, { prompt: "none" }));
    assert.equal((await landedAtApp(page)).get("error"), "login_required");
    await page.context().close();
  });
});
