// test-databases: one
// The API reference at /docs in a real headless Chromium: it renders every tag of the
// document and its operations, under the page's strict Content-Security-Policy, with no
// violation reported and no request to anywhere but Gatehouse itself.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { DIALECTS } from "../../src/dialects/index.js";
import { NATIVE_TAGS } from "../../src/http/openapi.js";
import { REFERENCE_CSP } from "../../src/http/routes/reference.js";
import { launchChromium, newPage, skipWithoutChromium } from "../helpers/browser.js";
import { startServer, type TestServer } from "../helpers/server.js";

/** Everything the page did that the test watches: requests, CSP violations, errors. */
type Watched = { requests: string[]; violations: string[]; errors: string[] };

async function watchedPage(browser: Browser): Promise<{ page: Page; seen: Watched }> {
  const page = await newPage(browser);
  const seen: Watched = { requests: [], violations: [], errors: [] };
  page.on("request", (request) => seen.requests.push(request.url()));
  page.on("pageerror", (error) => seen.errors.push(error.message));
  page.on("console", (message) => {
    if (/Content[- ]Security[- ]Policy/i.test(message.text())) seen.violations.push(message.text());
  });
  // Reported by the browser itself for every blocked resource, inline script or style.
  await page.exposeFunction("reportViolation", (text: string) => seen.violations.push(text));
  await page.addInitScript(
    'document.addEventListener("securitypolicyviolation", (event) => ' +
      "window.reportViolation(`${event.violatedDirective} blocked ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}`))",
  );
  return { page, seen };
}

describe("GET /docs in Chromium", { skip: skipWithoutChromium("the API reference in Chromium") }, () => {
  let gh: TestServer;
  let browser: Browser;
  before(async () => {
    gh = await startServer();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await gh?.close();
  });

  it("is served with the reference page's own strict policy", async () => {
    const response = await gh.request("GET", "/docs");
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
    assert.equal(response.headers.get("content-security-policy"), REFERENCE_CSP);
    assert.doesNotMatch(REFERENCE_CSP, /unsafe-inline|unsafe-eval|https?:|\*/);
    assert.doesNotMatch(response.text, /<script>|<script(?![^>]*\bsrc=)[^>]*>[^<]/, "no inline script");
    const other = await gh.request("GET", "/healthz");
    assert.equal(other.headers.get("content-security-policy"), "default-src 'none'; frame-ancestors 'none'");
  });

  it("renders every tag and its operations, with no CSP violation and no request elsewhere", async () => {
    const { page, seen } = await watchedPage(browser);
    await page.goto(`${gh.url}/docs`);
    await page.locator(".opblock").first().waitFor({ timeout: 30_000 });
    const tags = await page.locator(".opblock-tag").allTextContents();
    for (const tag of [...NATIVE_TAGS.map((t) => t.name), ...DIALECTS.map((d) => d.name)]) {
      assert.ok(
        tags.some((text) => text.startsWith(tag)),
        `tag ${tag} is on the page (${tags.join(" | ")})`,
      );
    }
    assert.ok((await page.locator(".opblock").count()) > 40, "the operations are listed");
    assert.ok(await page.getByText("/api/auth/login", { exact: true }).isVisible());
    await page.getByText("/oauth/token", { exact: true }).click();
    await page.getByText("access_token").first().waitFor();
    const elsewhere = seen.requests.filter((url) => !url.startsWith(`${gh.url}/`) && !url.startsWith("data:"));
    assert.deepEqual(elsewhere, []);
    assert.ok(
      seen.requests.some((url) => url === `${gh.url}/docs/json`),
      "the document came from Gatehouse",
    );
    assert.deepEqual(seen.violations, []);
    assert.deepEqual(seen.errors, []);
    await page.context().close();
  });
});
