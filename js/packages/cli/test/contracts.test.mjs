// The npm build of the `mfstate` tool run as a process under node, as a team's CI runs
// `npx mfstate`: the article's break caught against a folder registry and against `registry
// serve`, the compatible version passing, and the same bytes as the native tool.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join, relative } from 'node:path';
import { manifests, native, npmTool, repo, requireNativeTool, run, serveRegistry, tempDir } from './tool.mjs';

// Registries the article's apps are published to: profile 1.0.0, and home 1.0.0 (which reads
// profile/user's /userId and /name) deployed in production.
async function publishArticle(registry) {
  for (const manifest of [manifests.profileV1, manifests.home]) {
    const r = await npmTool(['contracts', 'publish', manifest, '--registry', registry]);
    assert.equal(r.status, 0, r.err);
  }
  const r = await npmTool(['contracts', 'deploy', 'home', '1.0.0', '--to', 'production', '--registry', registry]);
  assert.equal(r.status, 0, r.err);
}

function expectArticleBreak(r) {
  assert.equal(r.status, 1, `stdout:\n${r.out}\nstderr:\n${r.err}`);
  assert.match(r.out, /BREAK {2}home 1\.0\.0 reads export profile\/user at \/name: /);
  assert.match(r.out, /FAILED: 1 break between profile 2\.0\.0 and home 1\.0\.0/);
}

function expectArticleBreakJson(r) {
  assert.equal(r.status, 1, r.err);
  const out = JSON.parse(r.out);
  assert.equal(out.ok, false);
  assert.equal(out.breaks.length, 1);
  const [b] = out.breaks;
  assert.deepEqual([b.consumer, b.consumer_version, b.producer, b.section, b.name, b.path],
    ['home', '1.0.0', 'profile', 'export', 'user', '/name']);
}

function expectCompatible(r) {
  assert.equal(r.status, 0, `stdout:\n${r.out}\nstderr:\n${r.err}`);
  assert.match(r.out, /OK: profile 1\.1\.0 is compatible with 1 app version\n/);
}

for (const kind of ['folder', 'http']) {
  describe(`npx mfstate contracts against a ${kind} registry`, () => {
    let dir;
    let registry;
    let server;
    before(async () => {
      dir = tempDir();
      registry = join(dir.path, 'registry');
      if (kind === 'http') {
        server = await serveRegistry(registry);
        registry = server.url;
      }
      await publishArticle(registry);
    });
    after(async () => {
      if (server) await server.stop();
      dir.remove();
    });

    test('check of profile 2.0.0 exits 1 naming home and /name', async () => {
      expectArticleBreak(await npmTool(['contracts', 'check', manifests.profileV2, '--registry', registry]));
    });
    test('check --json names the consumer, its version, the export and the path', async () => {
      expectArticleBreakJson(
        await npmTool(['contracts', 'check', manifests.profileV2, '--registry', registry, '--json']));
    });
    test('check of profile 1.1.0 (an optional field added) exits 0', async () => {
      expectCompatible(await npmTool(['contracts', 'check', manifests.profileV1_1, '--registry', registry]));
    });
    test('publish, can-deploy and deploy of the compatible version', async () => {
      let r = await npmTool(['contracts', 'publish', manifests.profileV1_1, '--registry', registry, '--json']);
      assert.equal(r.status, 0, r.err);
      assert.deepEqual(JSON.parse(r.out), { app: 'profile', version: '1.1.0', published: true });
      r = await npmTool(['contracts', 'can-deploy', 'profile', '1.1.0', '--to', 'production', '--registry', registry]);
      assert.equal(r.status, 0, r.out + r.err);
      assert.match(r.out, /against home 1\.0\.0 \(deployed in production\)/);
      r = await npmTool(['contracts', 'deploy', 'profile', '1.1.0', '--to', 'production', '--registry', registry]);
      assert.equal(r.status, 0, r.err);
      r = await npmTool(['registry', 'list', '--registry', registry, '--json']);
      assert.equal(r.status, 0, r.err);
      assert.deepEqual(JSON.parse(r.out).environments, { production: { home: '1.0.0', profile: '1.1.0' } });
    });
    test('publishing other content under a published version exits 2 and changes nothing', async () => {
      const dir2 = tempDir();
      try {
        // profile 2.0.0's manifest, relabelled 1.0.0 (already published with the old schema).
        const { readFileSync, writeFileSync, cpSync } = await import('node:fs');
        cpSync(join(manifests.profileV2, '..'), dir2.path, { recursive: true });
        const file = join(dir2.path, 'mfstate.json');
        writeFileSync(file, readFileSync(file, 'utf8').replace('"2.0.0"', '"1.0.0"'));
        const r = await npmTool(['contracts', 'publish', file, '--registry', registry]);
        assert.equal(r.status, 2, r.out);
        assert.match(r.err, /already_published/);
        expectArticleBreak(await npmTool(['contracts', 'check', manifests.profileV2, '--registry', registry]));
      } finally {
        dir2.remove();
      }
    });
  });
}

