// The limits of the tool's HTTP client under node (lib/http-bridge.mjs and its worker), the same
// as the native client's: connection and read timeouts, a deadline for the whole exchange that a
// dripping server cannot stretch, and a bound on the answer's size. Plus the registries this
// build refuses, with a clear error.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HttpError, requestSync } from '../lib/http-bridge.mjs';
import { manifests, npmTool, packageDir, tempDir } from './tool.mjs';

// Starts fixtures/hostile-server.mjs in `mode`; resolves {url, stop()} once it printed its port.
function hostile(mode) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(packageDir, 'test', 'fixtures', 'hostile-server.mjs'), mode],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('no port in 10 s')); }, 10000);
    child.stdout.once('data', (c) => {
      clearTimeout(timer);
      const stop = () => new Promise((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      });
      resolve({ url: `http://127.0.0.1:${String(c).trim()}`, stop });
    });
  });
}

const request = (url, limits) => requestSync({
  method: 'GET', url, headers: [], body: new Uint8Array(0),
  connectMs: 2000, readMs: 2000, writeMs: 2000, totalMs: 6000, maxBytes: 64 << 20, ...limits,
});

describe('the HTTP bridge', () => {
  const servers = {};
  before(async () => {
    for (const mode of ['huge', 'drip', 'silent']) servers[mode] = await hostile(mode);
  });
  after(async () => {
    for (const s of Object.values(servers)) await s.stop();
  });

  test('a server that drips a byte within every read timeout is cut at the deadline', () => {
    const start = process.hrtime.bigint();
    const answer = request(servers.drip.url, { readMs: 1000, totalMs: 400 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    assert.deepEqual(answer, { error: HttpError.Read });
    assert.ok(ms < 3000, `took ${ms} ms`);
  });

  test('a server that never answers is cut at the read timeout', () => {
    assert.deepEqual(request(servers.silent.url, { readMs: 200, totalMs: 5000 }), { error: HttpError.Read });
  });

  test('an answer over the size bound is refused, not buffered', () => {
    assert.deepEqual(request(servers.huge.url, { maxBytes: 1 << 20 }), { error: HttpError.Canceled });
  });

  test('an answer within the bound arrives whole', () => {
    const answer = request(servers.huge.url, { maxBytes: 66 << 20 });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.length, 65 << 20);
  });

  test('nobody listening is a connection error', async () => {
    const closed = await hostile('silent');
    await closed.stop();
    assert.deepEqual(request(closed.url), { error: HttpError.Connection });
  });

  test('the tool reports an oversized registry answer with exit 2', async () => {
    const r = await npmTool(['contracts', 'check', manifests.profileV2, '--registry', servers.huge.url]);
    assert.equal(r.status, 2, r.out);
    assert.match(r.err, /^mfstate: error \(io_error\): registry http:\/\/127\.0\.0\.1:\d+ unreachable \(GET \/v1\/apps\)/);
  });
});

describe('registries the npm build refuses', () => {
  test('a SQLite file: exit 2, saying to serve it and pass the URL', async () => {
    const dir = tempDir();
    try {
      const r = await npmTool(['contracts', 'publish', manifests.home, '--registry', join(dir.path, 'r.sqlite')]);
      assert.equal(r.status, 2);
      assert.match(r.err, /not SQLite files; serve the file with the native `mfstate registry serve`/);
    } finally {
      dir.remove();
    }
  });

  test('registry serve: exit 2, pointing to the native tool', async () => {
    const dir = tempDir();
    try {
      const r = await npmTool(['registry', 'serve', '--listen', '127.0.0.1:0', '--registry', dir.path]);
      assert.equal(r.status, 2);
      assert.match(r.err, /`mfstate registry serve` needs the native tool/);
    } finally {
      dir.remove();
    }
  });
});
