// The admin console's browser tests' shared steps: sign-in, and the checks every page must pass.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import type { Page } from "playwright-core";
import { type AdminServer, startAdminServer } from "./admin.js";
import { saveScreenshot } from "./browser.js";
import { PASSWORD } from "./oauth.js";

const AXE = readFileSync(new URL("../../node_modules/axe-core/axe.min.js", import.meta.url), "utf8");

/** A free loopback port: the console's redirect URIs follow from ISSUER, which must name it. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Every console error the page reports (a resource the CSP blocked is one), to be checked empty.
 * Chromium asks for /favicon.ico of the hosted login page, which names no icon: that 404 is
 * not the console's.
 */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    const where = message.location().url;
    if (message.type() === "error" && !where.endsWith("/favicon.ico")) errors.push(`${where}: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(String(error)));
  return errors;
}

/** The serious and critical axe-core violations of what the page shows. */
async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated by the browser's debugging protocol, which the page's CSP does not govern.
  await page.evaluate(AXE);
  const violations = (await page.evaluate(
    "axe.run(document).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })))",
  )) as { id: string; impact: string; nodes: number }[];
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id} (${v.nodes})`);
}

/** Holds the page to its accessibility, its width at 375 px, and optionally writes its screenshot. */
export async function checkPage(page: Page, screenshot: string): Promise<void> {
  assert.deepEqual(await axeViolations(page), [], `${screenshot}: axe`);
  await page.evaluate("window.scrollTo(0, 0)");
  await saveScreenshot(page, screenshot);
  await page.setViewportSize({ width: 375, height: 720 });
  const width = (await page.evaluate("document.documentElement.scrollWidth")) as number;
  assert.ok(width <= 375, `${screenshot}: ${width} px wide at 375`);
  await page.setViewportSize({ width: 1000, height: 720 });
}

export async function signInAt(page: Page, url: string, username: string) {
  await page.goto(url);
  await page.waitForURL(/\/oauth\/authorize\?/);
  await page.getByLabel("Username or email").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** A server whose ISSUER names its own loopback port, as the console's redirect URIs need. */
export async function startConsoleServer(env: Record<string, string> = {}): Promise<AdminServer> {
  const port = await freePort();
  return startAdminServer({ PORT: String(port), ISSUER: `http://127.0.0.1:${port}`, ...env });
}
