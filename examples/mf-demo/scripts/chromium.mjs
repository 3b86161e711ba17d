// Headless Chromium for the stories and `make demo-check`: Debian's build, started by us (so we
// hold its pid) with a fresh profile folder, driven through the DevTools protocol by
// playwright-core. (`npx playwright install` downloads browsers, which cannot work here.)
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startProcess } from './processes.mjs';

export const chromiumPath = process.env.MFDEMO_CHROMIUM ?? '/usr/lib/chromium/chromium';

/**
 * Starts Chromium headless on a free DevTools port and connects playwright-core to it. Resolves
 * with { browser, handle, close }: close() disconnects, stops the process by its pid and removes
 * the profile folder.
 */
export async function launchChromium({ headless = true } = {}) {
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'mfdemo-chromium-'));
  const args = [
    ...(headless ? ['--headless'] : []),
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-dev-shm-usage',
    // performance.memory reports exact (not bucketed) sizes; the unmount story reads them.
    '--enable-precise-memory-info',
    `--user-data-dir=${userDataDir}`,
    '--remote-debugging-address=127.0.0.1',
    '--remote-debugging-port=0',
    'about:blank',
  ];
  let started;
  try {
    started = await startProcess('chromium', chromiumPath, args, {
      ready: /DevTools listening on (ws:\/\/\S+)/,
      timeoutMs: 30000,
    });
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
  const { handle, match } = started;
  let browser;
  try {
    browser = await chromium.connectOverCDP(match[1], { timeout: 30000 });
  } catch (error) {
    await handle.stop();
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    browser,
    handle,
    async close() {
      await browser.close().catch(() => {});
      await handle.stop();
      // Chromium's helper processes may still be closing files in the profile for a moment after
      // the browser process has exited: rm retries on ENOTEMPTY/EBUSY.
      await rm(userDataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}
