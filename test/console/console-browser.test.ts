// test-databases: sqlite
// The admin console in a real headless Chromium against a real Gatehouse: an administrator
// signs in through the hosted login (authorization code with PKCE), finds a user, disables
// them (their tokens are refused at once), the access token is renewed by rotation, and
// signing out ends the session; a user without the role sees "not an administrator". On every
// page and in both languages: no serious or critical axe-core violation, no horizontal scroll
// at 375 px, no console error (the CSP blocks nothing). With GATEHOUSE_SCREENSHOTS=1 it also
// writes the console's screenshots in docs/screenshots/. Needs the build (npm run build).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { CONSOLE_DIST } from "../../src/http/console/index.js";
import type { AdminServer } from "../helpers/admin.js";
import { launchChromium, newPage, skipWithoutChromium } from "../helpers/browser.js";
import { checkPage, signInAt, startConsoleServer, watchErrors } from "../helpers/console-page.js";
import { introspect, login } from "../helpers/oauth.js";

describe("the admin console in Chromium", { skip: skipWithoutChromium("the admin console in Chromium") }, () => {
  let server: AdminServer;
  let browser: Browser;

  before(async () => {
    assert.ok(existsSync(`${CONSOLE_DIST}index.html`), "the console is not built: run npm run build first");
    // Access tokens of 5 s: the console renews its token by rotation while the test runs.
    server = await startConsoleServer({ ACCESS_TOKEN_TTL: "5" });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.gh.close();
  });

  it("an administrator signs in, finds and disables a user, is renewed by rotation, and signs out", async () => {
    const { gh } = server;
    const target = await server.signedInUser("target_user");
    const targetTokens = await login(gh, server.app, "target_user");
    const page = await newPage(browser);
    const errors = watchErrors(page);
    const refreshTokens: string[] = [];
    page.on("response", async (response) => {
      if (!response.url().endsWith("/oauth/token") || response.status() !== 200) return;
      const body = (await response.json()) as { refresh_token?: string };
      if (body.refresh_token) refreshTokens.push(body.refresh_token);
    });

    await signInAt(page, `${gh.url}/console/users`, "root_admin");
    await page.waitForURL(`${gh.url}/console/users`);
    await page.getByRole("heading", { name: "Users" }).waitFor();
    await page.getByRole("cell", { name: "target_user", exact: true }).waitFor();
    await checkPage(page, "console-users");

    await page.getByLabel("Search by username or email").fill("targ");
    await page.getByRole("cell", { name: "root_admin", exact: true }).waitFor({ state: "detached" });
    assert.equal(await page.getByRole("row").count(), 2, "the header and target_user");
    await page.getByRole("button", { name: "Disable target_user" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("Disable target_user?").waitFor();
    const fresh = await login(gh, server.app, "target_user");
    assert.equal((await introspect(gh, server.app, fresh.access_token)).body.active, true);
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await page.getByRole("button", { name: "Enable target_user" }).waitFor();
    for (const token of [fresh.access_token, targetTokens.refresh_token, target.token]) {
      assert.equal((await introspect(gh, server.app, token)).body.active, false);
    }

    // The role filter: only the administrators.
    await page.getByLabel("Search by username or email").fill("");
    await page.getByLabel("Role").selectOption("ADMIN");
    await page.getByRole("cell", { name: "target_user", exact: true }).waitFor({ state: "detached" });
    await page.getByRole("cell", { name: "root_admin", exact: true }).waitFor();
    await page.getByLabel("Role").selectOption("");
    await page.getByRole("cell", { name: "target_user", exact: true }).waitFor();

    await page.getByRole("link", { name: "Overview" }).click();
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await page.getByText("Logins, last 24 hours").waitFor();
    await checkPage(page, "console-overview");

    await page.getByLabel("Language").selectOption("zh-CN");
    await page.getByRole("heading", { name: "概览" }).waitFor();
    assert.equal(await page.getAttribute("html", "lang"), "zh-CN");
    await checkPage(page, "console-overview-zh-cn");
    await page.getByRole("link", { name: "用户" }).click();
    await page.getByRole("cell", { name: "target_user", exact: true }).waitFor();
    await checkPage(page, "console-users-zh-cn");

    // The first access token (5 s) is renewed before it expires: rotation gives a new refresh
    // token. Its answer is read by the listener above, so wait for what it recorded.
    const renewBy = Date.now() + 20_000;
    while (refreshTokens.length < 2) {
      assert.ok(Date.now() < renewBy, "the console renewed its access token by rotation within 20 s");
      await page.waitForTimeout(100);
    }
    await page.getByRole("button", { name: "退出登录" }).click();
    await page.waitForURL(/\/oauth\/authorize\?/);
    const latest = refreshTokens.at(-1) ?? "";
    const refused = await gh.post("/oauth/token", {
      form: { grant_type: "refresh_token", refresh_token: latest, client_id: "gatehouse-console" },
    });
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.body.error, "invalid_grant");
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  it("a user without the role ADMIN sees the not-an-administrator page and can sign out", async () => {
    await server.signedInUser("plain_user");
    const page = await newPage(browser);
    const errors = watchErrors(page);
    await signInAt(page, `${server.gh.url}/console/`, "plain_user");
    await page.getByRole("heading", { name: "Not an administrator" }).waitFor();
    await page.getByText("You are signed in as plain_user").waitFor();
    await checkPage(page, "console-not-admin");
    await page.getByLabel("Language").selectOption("zh-CN");
    await page.getByRole("heading", { name: "不是管理员" }).waitFor();
    await checkPage(page, "console-not-admin-zh-cn");
    // The admin API's 403 is the one error the browser reports, for the refused request itself.
    assert.deepEqual(
      errors.filter((text) => !/status of 403/.test(text)),
      [],
    );
    assert.equal(errors.length, 1, errors.join("\n"));
    await page.getByRole("main").getByRole("button", { name: "退出登录" }).click();
    await page.waitForURL(/\/oauth\/authorize\?/);
    await page.context().close();
  });
});
