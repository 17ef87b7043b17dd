// test-databases: sqlite
// The admin console's further pages in a real headless Chromium against a real Gatehouse: an
// administrator opens a user's page and revokes one of their sessions; creates a client, reads
// its secret (shown once) and gets a token with it at /oauth/token; rotates the signing key and
// sees the new current key; finds these actions in the audit log, read further as it scrolls;
// grants and revokes a permission; registers a webhook endpoint; edits a profile and deletes an
// account once its name is typed. Refusals are shown beside their control. Every new page, in
// both languages: no serious or critical axe-core violation, no horizontal scroll at 375 px, no
// console error. With GATEHOUSE_SCREENSHOTS=1 it writes their screenshots in docs/screenshots/.
// Needs the build (npm run build).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { CONSOLE_DIST } from "../../src/http/console/index.js";
import type { AdminServer } from "../helpers/admin.js";
import { launchChromium, newPage, skipWithoutChromium } from "../helpers/browser.js";
import { checkPage, signInAt, startConsoleServer, watchErrors } from "../helpers/console-page.js";
import { isActive, login, token } from "../helpers/oauth.js";

async function openUserPage(page: Page, userId: string) {
  await page.getByRole("link", { name: "Users" }).click();
  await page.getByLabel("Search by username or email").fill("target");
  await page.getByRole("link", { name: "target_user", exact: true }).click();
  await page.getByRole("heading", { name: "User target_user" }).waitFor();
  assert.ok(page.url().endsWith(`/console/users/${userId}`), page.url());
}

/** Revokes one of the user's two sessions on their page: one token is refused, the other still works. */
async function revokeOneSession(page: Page, server: AdminServer, tokens: string[]) {
  const revoke = page.getByRole("button", { name: /^Revoke session / });
  await revoke.first().waitFor();
  assert.equal(await revoke.count(), 2);
  await revoke.first().click();
  await page
    .getByRole("button", { name: /^Revoke session / })
    .nth(1)
    .waitFor({ state: "detached" });
  const active = await Promise.all(tokens.map((value) => isActive(server.gh, server.app, value)));
  assert.deepEqual(active.sort(), [false, true]);
}

/** Creates a confidential client in the console; its secret, shown once, works at /oauth/token. */
async function createClient(page: Page, server: AdminServer) {
  await page.getByRole("link", { name: "OAuth clients" }).click();
  await page.getByRole("heading", { name: "OAuth clients" }).waitFor();
  await page.getByRole("button", { name: "New client" }).click();
  await page.getByLabel("Client ID").fill("console-made");
  await page.getByLabel("Redirect URIs (one a line)").fill("not a uri");
  await page.getByRole("button", { name: "Create client" }).click();
  await page.getByText("Each redirect URI must be an absolute URI").waitFor();
  await page.getByLabel("Redirect URIs (one a line)").fill("");
  await page.getByRole("button", { name: "Create client" }).click();
  const secret = await page.getByLabel("Secret of console-made").inputValue();
  assert.ok(secret.length >= 40, secret);
  const answer = await token(server.gh, { id: "console-made", secret }, { grant_type: "client_credentials" });
  assert.equal(answer.status, 200, answer.text);
  await page.getByRole("heading", { name: "console-made" }).waitFor();
  await page.getByRole("button", { name: "I have stored it" }).click();
  assert.equal(await page.getByLabel("Secret of console-made").count(), 0, "the secret is gone once dismissed");
}

/** A password the policy refuses: the refusal is shown next to the control, nothing says "set". */
async function refusedPassword(page: Page) {
  await page.getByLabel("New password").fill("a");
  await page.getByRole("button", { name: "Set password" }).click();
  const form = page.getByRole("form", { name: "Password" });
  await form.getByText("The server refused").waitFor();
  assert.equal(await page.getByText("Password set.").count(), 0);
}

