// Story 7 — unmount frees. Navigating away from Profile unmounts it: the shell's devtools pane
// (the inspector, with each app's live counts) no longer lists it, Home's counts are unchanged and
// the query cache's observers are back to Home's, and 50
// mount/unmount cycles leave nothing behind on the page's heap: a census of live objects (a heap
// snapshot through the DevTools protocol, after forced garbage collections) taken after 10
// cycles and after 50 shows no kind of object grown by one per cycle or more.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engineGrowth, heapCensus, heapGrowth, openDemo, retainerPaths, screenshot, useChromium, waitForText } from '../support/demo.mjs';

const browser = useChromium();
const cycles = 50;
const warmup = 10;

/** Whether the devtools pane lists `app` among the mounted apps. */
async function listed(page, app) {
  return (await page.locator(`[data-testid=devtools-apps] tr[data-app="${app}"]`).count()) > 0;
}

/** The live counts the devtools pane shows for `app` (host.inspect(): subscriptions, watches, observers, handlers). */
async function counts(page, app) {
  return JSON.parse(await page.locator(`[data-testid=devtools-apps] tr[data-app="${app}"] [data-counts]`).getAttribute('data-counts'));
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

test('unmounting Profile releases what it held: the inspector no longer lists it, its observers are gone', async (t) => {
  const { page, errors } = await openDemo(t, browser(), { query: '?devtools', hash: '#/home' });
  await waitForText(page, 'home-greeting', 'Welcome back, John Doe!');
  const before = await observers(page);
  assert.ok(before >= 1, "Home's useQuery observes the user");
  assert.equal(await listed(page, 'profile'), false);
  const home = await counts(page, 'home');
  assert.ok(home.observers >= 1, `Home's own counts include its query observer: ${JSON.stringify(home)}`);

  await toProfile(page);
  await page.locator('[data-testid=devtools-apps] tr[data-app="profile"]').waitFor();
  assert.ok((await observers(page)) > before, "Profile's observers are counted while it is mounted");
  const profile = await counts(page, 'profile');
  assert.ok(profile.observers >= 1, `the inspector counts Profile's query observers: ${JSON.stringify(profile)}`);
  await screenshot(page, '7-profile-mounted');

  await toHome(page);
  await page.locator('[data-testid=devtools-apps] tr[data-app="profile"]').waitFor({ state: 'detached' });
  assert.equal(await observers(page), before, "Profile's query observers are gone");
  assert.deepEqual(await counts(page, 'home'), home, "Home's counts are what they were");
  await screenshot(page, '7-profile-unmounted');

  assert.deepEqual(errors, []);
});

test('50 mount/unmount cycles leave nothing behind on the heap', async (t) => {
  const { page, errors } = await openDemo(t, browser(), { hash: '#/home' });
  await waitForText(page, 'home-greeting', 'Welcome back, John Doe!');
  // Measured with the devtools pane closed: its event timeline keeps the last 300 events on
  // purpose, which would grow the heap over the first cycles.
  const cdp = await page.context().newCDPSession(page);
  let warm;
  let warmDom;
  for (let i = 1; i <= cycles; i++) {
    await toProfile(page);
    await toHome(page);
    if (i === warmup) {
      warm = await heapCensus(cdp);
      warmDom = await cdp.send('Memory.getDOMCounters');
    }
  }
  const end = await heapCensus(cdp);
  const dom = await cdp.send('Memory.getDOMCounters');
  const grown = heapGrowth(warm, end);
  const perCycle = grown.filter((g) => g.count >= cycles - warmup);
  t.diagnostic(`heap after ${warmup} cycles ${warm.total} B, after ${cycles}: ${end.total} B`);
  t.diagnostic(`grown most: ${JSON.stringify(grown.slice(0, 8))}`);
  t.diagnostic(`the engine's own (compiled code, native records; not counted): ${JSON.stringify(engineGrowth(warm, end).slice(0, 6))}`);
  for (const { kind } of perCycle.filter((g) => !g.kind.startsWith('number:')).slice(0, 6)) {
    for (const chain of retainerPaths(warm, end, kind)) t.diagnostic(`${kind} kept by: ${chain}`);
  }
  t.diagnostic(`DOM: ${warmDom.nodes} -> ${dom.nodes} nodes, ${warmDom.jsEventListeners} -> ${dom.jsEventListeners} listeners`);
  assert.deepEqual(perCycle, [], `objects left behind by every mount/unmount cycle: ${JSON.stringify(perCycle)}`);
  assert.ok(dom.jsEventListeners <= warmDom.jsEventListeners, 'event listeners left behind');
  assert.ok(dom.nodes <= warmDom.nodes, 'DOM nodes left behind');
  assert.deepEqual(errors, []);
});
