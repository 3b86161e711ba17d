// Story 5 — isolation in the page. From the browser console (a Playwright evaluate), code running
// as Home — holding Home's handle, as Home's own code does — tries to write Profile's state, to
// send Profile a command it does not accept, and to change values it read. Each attempt is
// refused, and the page is unchanged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDemo, screenshot, useChromium, waitForText } from '../support/demo.mjs';

const browser = useChromium();

test('code running as Home cannot write Profile, send it what it does not accept, or change what it read', async (t) => {
  const { page, api, errors } = await openDemo(t, browser(), { query: '?console&devtools' });
  await waitForText(page, 'home-greeting', 'Welcome back, John Doe!');
  await waitForText(page, 'home-profile-export', 'Profile says John Doe');

  const outcomes = await page.evaluate(async () => {
    'use strict';
    const home = window.mfdemo.apps.home;
    const outcomes = {};
    const attempt = (name, fn) => {
      try {
        const result = fn();
        outcomes[name] = { allowed: true, result: result === undefined ? null : result };
      } catch (error) {
        outcomes[name] = { allowed: false, code: error.code ?? error.name, message: error.message };
      }
    };
    // 1. Write Profile's state by sending it one of its own reducer's actions: not accepted.
    attempt('send profile its internal action', () =>
      home.send('profile', { type: 'rename/succeeded', payload: { userId: 'S6nRz7bZ8Cv1dfTm', name: 'Mallory' } }),
    );
    // 2. A command Profile's manifest does not list.
    attempt('send profile an unlisted command', () => home.send('profile', { type: 'profile/rename', payload: { name: 'Mallory' } }));
    // 3. Change the value Profile exported, in place.
    attempt('change the export it read', () => {
      const user = home.read('profile', 'user');
      user.name = 'Mallory';
    });
    // 4. Change the cached server data in place (what query-core lets any holder do).
    attempt('change cached server data', () => {
      const data = home.queryClient.getQueryData(['GET', '/api/users/me', {}]);
      data.name = 'Mallory';
    });
    // 5. Reach the shell's powers or another app through the handle: every property and getter
    //    one step away must lead neither to a host (something that mounts) nor to another app.
    attempt('reach the host or another app from the handle', () => {
      const reached = [];
      for (let o = home; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
        for (const key of Object.getOwnPropertyNames(o)) {
          let value;
          try {
            value = home[key];
          } catch {
            continue; // a getter that refuses (e.g. "store" before createStore) leads nowhere
          }
          if (typeof value === 'function') {
            // (An app's own `inspect` is allowed: it hears only that app's events, as
            // @mfstate/core's isolation tests check; the host's inspector is the shell's.)
            if (/^(platform|inspector|apps|setFocused|setOnline)$/.test(key)) reached.push(key);
            continue;
          }
          if (value && typeof value === 'object') {
            // A host has the platform app, or mounts and inspects (a QueryClient's mount() alone is not one).
            if ('platform' in value || (typeof value.mount === 'function' && typeof value.inspect === 'function')) {
              reached.push(`${key} (a host)`);
            }
            if (typeof value.dispatch === 'function' && value.name && value.name !== 'home') reached.push(`${key} (${value.name})`);
          }
        }
      }
      if (reached.length) throw new Error(`reachable from Home's handle: ${reached.join(', ')}`);
    });
    return { outcomes, exported: home.read('profile', 'user') };
  });

  const refused = (name, code) => {
    const o = outcomes.outcomes[name];
    assert.equal(o.allowed, false, `${name} was allowed`);
    if (code) assert.equal(o.code, code, `${name}: ${o.message}`);
  };
  refused('send profile its internal action', 'command_not_accepted');
  refused('send profile an unlisted command', 'command_not_accepted');
  refused('change the export it read', 'TypeError');
  refused('change cached server data', 'TypeError');
  const reach = outcomes.outcomes['reach the host or another app from the handle'];
  assert.equal(reach.allowed, true, reach.message);

  // The page is unchanged: the export, both apps, the server.
  assert.deepEqual(outcomes.exported, { userId: 'S6nRz7bZ8Cv1dfTm', name: 'John Doe' });
  assert.match(await page.getByTestId('home-greeting').textContent(), /John Doe/);
  assert.match(await page.getByTestId('profile-name').textContent(), /John Doe/);
  assert.equal(await api.count('PATCH /api/users/me'), 0);
  // The shell's devtools saw the refusals, with their reasons.
  await page.getByRole('button', { name: 'Commands' }).click();
  await waitForText(page, 'devtools-refusals', 'rename/succeeded');
  await screenshot(page, '5-isolation-refusals');
  assert.deepEqual(errors, []);
});

test('a remote walking React\'s internals from the element it was given finds no host', async (t) => {
  // No ?console: the page publishes nothing on window. What any remote can do with the element the
  // shell gives its mount(): read the fibers React keeps on every element of the page (props,
  // state, hook dependency arrays, context values). The shell keeps its host in closures
  // (shellFor, remoteSlotFor, devtoolsFor), so none of it is there; each App handle rendered with
  // @mfstate/react is (docs/web-react.md: a remote trusted with no other app's powers runs in its
  // own realm).
  const { page, errors } = await openDemo(t, browser(), { query: '?devtools' });
  await waitForText(page, 'home-greeting', 'Welcome back, John Doe!');
  const found = await page.evaluate(() => {
    const seen = new Set();
    const fibers = new Set();
    const queue = [];
    const visit = (value, depth) => {
      if (value === null || typeof value !== 'object' || seen.has(value) || value instanceof Node) return;
      seen.add(value);
      if (depth > 0) queue.push([value, depth - 1]);
    };
    for (const element of document.querySelectorAll('*')) {
      for (const key of Object.keys(element)) {
        if (!key.startsWith('__reactFiber$') && !key.startsWith('__reactContainer$')) continue;
        for (let fiber = element[key]; fiber && !fibers.has(fiber); fiber = fiber.return) fibers.add(fiber);
      }
    }
    for (const fiber of fibers) {
      for (const part of [fiber.memoizedProps, fiber.memoizedState, fiber.updateQueue, fiber.dependencies]) visit(part, 8);
      for (let child = fiber.child; child; child = child.sibling) fibers.add(child);
      if (fiber.alternate) fibers.add(fiber.alternate);
    }
    while (queue.length) {
      const [value, depth] = queue.shift();
      let keys;
      try {
        keys = Reflect.ownKeys(value);
      } catch {
        continue;
      }
      for (const key of keys) {
        const descriptor = Object.getOwnPropertyDescriptor(value, key);
        if (descriptor && 'value' in descriptor) visit(descriptor.value, depth);
      }
    }
    const hosts = [];
    const apps = [];
    for (const value of seen) {
      if ('platform' in value || (typeof value.mount === 'function' && typeof value.inspect === 'function')) hosts.push(String(value));
      else if (typeof value.dispatch === 'function' && typeof value.expose === 'function') apps.push(value.name);
    }
    return { fibers: fibers.size, hosts, apps: [...new Set(apps)].sort() };
  });
  assert.ok(found.fibers > 50, `the walk saw the page's fibers (${found.fibers})`);
  assert.deepEqual(found.hosts, [], 'no host reachable from the DOM');
  assert.deepEqual(found.apps, ['home', 'profile'], 'each remote\'s App handle, in its AppProvider');
  assert.deepEqual(errors, []);
});
