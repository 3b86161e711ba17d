// Story 3 — the break caught before deploy. Profile 2.0 splits `name` into firstName/lastName.
// Profile's own build runs `npx mfstate contracts check` against the registry, where Home has
// published what it reads: the build fails naming Home and /name, and nothing is built. Profile
// 1.1 (an optional avatarUrl added) passes the same check, and the page runs with it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { mfstate } from '../../scripts/contracts.mjs';
import { appBuildDir, appSourceDir, demoDir } from '../../scripts/paths.mjs';
import { openDemo, screenshot, textOf, useChromium, waitForText } from '../support/demo.mjs';

const browser = useChromium();

/** A fresh folder registry holding what Home's pipeline published. */
async function registryWithHome(t) {
  const registry = await mkdtemp(path.join(os.tmpdir(), 'mfdemo-registry-'));
  t.after(() => rm(registry, { recursive: true, force: true }));
  const published = mfstate(['contracts', 'publish', path.join(appSourceDir('home'), 'mfstate.json'), '--registry', registry]);
  assert.equal(published.status, 0, published.output);
  return registry;
}

/** Runs Profile's build (a variant of it) as its pipeline would, against `registry`. */
function buildProfile(variant, registry) {
  return spawnSync(process.execPath, [path.join(demoDir, 'scripts/build.mjs'), `profile:${variant}`], {
    cwd: demoDir,
    encoding: 'utf8',
    timeout: 180000,
    env: { ...process.env, MFDEMO_REGISTRY: registry },
  });
}

test("Profile 2.0's build fails its contracts check, naming home and /name, and builds nothing", async (t) => {
  const registry = await registryWithHome(t);
  const run = buildProfile('profile-v2', registry);
  const output = `${run.stdout}${run.stderr}`;
  assert.equal(run.status, 1, output);
  assert.match(output, /BREAK\s+home 1\.0\.0 reads export profile\/user at \/name/);
  assert.match(output, /contracts check: apps\/profile\/next\/v2\/mfstate\.json breaks a consumer/);
  assert.equal(existsSync(path.join(appBuildDir('profile-v2'), 'remoteEntry.js')), false);
});

test('Profile 1.1 (an optional field added) passes the same check', async (t) => {
  const registry = await registryWithHome(t);
  const check = mfstate(['contracts', 'check', path.join(appSourceDir('profile'), 'mfstate.json'), '--registry', registry]);
  assert.equal(check.status, 0, check.output);
  assert.match(check.output, /OK: profile 1\.1\.0 is compatible/);
});

test('the page runs with Profile 1.1: Home reads /name from its export', async (t) => {
  const { page, errors } = await openDemo(t, browser());
  await page.locator('[data-remote=profile][data-phase=mounted] .version').filter({ hasText: '1.1.0' }).waitFor();
  await waitForText(page, 'home-profile-export', 'Profile says John Doe');
  assert.match(await textOf(page, 'home-greeting'), /Welcome back, John Doe!/);
  await screenshot(page, '3-profile-1.1-runs');
  assert.deepEqual(errors, []);
});
