// What every story needs: the stack (API + static servers), one headless Chromium per test file,
// a fresh browser context per test, screenshots, and waits that end on an event or a deadline.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before } from 'node:test';
import { launchChromium } from '../../scripts/chromium.mjs';
import { outDir } from '../../scripts/paths.mjs';
import { startStack } from '../../scripts/stack.mjs';

/** Where `make demo-check` and the tests leave their screenshots. */
export const screenshotDir = path.join(outDir, 'screenshots');

/** How long any single wait in a story may take before the story fails. */
export const waitMs = 15000;

/**
 * Starts Chromium before the file's tests and stops it after; returns a getter for it. Each
 * story starts its own stack (so each has a fresh database and fresh request counts).
 */
export function useChromium() {
  let chromium;
  before(async () => {
    chromium = await launchChromium();
    await mkdir(screenshotDir, { recursive: true });
  });
  after(async () => {
    await chromium?.close();
  });
  return () => chromium.browser;
}

/**
 * Starts a stack and opens the shell in a fresh context of `browser`. Page errors and console
 * errors are collected in `errors`. `t.after` stops everything, whatever the test's outcome.
 */
export async function openDemo(t, browser, { remotes, query = '', hash = '#/' } = {}) {
  const stack = await startStack({ remotes });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  t.after(async () => {
    await context.close().catch(() => {});
    await stack.stop();
  });
  const page = await context.newPage();
  page.setDefaultTimeout(waitMs);
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(`${stack.url}${query}${hash}`);
  return { stack, api: stack.api, page, errors };
}

/** Resolves once the element with data-testid `id` contains `text` (or fails after waitMs). */
export function waitForText(page, id, text) {
  return page.getByTestId(id).filter({ hasText: text }).first().waitFor();
}

/** The text of the element with data-testid `id`, once it is on the page. */
export async function textOf(page, id) {
  return (await page.getByTestId(id).first().textContent()).trim();
}

/** Writes a screenshot of the page as <screenshotDir>/<name>.png. */
export function screenshot(page, name) {
  return page.screenshot({ path: path.join(screenshotDir, `${name}.png`) });
}

/**
 * Records every text an element matching `selector` shows from now on (a MutationObserver in
 * the page); `texts()` resolves with the list. Used to prove a value was *never* shown.
 */
export async function recordTexts(page, selector) {
  const handle = await page.evaluateHandle((sel) => {
    const seen = [];
    const note = () => {
      for (const el of document.querySelectorAll(sel)) {
        const text = el.textContent;
        if (seen[seen.length - 1] !== text) seen.push(text);
      }
    };
    note();
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true });
    return seen;
  }, selector);
  return { texts: () => handle.jsonValue() };
}

/**
 * A census of the page's JavaScript heap after garbage collection, through the DevTools protocol:
 * how many objects of each kind ("object:Array", "closure:render", "string:/api/users/me") are
 * alive, with their total size. Comparing two censuses shows what a cycle of work left behind,
 * object by object, where a heap total would mix it with V8's own compiled code.
 */
export async function heapCensus(cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const chunks = [];
  const onChunk = ({ chunk }) => chunks.push(chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  try {
    await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  }
  const snapshot = JSON.parse(chunks.join(''));
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const [type, name, size] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const census = new Map();
  let total = 0;
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    const key = `${types[snapshot.nodes[i + type]]}:${snapshot.strings[snapshot.nodes[i + name]].slice(0, 80)}`;
    const entry = census.get(key) ?? { count: 0, size: 0 };
    entry.count += 1;
    entry.size += snapshot.nodes[i + size];
    total += snapshot.nodes[i + size];
    census.set(key, entry);
  }
  return { census, total };
}

/**
 * What grew between two censuses, largest count first: [{kind, count, size}]. Only the page's own
 * objects count: V8's compiled code ("code:") and the browser's own records ("native:", such as
 * its performance timeline of navigations) are the engine's business.
 */
export function heapGrowth(before, after) {
  const grown = [];
  for (const [kind, now] of after.census) {
    if (/^(code|native|hidden|synthetic):/.test(kind)) continue;
    const then = before.census.get(kind) ?? { count: 0, size: 0 };
    if (now.count > then.count) grown.push({ kind, count: now.count - then.count, size: now.size - then.size });
  }
  return grown.sort((a, b) => b.count - a.count);
}
