// Story 4 — late remotes. Home is loaded after Profile has exported the user (here: after a
// rename), and in another run before Profile exists at all: either way Home sees the current
// value, from the shared cache and from Profile's export.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDemo, screenshot, useChromium, waitForText } from '../support/demo.mjs';

const browser = useChromium();

test('Home loaded after Profile exported (and renamed) the user sees the current value', async (t) => {
  const { page, api, errors } = await openDemo(t, browser(), { hash: '#/profile' });
  await waitForText(page, 'profile-name', 'John Doe');
  assert.equal(await page.locator('[data-remote=home]').count(), 0, 'Home is not loaded yet');
  await page.getByLabel('New name').fill('Jane Roe');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('[data-testid=profile-name]:not(.pending)').filter({ hasText: 'Jane Roe' }).waitFor();

  await page.locator('[data-nav="/"]').click();
  await waitForText(page, 'home-profile-export', 'Profile says Jane Roe');
  await waitForText(page, 'home-greeting', 'Welcome back, Jane Roe!');
  await screenshot(page, '4-home-after-profile');
  assert.equal(await api.count('PATCH /api/users/me'), 1);
  assert.deepEqual(errors, []);
});

test('Home loaded before Profile exists is told the value when Profile mounts', async (t) => {
  const { page, errors } = await openDemo(t, browser(), { hash: '#/home' });
  await waitForText(page, 'home-greeting', 'Welcome back, John Doe!');
  await waitForText(page, 'home-profile-export', 'Profile has not said');
  await screenshot(page, '4-home-before-profile');

  await page.locator('[data-nav="/"]').click();
  await waitForText(page, 'home-profile-export', 'Profile says John Doe');
  await screenshot(page, '4-profile-arrives');
  assert.deepEqual(errors, []);
});
