// Hostile input to the npm tool: contract files, a folder registry's contents and an http
// registry's answers written by an attacker. Each attempt must end as the native tool ends it:
// exit 2 with one line naming what is wrong, nothing changed; never a hang, a crash, a stack trace
// or an exit status of 1 (which CI reads as "a contract breaks").
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, lstatSync, readFileSync, readdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bin, manifests, native, npmTool, requireNativeTool, run, serveFixture, tempDir } from './tool.mjs';

// Every run is bounded: a hang fails the test instead of holding the suite.
const bounded = { timeoutMs: 20000 };
const both = async (args, options = {}) =>
  [await npmTool(args, { ...bounded, ...options }), await native(args, { ...bounded, ...options })];

// Exit 2, one line on stderr naming the error's code, no JavaScript stack trace, and the native
// tool's bytes.
function refusedAlike([mine, theirs], pattern) {
  const what = `stdout:\n${mine.out}\nstderr:\n${mine.err}`;
  assert.equal(mine.status, 2, what);
  assert.match(mine.err, /^mfstate: error \([a-z0-9_]+\): [^\n]*\n$/, what);
  if (pattern) assert.match(mine.err, pattern, what);
  assert.equal(mine.err, theirs.err);
  assert.equal(mine.out, theirs.out);
  assert.equal(mine.status, theirs.status);
}

const mkfifo = (path) => {
  const r = spawnSync('mkfifo', [path]);
  assert.equal(r.status, 0, String(r.stderr));
};

// Every entry under `root`, with its kind and content: what "changes nothing" compares.
function snapshot(root) {
  const out = {};
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const info = lstatSync(path);
      if (info.isDirectory()) {
        out[path] = 'folder';
        walk(path);
      } else {
        out[path] = info.isFile() ? readFileSync(path, 'utf8') : `kind ${info.mode & 0o170000}`;
      }
    }
  };
  walk(root);
  return out;
}

