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
    // 5. Reach the shell's powers or another app through the handle.
    attempt('find the host on the handle', () => {
      if (home.host !== undefined) throw new Error('the handle exposes its host');
      const names = Object.getOwnPropertyNames(home).concat(Object.getOwnPropertyNames(Object.getPrototypeOf(home)));
      if (names.some((n) => /store|host|registry|apps/i.test(n) && typeof home[n] === 'object'))
        throw new Error(`reachable: ${names.join(', ')}`);
      return names.sort();
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
  assert.equal(outcomes.outcomes['find the host on the handle'].allowed, true, outcomes.outcomes['find the host on the handle'].message);

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
