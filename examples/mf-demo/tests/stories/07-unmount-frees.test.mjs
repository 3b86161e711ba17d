// Story 7 — unmount frees. Navigating away from Profile unmounts it: the inspector (in the
// shell's devtools pane) shows its subscriptions, watches, observers and handlers gone, and the
// page's heap does not grow over 50 mount/unmount cycles (measured through the DevTools
// protocol after forced garbage collections).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDemo, screenshot, useChromium, waitForText } from '../support/demo.mjs';

const browser = useChromium();
const cycles = 50;
const warmup = 10;

/** Whether the devtools pane lists `app` among the mounted apps. */
async function listed(page, app) {
  return (await page.locator(`[data-testid=devtools-apps] tr[data-app="${app}"]`).count()) > 0;
}

/** The query observers the devtools pane counts over the whole cache. */
async function observers(page) {
  const text = await page.getByTestId('devtools-observers').textContent();
  return Number(text.match(/(\d+) observers/)[1]);
}

/** To the overview: Profile mounts beside Home (which stays mounted). */
async function toProfile(page) {
  await page.locator('[data-nav="/"]').click();
  await waitForText(page, 'profile-name', 'John Doe');
}

async function toHome(page) {
  await page.locator('[data-nav="/home"]').click();
  await page.locator('[data-remote=profile]').waitFor({ state: 'detached' });
  await waitForText(page, 'home-greeting', 'John Doe');
}

async function heap(cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  const dom = await cdp.send('Memory.getDOMCounters');
  return { usedSize, nodes: dom.nodes, listeners: dom.jsEventListeners };
}

test('unmounting Profile releases what it held, and 50 cycles do not grow the heap', async (t) => {
  const { page, errors } = await openDemo(t, browser(), { query: '?devtools', hash: '#/home' });
  await waitForText(page, 'home-greeting', 'Welcome back, John Doe!');
  const before = await observers(page);
  assert.ok(before >= 1, "Home's useQuery observes the user");
  assert.equal(await listed(page, 'profile'), false);

  await toProfile(page);
  await page.locator('[data-testid=devtools-apps] tr[data-app="profile"]').waitFor();
  assert.ok((await observers(page)) > before, "Profile's observers are counted while it is mounted");
  await screenshot(page, '7-profile-mounted');

  await toHome(page);
  await page.locator('[data-testid=devtools-apps] tr[data-app="profile"]').waitFor({ state: 'detached' });
  assert.equal(await observers(page), before, "Profile's query observers are gone");
  await screenshot(page, '7-profile-unmounted');

  // The heap is measured with the devtools pane closed: its event timeline keeps the last 300
  // events on purpose, which would grow the heap over the first cycles.
  await page.getByRole('button', { name: 'Hide devtools' }).click();
  const cdp = await page.context().newCDPSession(page);
  let warm;
  for (let i = 1; i <= cycles; i++) {
    await toProfile(page);
    await toHome(page);
    if (i === warmup) warm = await heap(cdp);
  }
  const end = await heap(cdp);
  const growth = end.usedSize - warm.usedSize;
  t.diagnostic(`heap after ${warmup} cycles ${warm.usedSize} B, after ${cycles}: ${end.usedSize} B (${growth} B)`);
  t.diagnostic(`DOM nodes ${warm.nodes} -> ${end.nodes}, listeners ${warm.listeners} -> ${end.listeners}`);
  // A leak of one React root, store or observer per cycle would be tens of KB each time:
  // 40 cycles of it would show as megabytes. 256 KB is what V8's own caches move by.
  assert.ok(growth < 256 * 1024, `heap grew by ${growth} B over ${cycles - warmup} cycles`);
  assert.ok(end.listeners <= warm.listeners, `event listeners ${warm.listeners} -> ${end.listeners}`);
  assert.ok(end.nodes <= warm.nodes + 50, `DOM nodes ${warm.nodes} -> ${end.nodes}`);
  await page.getByRole('button', { name: 'Devtools' }).click();
  await page.getByTestId('devtools-apps').waitFor();
  assert.equal(await listed(page, 'profile'), false);
  assert.equal(await observers(page), before);
  assert.deepEqual(errors, []);
});