describe('a hostile contract file', () => {
  let dir;
  before(() => {
    requireNativeTool();
    dir = tempDir();
  });
  after(() => dir?.remove());

  const good = () => join(dir.path, 'good.json');
  const file = (name, text) => {
    const path = join(dir.path, name);
    writeFileSync(path, text);
    return path;
  };
  const deep = (n) => '['.repeat(n) + ']'.repeat(n);

  const cases = {
    'truncated JSON': ['{"type": "object", "properties": {"a": {"type": "str', /invalid_json.*incomplete JSON/],
    'an empty file': ['', /invalid_json/],
    'JSON nested 100000 levels deep': [deep(100000), /depth_limit/],
    'a number beyond a double': ['{"type": "string", "maxLength": 1e400}', /beyond the range of a double/],
    'invalid UTF-8': [Buffer.from('{"type": "string", "description": "\xff"}', 'latin1'), /invalid_utf8/],
    'a lone surrogate escape': ['{"type": "string", "description": "\\udc00"}', /invalid_json.*surrogate/],
    'a keyword of the wrong type': ['{"type": 7}', /invalid_schema.*"type"/],
    'a negative huge bound': ['{"type": "string", "maxLength": -1e300}', /invalid_schema.*maxLength/],
    'an array for a schema': ['[]', /invalid_schema/],
  };
  for (const [name, [text, pattern]] of Object.entries(cases)) {
    test(`diff of ${name}: exit 2 as the native tool`, async () => {
      writeFileSync(good(), '{"type": "string"}');
      const path = file(`${name.replaceAll(' ', '-')}.json`, text);
      refusedAlike(await both(['contracts', 'diff', path, good()]), pattern);
    });
  }

  const manifestCases = {
    'a name of the wrong type': ['{"name": 7, "version": "1.0.0"}', /schema_violation/],
    'a path for a name': ['{"name": "../../x", "version": "1.0.0"}', /schema_violation.*not an app name/],
    'a path for a version': ['{"name": "x", "version": "1.0.0/../../y"}', /schema_violation.*not a semantic version/],
    'exports of the wrong type': ['{"name": "x", "version": "1.0.0", "exports": "x"}', /schema_violation/],
    'reads of the wrong type': ['{"name": "x", "version": "1.0.0", "reads": []}', /schema_violation/],
    'a read that is no app/export': ['{"name": "x", "version": "1.0.0", "reads": {"y": {}}}', /schema_violation/],
    'a schema file that does not exist': ['{"name": "x", "version": "1.0.0", "exports": {"u": "none.json"}}', /no such file/],
    'a schema file that is a folder': ['{"name": "x", "version": "1.0.0", "exports": {"u": "."}}', /is a folder/],
    'a schema file that is /dev/zero': ['{"name": "x", "version": "1.0.0", "exports": {"u": "/dev/zero"}}', /not a regular file/],
  };
  for (const [name, [text, pattern]] of Object.entries(manifestCases)) {
    test(`publish of a manifest with ${name}: exit 2 as the native tool, no registry written`, async () => {
      const path = file(`m-${name.replaceAll(' ', '-').replaceAll('/', '-')}.json`, text);
      const registry = join(dir.path, 'never');
      refusedAlike(await both(['contracts', 'publish', path, '--registry', registry]), pattern);
      assert.throws(() => lstatSync(registry), /ENOENT/);
    });
  }

  // Node's fs drops O_NONBLOCK (emscripten's NODERAWFS), so opening a FIFO for reading waited
  // for a writer that never comes: the npm tool hung where the native one refused at once.
  test('a FIFO for a contract file or a schema file: exit 2 at once, not a hang', async () => {
    const fifo = join(dir.path, 'fifo.json');
    mkfifo(fifo);
    writeFileSync(good(), '{"type": "string"}');
    refusedAlike(await both(['contracts', 'diff', fifo, good()]), /not a regular file/);
    const m = file('m-fifo.json', '{"name": "x", "version": "1.0.0", "exports": {"u": "fifo.json"}}');
    refusedAlike(await both(['contracts', 'check', m, '--registry', join(dir.path, 'reg')]), /not a regular file/);
  });

  test('a file one byte past 64 MiB (sparse): exit 2, size_limit', async () => {
    const huge = file('huge.json', '');
    truncateSync(huge, (64 << 20) + 1);
    writeFileSync(good(), '{"type": "string"}');
    refusedAlike(await both(['contracts', 'diff', huge, good()]), /size_limit/);
  });

  // Each schema file is bounded, but a manifest could name the same (or many) files again and
  // again: 80 references to a 1 MiB schema read 80 MiB, and a few hundred to a larger one took
  // the native tool's memory past what the machine has (40 references to an 8 MB file of small
  // numbers: 5 GB) and the npm tool's to std::bad_alloc.
  test('a manifest whose schema files together pass 64 MiB: exit 2, size_limit, as natively', async () => {
    file('big-schema.json', JSON.stringify({ type: 'string', description: 'x'.repeat(1 << 20) }));
    const exports = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`e${i}`, 'big-schema.json']));
    const m = file('m-many.json', JSON.stringify({ name: 'x', version: '1.0.0', exports }));
    refusedAlike(await both(['contracts', 'diff', m, m]), /size_limit.*m-many\.json.*schema files/);
  });

  // Any failure of the WebAssembly itself (here V8's stack, made small) ended in emscripten's
  // "exiting due to exception" and exit status 1, which reads as "a contract breaks".
  test('a crash of the WebAssembly tool is exit 2 with one line, never exit 1', async () => {
    // JSON 510 deep (the parser's limit is 512): fine at node's default stack, and past 70 KB.
    const k = 509;
    const a = file('deep-a.json', `{"type": "array", "const": ${deep(k)}}`);
    const r = await run(process.execPath, ['--stack-size=70', bin, 'contracts', 'diff', a, a], bounded);
    assert.equal(r.status, 2, `stdout:\n${r.out}\nstderr:\n${r.err}`);
    assert.match(r.err, /^mfstate: error: the WebAssembly tool failed \(RangeError: Maximum call stack size exceeded\)\n$/);
  });
});

