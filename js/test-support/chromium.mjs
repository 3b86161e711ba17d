// Headless Chromium for browser tests: Debian's chromium driven by playwright-core (whose own
// browser downloads cannot work here). Every launch gets a fresh profile; close() stops the browser
// process and removes it.
//
//   const browser = await launchChromium();  const page = await browser.newPage();  ...  await browser.close();
import { chromium } from "playwright-core";
import { existsSync } from "node:fs";

/** Debian's binary (not the /usr/bin wrapper, which adds flags of its own). MFSTATE_CHROMIUM overrides. */
export const chromiumPath = process.env.MFSTATE_CHROMIUM ?? "/usr/lib/chromium/chromium";

/** Launches headless Chromium; bounded by `timeout` (ms). */
export async function launchChromium({ timeout = 60_000, args = [] } = {}) {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}: install Debian's chromium package (scripts/bootstrap.sh does)`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    timeout,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-dev-shm-usage", ...args],
  });
}

/**
 * Opens `url` in a new page and collects what the page logs and throws: `{page, errors, logs}`.
 * Uncaught errors and console.error lines land in `errors`.
 */
export async function openPage(browser, url, { timeout = 30_000 } = {}) {
  const page = await browser.newPage();
  page.setDefaultTimeout(timeout);
  const errors = [];
  const logs = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => (m.type() === "error" ? errors : logs).push(m.text()));
  await page.goto(url);
  return { page, errors, logs };
}