async function rotateKey(page: Page, server: AdminServer) {
  const before = await server.admin("GET", "/v1/admin/keys");
  const oldKid = before.body.items.find((key: { state: string }) => key.state === "current").kid;
  await page.getByRole("link", { name: "Signing keys" }).click();
  await page.getByRole("cell", { name: oldKid }).waitFor();
  await page.getByRole("button", { name: "Rotate signing key" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Confirm" }).click();
  // The page re-reads the keys after the server's answer: the old key is then published, not current.
  await page.getByRole("row").filter({ hasText: oldKid }).getByText("Published").waitFor();
  const after = await server.admin("GET", "/v1/admin/keys");
  const newKid = after.body.items.find((key: { state: string }) => key.state === "current").kid;
  assert.notEqual(newKid, oldKid);
  await page.getByRole("row").filter({ hasText: newKid }).getByText("Current").waitFor();
  assert.equal(await page.getByRole("row").filter({ hasText: oldKid }).getByText("Current").count(), 0);
}

async function findInAudit(page: Page) {
  await page.getByRole("link", { name: "Audit log", exact: true }).click();
  for (const event of ["client_created", "signing_key_rotated", "session_revoked"]) {
    await page.getByRole("cell", { name: event, exact: true }).first().waitFor();
  }
  await page.getByLabel("Event").fill("client_created");
  await page.getByRole("cell", { name: "signing_key_rotated" }).waitFor({ state: "detached" });
  assert.equal(await page.getByRole("cell", { name: "client_created", exact: true }).count(), 1);
  await page.getByLabel("Event").fill("");
  await page.getByRole("cell", { name: "signing_key_rotated" }).waitFor();
}

/**
 * Waits until the audit table shows exactly `count` rows, each of `event` (polled from here: the
 * page's CSP refuses the evaluated predicate of waitForFunction).
 */
async function auditRowsAre(page: Page, event: string, count: number) {
  const cells = page.locator("tbody tr td:nth-child(2)");
  const deadline = Date.now() + 10_000;
  let events = await cells.allTextContents();
  while (!(events.length === count && events.every((text) => text === event))) {
    assert.ok(Date.now() < deadline, `${events.length} rows, expected ${count} of ${event}`);
    await page.waitForTimeout(100);
    events = await cells.allTextContents();
  }
}

/** 55 records of one event: a page of 50, then the rest once the end of the list is scrolled into view. */
async function scrollAudit(page: Page, server: AdminServer) {
  for (let i = 0; i < 55; i++) {
    const created = await server.admin("POST", "/v1/admin/permissions", { name: `console:p${i}` });
    assert.equal(created.status, 201, created.text);
  }
  await page.getByLabel("Event").fill("permission_created");
  await auditRowsAre(page, "permission_created", 50);
  await page.getByRole("button", { name: "Load more" }).waitFor();
  await page.getByRole("cell", { name: "permission_created", exact: true }).last().scrollIntoViewIfNeeded();
  await auditRowsAre(page, "permission_created", 55);
  await page.getByRole("button", { name: "Load more" }).waitFor({ state: "detached" });
}

/** A role and a permission created in the console; the permission granted, then revoked. */
async function grantAndRevoke(page: Page, server: AdminServer) {
  const newRole = page.getByRole("form", { name: "New role" });
  await newRole.getByLabel("Role name").fill("auditors");
  await newRole.getByRole("button", { name: "Create" }).click();
  await page.getByRole("heading", { name: "auditors" }).waitFor();
  const newPermission = page.getByRole("form", { name: "New permission" });
  await newPermission.getByLabel("Permission name").fill("reports:read");
  await newPermission.getByLabel("Description").fill("Read the reports");
  await newPermission.getByRole("button", { name: "Create" }).click();
  await page.getByLabel("Permission to grant to auditors").selectOption("reports:read");
  await page.getByRole("button", { name: "Grant" }).first().waitFor();
  await page
    .getByRole("listitem")
    .filter({ has: page.getByRole("heading", { name: "auditors" }) })
    .getByRole("button", { name: "Grant" })
    .click();
  await page.getByRole("button", { name: "Revoke reports:read from auditors" }).waitFor();
  assert.deepEqual((await server.admin("GET", "/v1/admin/roles/auditors")).body.permissions, ["reports:read"]);
  await page.getByRole("button", { name: "Revoke reports:read from auditors" }).click();
  await page.getByRole("button", { name: "Revoke reports:read from auditors" }).waitFor({ state: "detached" });
  assert.deepEqual((await server.admin("GET", "/v1/admin/roles/auditors")).body.permissions, []);
}

/** An endpoint the server refuses (its host does not resolve), then one it takes, whose secret is shown once. */
async function createWebhook(page: Page, server: AdminServer) {
  await page.getByRole("heading", { name: "Webhooks" }).waitFor();
  await page.getByLabel("Endpoint URL").fill("http://nowhere.invalid/hook");
  await page.getByRole("checkbox", { name: "user.locked" }).check();
  await page.getByRole("button", { name: "Create endpoint" }).click();
  await page.getByRole("form", { name: "New endpoint" }).getByText("does not resolve").waitFor();
  assert.equal((await server.admin("GET", "/v1/admin/webhooks")).body.items.length, 0);
  await page.getByLabel("Endpoint URL").fill("http://127.0.0.1:9/hook");
  await page.getByRole("button", { name: "Create endpoint" }).click();
  const secret = await page.getByLabel("Signing secret of http://127.0.0.1:9/hook").inputValue();
  assert.ok(secret.length >= 24, secret);
  await page.getByRole("heading", { name: "http://127.0.0.1:9/hook" }).waitFor();
  await page.getByRole("button", { name: "I have stored it" }).click();
  assert.deepEqual(
    (await server.admin("GET", "/v1/admin/webhooks")).body.items.map((e: { events: string[] }) => e.events),
    [["user.locked"]],
  );
}

describe("the admin console's pages in Chromium", { skip: skipWithoutChromium("the admin console's pages") }, () => {
  let server: AdminServer;
  let browser: Browser;

  before(async () => {
    assert.ok(existsSync(`${CONSOLE_DIST}index.html`), "the console is not built: run npm run build first");
    // Webhook endpoints on loopback are allowed: the test's endpoint is on 127.0.0.1.
    server = await startConsoleServer({ WEBHOOK_ALLOW_PRIVATE: "true" });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.gh.close();
  });

  it("a user's sessions, a client and its secret, a key rotation, and the audit of it all", async () => {
    const target = await server.signedInUser("target_user");
    const second = await login(server.gh, server.app, "target_user");
    const page = await newPage(browser);
    const errors = watchErrors(page);
    await signInAt(page, `${server.gh.url}/console/`, "root_admin");
    await page.getByRole("heading", { name: "Overview" }).waitFor();

    await openUserPage(page, target.id);
    await checkPage(page, "console-user");
    await revokeOneSession(page, server, [target.token, second.access_token]);
    await refusedPassword(page);
    await createClient(page, server);
    await checkPage(page, "console-clients");
    await rotateKey(page, server);
    await checkPage(page, "console-keys");
    await findInAudit(page);
    await checkPage(page, "console-audit");

    await page.getByLabel("Language").selectOption("zh-CN");
    await page.getByRole("heading", { name: "审计日志" }).waitFor();
    await checkPage(page, "console-audit-zh-cn");
    for (const [link, heading, shot] of [
      ["签名密钥", "签名密钥", "console-keys-zh-cn"],
      ["OAuth 客户端", "OAuth 客户端", "console-clients-zh-cn"],
    ] as const) {
      await page.getByRole("link", { name: link }).click();
      await page.getByRole("heading", { name: heading, exact: true }).waitFor();
      await page.getByText("正在加载…").waitFor({ state: "detached" });
      await checkPage(page, shot);
    }
    await page.getByRole("link", { name: "用户" }).click();
    await page.getByRole("link", { name: "target_user", exact: true }).click();
    await page.getByRole("heading", { name: "用户 target_user" }).waitFor();
    await page.getByRole("button", { name: /^撤销会话 / }).waitFor();
    await checkPage(page, "console-user-zh-cn");
    await page.getByLabel("语言").selectOption("en");
    await page.getByRole("link", { name: "Audit log", exact: true }).click();
    await scrollAudit(page, server);
    // The one refused password answers 400, which the browser reports for the request itself.
    assert.deepEqual(
      errors.filter((text) => !/status of 400/.test(text)),
      [],
    );
    assert.ok(errors.length <= 1, errors.join("\n"));
    await page.context().close();
  });

  it("roles and permissions granted and revoked, and a webhook endpoint with its secret shown once", async () => {
    const page = await newPage(browser);
    const errors = watchErrors(page);
    await signInAt(page, `${server.gh.url}/console/roles`, "root_admin");
    await page.getByRole("heading", { name: "Roles and permissions" }).waitFor();
    await grantAndRevoke(page, server);
    await checkPage(page, "console-roles");
    await page.getByRole("link", { name: "Webhooks" }).click();
    await createWebhook(page, server);
    await checkPage(page, "console-webhooks");
    await page.getByLabel("Language").selectOption("zh-CN");
    await page.getByRole("heading", { name: "Webhook 端点" }).waitFor();
    await checkPage(page, "console-webhooks-zh-cn");
    await page.getByRole("link", { name: "角色" }).click();
    await page.getByRole("heading", { name: "角色与权限" }).waitFor();
    await page.getByRole("heading", { name: "auditors" }).waitFor();
    await checkPage(page, "console-roles-zh-cn");
    // The one refused webhook URL answers 400, which the browser reports for the request itself.
    assert.deepEqual(
      errors.filter((text) => !/status of 400/.test(text)),
      [],
    );
    assert.equal(errors.length, 1, errors.join("\n"));
    await page.context().close();
  });

  it("a user's profile is edited (a bad JSON refused before sending) and the account deleted once its name is typed", async () => {
    const doomed = await server.signedInUser("doomed_user");
    const page = await newPage(browser);
    const errors = watchErrors(page);
    await signInAt(page, `${server.gh.url}/console/users/${doomed.id}`, "root_admin");
    await page.getByRole("heading", { name: "User doomed_user" }).waitFor();
    await page.getByLabel("Phone").fill("+86 10 1234 5678");
    await page.getByLabel("Attributes (JSON object)").fill("{team");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Attributes must be valid JSON.").waitFor();
    await page.getByLabel("Attributes (JSON object)").fill('{"team": "ops"}');
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved.").waitFor();
    const saved = (await server.admin("GET", `/v1/admin/users/${doomed.id}`)).body;
    assert.deepEqual([saved.phone, saved.attributes], ["+86 10 1234 5678", { team: "ops" }]);

    await page.getByRole("button", { name: "Delete doomed_user" }).click();
    const dialog = page.getByRole("dialog");
    const confirm = dialog.getByRole("button", { name: "Confirm" });
    await dialog.getByLabel("Type the username to confirm").fill("doomed");
    assert.equal(await confirm.isDisabled(), true);
    await dialog.getByLabel("Type the username to confirm").fill("doomed_user");
    await confirm.click();
    await page.getByRole("heading", { name: "Users" }).waitFor();
    assert.equal((await server.admin("GET", `/v1/admin/users/${doomed.id}`)).status, 404);
    assert.equal(await isActive(server.gh, server.app, doomed.token), false);
    assert.deepEqual(errors, []);
    await page.context().close();
  });
});
