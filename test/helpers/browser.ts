import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContextOptions, chromium, type Page } from "playwright-core";

/**
 * Headless Chromium for the browser tests: Debian's own build (`.ci/run` installs it, with the
 * CJK fonts the zh-CN pages need), driven by playwright-core, which downloads no browser.
 */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** The one viewport screenshots are taken at, so that they compare across runs and machines. */
export const SCREENSHOT_VIEWPORT = { width: 1000, height: 720 } as const;

const SCREENSHOTS_DIR = fileURLToPath(new URL("../../docs/screenshots/", import.meta.url));

/**
 * For a suite that needs Chromium: false when it is installed. When it is not, fails under
 * GATEHOUSE_TEST_REQUIRE_SERVICES=1, else warns loudly and returns the reason to skip with.
 */
export function skipWithoutChromium(suite: string): string | false {
  if (existsSync(CHROMIUM_PATH)) return false;
  const message = `CHROMIUM NOT INSTALLED for ${suite}: no ${CHROMIUM_PATH} (apt-get install chromium)`;
  if (process.env.GATEHOUSE_TEST_REQUIRE_SERVICES === "1") throw new Error(message);
  console.warn(`\n!!! ${message} — SKIPPED\n`);
  return "Chromium not installed";
}

/**
 * Starts headless Chromium; the caller closes it. Chromium's own sandbox stays off (Playwright's
 * default, stated here): it refuses to start as root, as tests run in CI.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`no ${CHROMIUM_PATH}: call skipWithoutChromium first`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, chromiumSandbox: false });
}

/**
 * A page in a fresh context of its own (no cookies) at the screenshot viewport, one CSS pixel a
 * pixel; `page.context().close()` ends it, as closing the browser does.
 */
export async function newPage(browser: Browser, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: SCREENSHOT_VIEWPORT, deviceScaleFactor: 1, ...options });
  return context.newPage();
}

/**
 * Writes what `page` shows to `docs/screenshots/<name>.png` (the viewport, not the whole page,
 * to keep files small), and returns its path. Only when GATEHOUSE_SCREENSHOTS=1: the PNGs are
 * committed, and an ordinary test run must not rewrite them; otherwise it does nothing and
 * returns null. `page` should come from `newPage`, so that every screenshot has the same size.
 */
export async function saveScreenshot(page: Page, name: string): Promise<string | null> {
  if (process.env.GATEHOUSE_SCREENSHOTS !== "1") return null;
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`screenshot name ${JSON.stringify(name)}: use a-z, 0-9 and -`);
  const ratio: unknown = await page.evaluate("window.devicePixelRatio");
  if (ratio !== 1) throw new Error(`device scale factor ${ratio}: open the page with newPage`);
  await page.setViewportSize(SCREENSHOT_VIEWPORT);
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const path = `${SCREENSHOTS_DIR}${name}.png`;
  await page.screenshot({ path, type: "png", animations: "disabled", caret: "hide" });
  return path;
}
