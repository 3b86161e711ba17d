// The limits of the tool's HTTP client under node (lib/http-bridge.mjs and its worker), the same
// as the native transport's: one deadline for the whole exchange, which an honest slow link
// stretches by the bytes it moves at the minimum rate and a dripping or silent server cannot,
// and a bound on the answer's size counted as it arrives. Plus the registries this build
// refuses, with a clear error.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Failure, requestSync } from '../lib/http-bridge.mjs';
import { manifests, native, npmTool, serveFixture, tempDir } from './tool.mjs';

// Starts fixtures/hostile-server.mjs in `mode`; resolves {url, stop()} once it printed its port.
const hostile = (mode) => serveFixture('hostile-server.mjs', [mode]);

const request = (url, limits) => requestSync({
  method: 'GET', url, headers: [], body: new Uint8Array(0), timeoutMs: 6000, maxBytes: 64 << 20, ...limits,
});

describe('the HTTP bridge', () => {
  const servers = {};
  before(async () => {
    for (const mode of ['huge', 'drip', 'silent', 'redirect', 'slow', 'slow-reader']) servers[mode] = await hostile(mode);
  });
  after(async () => {
    for (const s of Object.values(servers)) await s.stop();
  });

  test('a server that drips a byte every 50 ms is cut at the deadline', () => {
    const start = process.hrtime.bigint();
    const answer = request(servers.drip.url, { timeoutMs: 400 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    assert.equal(answer.failure, Failure.Timeout);
    assert.ok(ms < 3000, `took ${ms} ms`);
  });

  // The deadline grows with the bytes moved, at minRate (as the native transport's).
  const timed = (url, limits) => {
    const start = process.hrtime.bigint();
    const answer = request(url, limits);
    return { answer, ms: Number(process.hrtime.bigint() - start) / 1e6 };
  };

  test('a large answer over a slow link finishes past the timeout, by its rate', () => {
    // 64 KiB in 8 KiB pieces 50 ms apart: 350 ms, past a fixed 200 ms; each piece earns 125 ms.
    const { answer, ms } = timed(`${servers.slow.url}/?every=50`, { timeoutMs: 200, minRate: 64 << 10 });
    assert.equal(answer.status, 200, answer.message);
    assert.equal(answer.body.length, 64 << 10);
    assert.ok(ms >= 340, `took ${ms} ms`);
  });

  test('without a rate the same slow answer is cut at the fixed timeout', () => {
    const { answer, ms } = timed(`${servers.slow.url}/?every=50`, { timeoutMs: 200, minRate: 0 });
    assert.equal(answer.failure, Failure.Timeout);
    assert.match(answer.message, /^timed out reading the answer, \d+ bytes moved$/);
    assert.ok(ms < 2000, `took ${ms} ms`);
  });

  test('a server dripping below the rate is cut soon after the timeout', () => {
    // A byte every 50 ms: each earns 15 microseconds at 64 KiB/s.
    const { answer, ms } = timed(servers.drip.url, { timeoutMs: 200, minRate: 64 << 10 });
    assert.equal(answer.failure, Failure.Timeout);
    assert.match(answer.message, /^timed out reading the answer, \d+ bytes moved$/);
    assert.ok(ms >= 190 && ms < 2000, `took ${ms} ms`);
  });

  test('a large request to a slow reader finishes past the timeout, by its rate', () => {
    // 512 KiB taken a read (at most 64 KiB) at a time, 50 ms apart: 350 ms at least; what the
    // worker has sent earns its time (64 KiB: 1 s at 64 KiB/s).
    const body = new Uint8Array(512 << 10).fill(0x6d);
    const { answer, ms } = timed(servers['slow-reader'].url, { method: 'PUT', body, timeoutMs: 200, minRate: 64 << 10 });
    assert.equal(answer.status, 201, answer.message);
    assert.equal(new TextDecoder().decode(answer.body), `{"bytes":${512 << 10}}`);
    assert.ok(ms >= 340, `took ${ms} ms`);
  });

  test("the bridge waits as long as the worker's deadline has grown, past timeout + 1 s", () => {
    // 1.4 s of pieces 200 ms apart, each earning 500 ms at 16 KiB/s, against a 100 ms timeout:
    // a guard of timeoutMs + 1 s would give up on a worker that is still receiving.
    const { answer, ms } = timed(`${servers.slow.url}/?every=200`, { timeoutMs: 100, minRate: 16 << 10 });
    assert.equal(answer.status, 200, answer.message);
    assert.equal(answer.body.length, 64 << 10);
    assert.ok(ms >= 1300, `took ${ms} ms`);
  });

  // A deadline already passed when the worker takes the request (timeoutMs 0 or less, or not a
  // number): a timeout at once, and nothing goes out. A request left running in the worker after
  // its answer was given would still reach the server (a publish the caller was told timed out).
  test('a request whose deadline has passed before it starts is never sent', async () => {
    const counting = await hostile('redirect');  // its own: the redirect test counts visits too
    try {
      for (const timeoutMs of [0, -1, Number.NaN]) {
        const answer = request(`${counting.url}/elsewhere/late`, { timeoutMs, minRate: 0 });
        assert.equal(answer.failure, Failure.Timeout, String(timeoutMs));
      }
      // A request sent after them reaches the server after anything they let out.
      assert.equal(request(`${counting.url}/elsewhere/on-time`).status, 200);
      assert.equal(new TextDecoder().decode(request(`${counting.url}/visits`).body), '1');
    } finally {
      await counting.stop();
    }
  });

  test('a server that never answers is cut at the deadline', () => {
    assert.equal(request(servers.silent.url, { timeoutMs: 200 }).failure, Failure.Timeout);
  });

  test('an answer over the size bound is refused, not buffered', () => {
    assert.equal(request(servers.huge.url, { maxBytes: 1 << 20 }).failure, Failure.TooLarge);
  });

  test('an answer within the bound arrives whole', () => {
    const answer = request(servers.huge.url, { maxBytes: 66 << 20 });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.length, 65 << 20);
  });

  test('nobody listening is a connection error', async () => {
    const closed = await hostile('silent');
    await closed.stop();
    assert.equal(request(closed.url).failure, Failure.Unreachable);
  });

  test('the tool reports an oversized registry answer with exit 2, as the native tool does', async () => {
    const args = ['contracts', 'check', manifests.profileV2, '--registry', servers.huge.url];
    const [mine, theirs] = [await npmTool(args), await native(args)];
    assert.equal(mine.status, 2, mine.out);
    assert.match(mine.err, /size_limit/);
    assert.equal(mine.err, theirs.err);
  });

  test('a redirect is not followed: exit 2, as the native tool, and the token goes nowhere else', async () => {
    const env = { ...process.env, MFSTATE_REGISTRY_TOKEN: 'mfs_x' };
    const args = ['contracts', 'check', manifests.profileV2, '--registry', servers.redirect.url];
    const [mine, theirs] = [await npmTool(args, { env }), await native(args, { env })];
    assert.equal(mine.status, 2, mine.out);
    assert.match(mine.err, /answered HTTP 307/);
    assert.equal(mine.err, theirs.err);
    assert.equal(request(`${servers.redirect.url}/visits`).status, 200);
    assert.equal(new TextDecoder().decode(request(`${servers.redirect.url}/visits`).body), '0');
  });
});

describe('registries the npm build refuses', () => {
  test('a SQLite file: exit 2, saying to serve it and pass the URL', async () => {
    const dir = tempDir();
    try {
      const r = await npmTool(['contracts', 'publish', manifests.home, '--registry', join(dir.path, 'r.sqlite')]);
      assert.equal(r.status, 2);
      assert.match(r.err, /not SQLite files or PostgreSQL; serve the registry with the native `mfstate registry serve`/);
    } finally {
      dir.remove();
    }
  });

  test('registry serve: exit 2, pointing to the native tool', async () => {
    const dir = tempDir();
    try {
      const r = await npmTool(['registry', 'serve', '--listen', '127.0.0.1:0', '--registry', dir.path]);
      assert.equal(r.status, 2);
      assert.match(r.err, /`mfstate registry serve` needs the native mfstate tool/);
    } finally {
      dir.remove();
    }
  });
});
