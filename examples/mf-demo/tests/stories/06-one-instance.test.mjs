// Story 6 — one instance. A remote built with a different @mfstate/core (its own copy, another
// version, not the page's shared one) would silently split the page's stores and query cache.
// Instead it fails to load with an error naming both versions and where each came from, on the
// page; the rest of the page keeps working.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appBuildDir } from '../../scripts/paths.mjs';
import { openDemo, screenshot, textOf, useChromium, waitForText } from '../support/demo.mjs';

const browser = useChromium();

test('a remote bundling another @mfstate/core version gets the clear version error on the page', async (t) => {
  const { page } = await openDemo(t, browser(), {
    remotes: { home: appBuildDir('home'), profile: appBuildDir('profile-othercore') },
  });
  await waitForText(page, 'profile-load-error', 'already loaded on this page');
  const message = await textOf(page, 'profile-load-error');
  assert.match(message, /@mfstate\/core 0\.2\.0 \(loaded from [^)]+\) found @mfstate\/core 0\.1\.0 already loaded on this page/);
  // Each copy is named by the script the page runs (the remote's origin, the shell's), not by the
  // path webpack saw on the build machine.
  const origins = [...message.matchAll(/from (http:\/\/127\.0\.0\.1:\d+)\//g)].map((m) => m[1]);
  assert.equal(origins.length, 2, message);
  assert.notEqual(origins[0], origins[1], `the remote's copy and the shell's come from their own origins: ${message}`);
  assert.doesNotMatch(message, /file:/);
  assert.match(message, /Two versions cannot share one page's stores and query cache/);
  assert.match(message, /shared: \{"@mfstate\/core": \{singleton: true, requiredVersion: "\^0\.2\.0"\}\}/);
  // The page keeps working without it: Home shows the user from the one cache.
  await waitForText(page, 'home-greeting', 'Welcome back, John Doe!');
  assert.equal(await page.locator('[data-testid=profile-name]').count(), 0);
  await screenshot(page, '6-version-error');
});
