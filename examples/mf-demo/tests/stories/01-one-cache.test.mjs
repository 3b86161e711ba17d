// Story 1 — one cache, no coupling. Home and Profile both show the user after one request to
// the API (counted at the server). Profile renames the user; Home shows the new name after
// exactly one refetch, and neither app's code names the other for it.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { appSourceDir } from '../../scripts/paths.mjs';
import { openDemo, screenshot, useChromium, waitForText } from '../support/demo.mjs';

const browser = useChromium();

/** Waits until nothing is in flight: no save pending in Profile, no refetch shown by Home. */
async function settled(page) {
  await page.locator('[data-testid=profile-name].pending').waitFor({ state: 'detached' });
  await page.getByText('(refreshing)').waitFor({ state: 'detached' });
}

test('Home and Profile show John Doe after one request; a rename reaches Home after exactly one refetch', async (t) => {
  const { page, api, errors } = await openDemo(t, browser());
  await waitForText(page, 'home-greeting', 'Welcome back, John Doe!');
  await waitForText(page, 'profile-name', 'John Doe');
  assert.equal(await api.count('GET /api/users/me'), 1, 'two apps, one cache entry, one request');
  await screenshot(page, '1-one-request');

  await page.getByLabel('New name').fill('Jane Roe');
  await page.getByRole('button', { name: 'Save' }).click();
  await waitForText(page, 'home-greeting', 'Welcome back, Jane Roe!');
  await waitForText(page, 'profile-name', 'Jane Roe');
  await settled(page);
  assert.deepEqual(await api.requests(), { 'GET /api/users/me': 2, 'PATCH /api/users/me': 1 });
  await screenshot(page, '1-renamed-everywhere');
  assert.deepEqual(errors, []);
});

/** The code of an app (its src/ folder), comments removed. */
async function codeOf(app) {
  const dir = path.join(appSourceDir(app), 'src');
  let code = '';
  for (const file of await readdir(dir, { recursive: true })) {
    if (!/\.(js|jsx)$/.test(file)) continue;
    const text = await readFile(path.join(dir, file), 'utf8');
    code += text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
  }
  return code;
}

test("the rename reaches Home without either app naming the other's internals", async () => {
  // Profile's code never mentions Home.
  assert.doesNotMatch(await codeOf('profile'), /home/i);
  // Home names Profile in one place only: reading its export "user", which Home's manifest
  // declares (reads: profile/user) — a checked contract, not a call into Profile.
  const home = await codeOf('home');
  const mentions = home.match(/['"]profile['"][^)\n]*/gi) ?? [];
  assert.deepEqual(mentions, ["'profile', 'user'"]);
  assert.match(home, /useExport\('profile', 'user'\)/);
  const manifest = JSON.parse(await readFile(path.join(appSourceDir('home'), 'mfstate.json'), 'utf8'));
  assert.deepEqual(Object.keys(manifest.reads), ['profile/user']);
});
