// Story 2 — optimistic update and rollback. With a failure injected at the server, Profile shows
// the new name at once, then the old one again with the server's reason; Home never shows the
// name the server refused. The server holds the write until the test has seen the optimistic
// name, so nothing depends on timing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDemo, recordTexts, screenshot, useChromium, waitForText } from '../support/demo.mjs';

const browser = useChromium();

test('a failed rename shows at once in Profile, rolls back with the reason, and never reaches Home', async (t) => {
  const { page, api, errors } = await openDemo(t, browser());
  await waitForText(page, 'home-greeting', 'Welcome back, John Doe!');
  await waitForText(page, 'profile-name', 'John Doe');
  const home = await recordTexts(page, '[data-remote=home]');

  await api.faults({ holdWrites: true, failWrites: 1 });
  await page.getByLabel('New name').fill('Mallory Failed');
  await page.getByRole('button', { name: 'Save' }).click();
  // Optimistic: on the page while the server still holds the write.
  await waitForText(page, 'profile-name', 'Mallory Failed');
  assert.equal(await api.waitHeld(1), 1, 'the write is at the server, unanswered');
  await screenshot(page, '2-optimistic');

  await api.release();
  await waitForText(page, 'profile-error', 'The rename failed and was rolled back');
  await waitForText(page, 'profile-name', 'John Doe');
  assert.match(await page.getByTestId('profile-error').textContent(), /told to fail this write/);
  await page.getByText('(refreshing)').waitFor({ state: 'detached' });
  await screenshot(page, '2-rolled-back');

  const shown = await home.texts();
  assert.ok(shown.length > 0);
  assert.ok(!shown.some((text) => text.includes('Mallory')), `Home showed: ${JSON.stringify(shown)}`);
  assert.match(await page.getByTestId('home-greeting').textContent(), /John Doe/);
  // The page logs the failed PATCH (a 500) as a console error; nothing else.
  assert.deepEqual(errors.filter((e) => !/status of 500/.test(e)), []);
});