describe('a hostile folder registry', () => {
  let dir;
  let pristine;
  before(async () => {
    requireNativeTool();
    dir = tempDir();
    pristine = join(dir.path, 'pristine');
    for (const m of [manifests.home, manifests.profileV1]) {
      const r = await native(['contracts', 'publish', m, '--registry', pristine]);
      assert.equal(r.status, 0, r.err);
    }
    const r = await native(['contracts', 'deploy', 'home', '1.0.0', '--to', 'production', '--registry', pristine]);
    assert.equal(r.status, 0, r.err);
  });
  after(() => dir?.remove());

  // A fresh copy of the registry with `plant` done to it.
  let round = 0;
  const planted = (plant) => {
    const registry = join(dir.path, `reg-${round++}`);
    cpSync(pristine, registry, { recursive: true });
    plant(registry);
    return registry;
  };

  const fifos = {
    'deployments.json': ['registry', 'list'],
    'home/2.0.0.json': ['contracts', 'can-deploy', 'home', '2.0.0', '--to', 'production'],
    '.lock': ['contracts', 'deploy', 'home', '1.0.0', '--to', 'staging'],
  };
  for (const [where, args] of Object.entries(fifos)) {
    test(`a FIFO as ${where}: exit 2, not a hang`, async () => {
      const reg = planted((r) => {
        rmSync(join(r, where), { force: true });
        mkfifo(join(r, where));
      });
      const before = snapshot(reg);
      const mine = await npmTool([...args, '--registry', reg], bounded);
      assert.equal(mine.status, 2, mine.out + mine.err);
      if (where === '.lock') {
        // Natively a lock nobody can read is waited for, then broken once stale; the npm tool
        // cannot tell its holder either, and waits the lock's timeout.
        assert.match(mine.err, /locked by another writer/);
      } else {
        assert.match(mine.err, /is not a regular file \(a device, FIFO or socket\); refusing to read it\n$/);
        assert.equal(mine.err, (await native([...args, '--registry', reg], bounded)).err);
      }
      assert.deepEqual(snapshot(reg), before);
    });
  }

  test('names that climb out of the folder: exit 2, nothing written anywhere', async () => {
    const reg = planted(() => {});
    const before = snapshot(dir.path);
    for (const args of [
      ['../../x', '1.0.0', '--to', 'production'],
      ['home', '../../../x', '--to', 'production'],
      ['home', '1.0.0', '--to', '../../x'],
      ['..', '1.0.0', '--to', 'production'],
      ['home', '1.0.0', '--to', 'deployments.json'],
    ]) {
      refusedAlike(await both(['contracts', 'deploy', ...args, '--registry', reg]), /invalid_argument/);
    }
    assert.deepEqual(snapshot(dir.path), before);
  });

  const corrupt = {
    'a truncated manifest': ['home/1.0.0.json', '{"name": "home"', /invalid_json/],
    "another app's manifest": ['home/1.0.0.json', null, /holds profile@1\.0\.0 instead/],
    'a manifest naming a schema file': ['home/1.0.0.json',
      '{"name": "home", "version": "1.0.0", "exports": {"u": "/etc/passwd"}}', /no loader was given/],
    'malformed deployments': ['deployments.json', '{"environments": ', /deployments\.json: malformed JSON/],
    'deployments of the wrong shape': ['deployments.json', '[]', /deployments\.json: expected/],
  };
  for (const [name, [where, text, pattern]] of Object.entries(corrupt)) {
    test(`${name}: check exits 2 naming it, as the native tool`, async () => {
      const reg = planted((r) => writeFileSync(join(r, where), text ?? readFileSync(join(r, 'profile', '1.0.0.json'))));
      refusedAlike(await both(['contracts', 'check', manifests.profileV2, '--registry', reg]), pattern);
    });
  }

  test('a link for an app folder: exit 2, as the native tool', async () => {
    const reg = planted((r) => symlinkSync(dir.path, join(r, 'cart')));
    refusedAlike(await both(['registry', 'list', '--registry', reg]), /cart is not a plain folder or file/);
  });

  // deploy rewrote deployments.json around an environment that is not {app: version}: a
  // type_error naming no file when it was not an object, and a rewrite that kept the corrupt
  // entries (which every later read refuses) when they were.
  for (const [name, env] of Object.entries({
    'a string': '"x"',
    'an array': '[1]',
    'an entry that is not app: version': '{"../x": "1.0.0"}',
    'a version that is not a string': '{"home": 7}',
  })) {
    test(`deploy into an environment that is ${name}: exit 2 naming deployments.json, nothing written`, async () => {
      const text = `{"environments": {"production": ${env}}}`;
      const reg = planted((r) => writeFileSync(join(r, 'deployments.json'), text));
      const before = snapshot(reg);
      refusedAlike(await both(['contracts', 'deploy', 'home', '1.0.0', '--to', 'production', '--registry', reg]),
        /registry .*: deployments\.json: environment "production" /);
      assert.deepEqual(snapshot(reg), before);
    });
  }
});

// Starts fixtures/raw-server.mjs answering `answer` (bytes, head included) to every request.
function rawServer(answer, dir) {
  const file = join(dir, `answer-${Math.random().toString(16).slice(2)}`);
  writeFileSync(file, answer);
  return serveFixture('raw-server.mjs', [file]);
}

const answer = (body, { status = '200 OK', head = '' } = {}) => {
  const bytes = Buffer.from(body, 'latin1');
  return Buffer.concat([Buffer.from(`HTTP/1.1 ${status}\r\n${head}Content-Length: ${bytes.length}\r\n\r\n`, 'latin1'), bytes]);
};

