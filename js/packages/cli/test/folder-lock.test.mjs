// The folder registry's lock holds across the npm tool and the native one: writers of both kinds
// racing on one folder (publish, then deploy, which rewrites deployments.json) lose nothing, and
// of two writers publishing one version with different content exactly one is told it published.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { native, npmTool, requireNativeTool, tempDir } from './tool.mjs';

const rounds = 6;

function manifest(dir, name, version, field) {
  const folder = join(dir, `${name}-${version}-${field}`);
  mkdirSync(folder, { recursive: true });
  const file = join(folder, 'mfstate.json');
  writeFileSync(file, JSON.stringify({
    name, version,
    exports: { user: { type: 'object', properties: { [field]: { type: 'string' } } } },
  }));
  return file;
}

test('node and native writers racing on one folder registry lose nothing', async () => {
  requireNativeTool();
  const dir = tempDir();
  try {
    const registry = join(dir.path, 'registry');
    const writers = [['node-a', npmTool], ['node-b', npmTool], ['native-a', native], ['native-b', native]];
    const published = [];
    await Promise.all(writers.map(async ([app, tool]) => {
      for (let i = 0; i < rounds; i++) {
        const version = `1.0.${i}`;
        let r = await tool(['contracts', 'publish', manifest(dir.path, app, version, 'name'), '--registry', registry, '--json']);
        assert.equal(r.status, 0, r.err);
        r = await tool(['contracts', 'deploy', app, version, '--to', 'production', '--registry', registry]);
        assert.equal(r.status, 0, r.err);
        // Everyone also races to publish shared 9.0.<i> with its own content: one may win.
        r = await tool(['contracts', 'publish', manifest(dir.path, 'shared', `9.0.${i}`, app), '--registry', registry, '--json']);
        if (r.status === 0 && JSON.parse(r.out).published) published.push([`9.0.${i}`, app]);
        else assert.match(r.err, /already_published/);
      }
    }));
    const list = JSON.parse((await native(['registry', 'list', '--registry', registry, '--json'])).out);
    for (const [app] of writers) {
      assert.equal(list.apps[app].length, rounds, `${app}: every version is there`);
      assert.equal(list.environments.production[app], `1.0.${rounds - 1}`, `${app}: its last deployment is there`);
    }
    assert.equal(list.apps.shared.length, rounds);
    assert.equal(published.length, rounds, `one winner per shared version: ${JSON.stringify(published)}`);
    assert.equal(new Set(published.map(([v]) => v)).size, rounds);
  } finally {
    dir.remove();
  }
});
