// The demo's own machinery: the static server (root confinement, CORS, the /api proxy) and the
// process handling every story relies on (ready lines, bounded waits, stopping by pid).
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startProcess } from '../scripts/processes.mjs';
import { serveStatic } from '../scripts/serve-static.mjs';

async function tempDir(t) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mfdemo-harness-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function served(t, options) {
  const { server, origin } = await serveStatic(options);
  t.after(() => new Promise((resolve) => {
    server.close(resolve);
    server.closeAllConnections();
  }));
  return origin;
}

/** A raw GET, so that "../" reaches the server as written (fetch would normalise it away). */
function rawGet(origin, target) {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: target, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('the static server serves its root with CORS open and no caching', async (t) => {
  const root = await tempDir(t);
  await writeFile(path.join(root, 'remoteEntry.js'), 'var home;');
  const origin = await served(t, { root });
  const res = await fetch(`${origin}/remoteEntry.js`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  assert.match(res.headers.get('content-type'), /^text\/javascript/);
  assert.equal(await res.text(), 'var home;');
  assert.equal((await fetch(`${origin}/missing.js`)).status, 404);
});

test('the static server never serves a file outside its root', async (t) => {
  const dir = await tempDir(t);
  const root = path.join(dir, 'root');
  await mkdir(root);
  await writeFile(path.join(dir, 'secret.txt'), 'secret');
  const origin = await served(t, { root });
  for (const target of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/a/../../secret.txt']) {
    const res = await rawGet(origin, target);
    assert.notEqual(res.status, 200, target);
    assert.doesNotMatch(res.body, /secret$/, target);
  }
});

test('the static server proxies a prefix to another origin, method, body and status included', async (t) => {
  const root = await tempDir(t);
  const seen = [];
  const upstream = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, body });
      res.writeHead(418, { 'Content-Type': 'application/json' });
      res.end('{"ok":false}');
    });
  });
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => upstream.close(resolve)));
  const origin = await served(t, { root, proxies: { '/api': `http://127.0.0.1:${upstream.address().port}` } });
  const res = await fetch(`${origin}/api/users/me?x=1`, { method: 'PATCH', body: '{"name":"Jane"}' });
  assert.equal(res.status, 418);
  assert.deepEqual(await res.json(), { ok: false });
  assert.deepEqual(seen, [{ method: 'PATCH', url: '/api/users/me?x=1', body: '{"name":"Jane"}' }]);
  // A path that merely starts with the same letters is not proxied.
  assert.equal((await fetch(`${origin}/apiary`)).status, 404);
});

test('the static server answers 502 when the proxied origin is down', async (t) => {
  const root = await tempDir(t);
  // A port nobody listens on: bind one, then close it.
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const origin = await served(t, { root, proxies: { '/api': `http://127.0.0.1:${port}` } });
  assert.equal((await fetch(`${origin}/api/users/me`)).status, 502);
});

test('a process that exits before its ready line is an error carrying its output', async () => {
  await assert.rejects(
    startProcess('quitter', process.execPath, ['-e', 'console.log("no luck"); process.exit(3)'], { ready: /^ready$/ }),
    (error) => /quitter: exited \(code 3\) before it was ready/.test(error.message) && /no luck/.test(error.message),
  );
});

test('a process that never says it is ready is stopped after the bounded wait', async () => {
  let pid;
  await assert.rejects(
    startProcess('sleeper', process.execPath, ['-e', 'console.log(process.pid); setInterval(() => {}, 1000)'], {
      ready: /^ready$/,
      timeoutMs: 1500,
    }),
    (error) => {
      pid = Number(error.message.match(/--- its output ---\n(\d+)/)?.[1]);
      return /not ready after 1500 ms/.test(error.message);
    },
  );
  assert.ok(pid > 0);
  assert.equal(alive(pid), false);
});

test('stop() ends the process by its pid, with SIGKILL when SIGTERM is ignored', async () => {
  const stubborn = 'process.on("SIGTERM", () => {}); console.log("ready"); setInterval(() => {}, 1000)';
  const { handle } = await startProcess('stubborn', process.execPath, ['-e', stubborn], { ready: /^ready$/ });
  assert.equal(alive(handle.pid), true);
  await handle.stop(300);
  assert.equal(alive(handle.pid), false);
  await handle.stop(); // twice is harmless
});