describe('a hostile http registry', () => {
  let dir;
  before(() => {
    requireNativeTool();
    dir = tempDir();
  });
  after(() => dir?.remove());

  // The same answer to both tools: exit 2 and the same line.
  const alike = {
    'an HTML page': [answer('<html>hello</html>', { head: 'Content-Type: text/html\r\n' }), /malformed JSON/],
    'JSON nested 100000 levels deep': [answer('['.repeat(100000) + ']'.repeat(100000)), /nests deeper than the limit/],
    'a number beyond a double': [answer('{"apps": [1e999]}'), /beyond the range of a double/],
    'invalid UTF-8': [answer('{"apps": ["\xff"]}'), /invalid UTF-8/],
    'a lone surrogate escape': [answer('{"apps": ["\\ud800"]}'), /malformed JSON/],
    'a path for an app name': [answer('{"apps": ["../../x"]}'), /unexpected answer to GET apps/],
    'apps of the wrong type': [answer('{"apps": {"a": 1}}'), /unexpected answer to GET apps/],
    'a status no server sends': [answer('{"apps": []}', { status: '999 Odd' }), /answered HTTP 999/],
    'an error whose message holds terminal escapes': [answer('{"error": {"code": "forbidden", "message": "x\\u001b[2J\\u202e"}}',
      { status: '403 Forbidden' }), /\(forbidden\): x\\x1b\[2J\\u202e\n$/],
  };
  for (const [name, [bytes, pattern]] of Object.entries(alike)) {
    test(`${name}: exit 2 as the native tool`, async () => {
      const server = await rawServer(bytes, dir.path);
      try {
        refusedAlike(await both(['registry', 'list', '--registry', server.url]), pattern);
      } finally {
        await server.stop();
      }
    });
  }

  // Framing errors: node's parser and the native one word them differently; both exit 2.
  const framing = {
    'a body shorter than its Content-Length': 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"apps": [',
    'two Content-Lengths': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
    'Content-Length beside chunked': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
    'bare line feeds': 'HTTP/1.1 200 OK\nContent-Length: 2\n\n{}',
    'a control character in a header': 'HTTP/1.1 200 OK\r\nX-A: a\x01b\r\nContent-Length: 2\r\n\r\n{}',
    'not HTTP at all': 'garbage\r\n\r\n',
    'nothing': '',
    'a head of 100 KB': `HTTP/1.1 200 OK\r\n${'X-H: v\r\n'.repeat(12800)}Content-Length: 2\r\n\r\n{}`,
    // Switching protocols, not asked for: node drops the socket without an error, and the
    // worker waited out the whole 10 s deadline before it said "timed out".
    'a 101 Switching Protocols': 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n',
  };
  for (const [name, text] of Object.entries(framing)) {
    test(`${name}: exit 2 saying the answer is malformed, as the native tool exits`, async () => {
      const server = await rawServer(Buffer.from(text, 'latin1'), dir.path);
      try {
        const [mine, theirs] = await both(['registry', 'list', '--registry', server.url]);
        assert.equal(mine.status, 2, mine.out + mine.err);
        assert.equal(theirs.status, 2, theirs.out + theirs.err);
        assert.match(mine.err, /^mfstate: error \(io_error\): registry http:\/\/127\.0\.0\.1:\d+ \(GET \/v1\/apps\): [^\n]+\n$/);
        assert.doesNotMatch(mine.err, /no complete answer within/);
      } finally {
        await server.stop();
      }
    });
  }
});

// The npm tool handed node's URL parser what the native transport refuses: credentials went out
// as Basic auth (where the native tool says to use MFSTATE_REGISTRY_TOKEN), a space was escaped
// and sent; a bad port or host failed as "unreachable". Now both refuse alike.
describe('a registry URL the native tool refuses', () => {
  let dir;
  let server;
  before(async () => {
    requireNativeTool();
    dir = tempDir();
    server = await rawServer(answer('{"apps": [], "environments": []}'), dir.path);
  });
  after(async () => {
    await server?.stop();
    dir?.remove();
  });

  for (const [name, url, pattern] of [
    ['credentials', (u) => u.replace('http://', 'http://user:secret@'), /credentials in the URL are not accepted/],
    ['a space', (u) => `${u}/a b`, /a space or control character in the URL/],
    ['a port that is not a number', (u) => `${u}x`, /a port that is not a number/],
    ['an unclosed bracket', () => 'http://[::1/', /an unclosed \[ in the host/],
    ['a host with a space', () => 'http://ex ample.com/', /a host name with characters hosts do not have/],
    // The API's paths are appended to the URL: after "#" they went nowhere (every request to "/").
    ['a fragment', (u) => `${u}/#secret`, /a registry URL has no \?query or #fragment/],
    ['a query', (u) => `${u}/r?key=secret`, /a registry URL has no \?query or #fragment/],
  ]) {
    test(`${name}: exit 2, invalid_argument, as the native tool`, async () => {
      const [mine, theirs] = await both(['registry', 'list', '--registry', url(server.url)]);
      refusedAlike([mine, theirs], pattern);
      // The error line lands in CI logs: what may be a secret is never repeated in it.
      assert.doesNotMatch(mine.err, /secret/);
    });
  }
});