describe('npx mfstate prints what the native tool prints, byte for byte', () => {
  let dir;
  let registry;
  before(async () => {
    requireNativeTool();
    dir = tempDir();
    registry = join(dir.path, 'registry');
    await publishArticle(registry);
  });
  after(() => dir?.remove());

  // Paths relative to the repository, as a CI job in a checkout passes them.
  const rel = (p) => relative(repo, p);
  const cases = () => {
    const list = [];
    for (const m of Object.values(manifests)) {
      for (const json of [[], ['--json']]) list.push(['contracts', 'check', rel(m), '--registry', registry, ...json]);
    }
    const schema = (v) => rel(join(manifests.profileV1, '..', '..', v, 'schemas', 'user.json'));
    for (const json of [[], ['--json']]) {
      list.push(['contracts', 'diff', rel(manifests.profileV1), rel(manifests.profileV2), ...json]);
      list.push(['contracts', 'diff', rel(manifests.profileV1), rel(manifests.profileV1_1), ...json]);
      list.push(['contracts', 'diff', rel(manifests.profileV1_1), rel(manifests.profileV1), ...json]);
      list.push(['contracts', 'diff', schema('v1'), schema('v2'), ...json]);
      list.push(['contracts', 'diff', schema('v1'), schema('v1.1'), '--role', 'consumer', ...json]);
      list.push(['contracts', 'can-deploy', 'home', '1.0.0', '--to', 'production', '--registry', registry, ...json]);
      list.push(['contracts', 'can-deploy', 'profile', '1.0.0', '--to', 'production', '--registry', registry, ...json]);
      list.push(['registry', 'list', '--registry', registry, ...json]);
      list.push(['key', 'https://api.example.com/api/users/me?b=2&a=1', '-p', 'page=3', '-p', 'tag=x', '-p', 'tag=y', ...json]);
      // Failures: a missing manifest, malformed arguments, an unpublished version.
      list.push(['contracts', 'check', 'examples/contracts/none/mfstate.json', '--registry', registry, ...json]);
      list.push(['contracts', 'can-deploy', 'profile', '9.9.9', '--to', 'production', '--registry', registry, ...json]);
      list.push(['key', '/api/x', '-p', 'novalue', ...json]);
    }
    return list;
  };

  test('on every contracts command over examples/contracts, and key', async () => {
    const list = cases();
    // Two at a time (the machine has two cores); every command only reads the registry.
    const runs = [];
    for (let i = 0; i < list.length; i += 2) {
      const batch = list.slice(i, i + 2);
      runs.push(...await Promise.all(batch.map(async (args) => [args, await npmTool(args), await native(args)])));
    }
    for (const [args, mine, theirs] of runs) {
      const what = `mfstate ${args.join(' ')}`;
      assert.equal(mine.out, theirs.out, `${what}: stdout differs`);
      assert.equal(mine.err, theirs.err, `${what}: stderr differs`);
      assert.equal(mine.status, theirs.status, `${what}: exit status differs`);
    }
    assert.ok(list.length >= 30);
  });
});

test('npx runs this tool: the workspace\'s node_modules/.bin/mfstate is bin/mfstate.mjs', async () => {
  requireNativeTool();
  // npx resolves a local bin to node_modules/.bin; run that link itself (npx would ask the registry
  // for a package named "mfstate" if the link were missing).
  const args = ['key', '/api/users/me', '-p', 'include=roles', '--json'];
  const [viaBin, theirs] = [await run(join(repo, 'js', 'node_modules', '.bin', 'mfstate'), args), await native(args)];
  assert.equal(viaBin.status, 0, viaBin.err);
  assert.equal(viaBin.out, theirs.out);
});
