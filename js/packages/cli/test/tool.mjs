// Running the `mfstate` tool as a CI job does: the npm build (node bin/mfstate.mjs) and the native
// one (built by the release stage of make test), each as a process, and `registry serve` as a
// background server stopped by its pid. Waits are on events, each bounded.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const packageDir = resolve(here, '..');
export const repo = resolve(packageDir, '../../..');
export const examples = join(repo, 'examples', 'contracts');
export const bin = join(packageDir, 'bin', 'mfstate.mjs');

const build = process.env.BUILD ? resolve(repo, process.env.BUILD) : join(repo, 'build');
/** The native tool: $MFSTATE_NATIVE_TOOL, or the release stage's build. */
export const nativeTool = process.env.MFSTATE_NATIVE_TOOL ?? join(build, 'release', 'tools', 'mfstate');

export function requireNativeTool() {
  if (!existsSync(nativeTool)) {
    throw new Error(`the native mfstate tool is not at ${nativeTool}: build it first ` +
      '(scripts/test.sh release, or set MFSTATE_NATIVE_TOOL)');
  }
}

/** Runs `command args` to its end: {status, out, err}. */
export function run(command, args, { cwd = repo, timeoutMs = 60000, env = process.env } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish in ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolvePromise({
        status,
        out: Buffer.concat(out).toString('utf8'),
        err: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** The npm build: `node bin/mfstate.mjs args`. */
export const npmTool = (args, options) => run(process.execPath, [bin, ...args], options);
/** The native build. */
export const native = (args, options) => run(nativeTool, args, options);

/** A fresh folder under the system's temporary folder; remove() deletes it. */
export function tempDir() {
  const path = mkdtempSync(join(tmpdir(), 'mfstate-cli-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * An admin token for a served registry, minted by the native `registry token`: {token, file}, the
 * secret for MFSTATE_REGISTRY_TOKEN and the --tokens file holding its hash (written in `dir`).
 */
export async function adminToken(dir) {
  const r = await native(['registry', 'token', '--name', 'npm-cli-test', '--admin', '--json']);
  if (r.status !== 0) throw new Error(`registry token failed: ${r.err}`);
  const { token, entry } = JSON.parse(r.out);
  const file = join(dir, 'tokens.json');
  writeFileSync(file, JSON.stringify({ read: 'open', tokens: [entry] }));
  return { token, file };
}

/**
 * Starts the native `registry serve` on a free port of 127.0.0.1 over `registry` with the token
 * file `tokens`, waiting (at most 20 s) for the line it prints once listening. Returns {url, stop()}.
 */
export function serveRegistry(registry, tokens) {
  requireNativeTool();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(nativeTool, ['registry', 'serve', '--listen', '127.0.0.1:0', '--json', '--registry', registry,
      '--tokens', tokens], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    let errText = '';
    const stop = () => new Promise((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', () => done());
      child.kill('SIGTERM');
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`registry serve printed no URL in 20 s: ${text}${errText}`));
    }, 20000);
    child.stderr.on('data', (c) => { errText += c; });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`registry serve exited (${code}) before listening: ${errText}`));
    });
    child.stdout.on('data', (c) => {
      text += c;
      const newline = text.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      try {
        resolvePromise({ url: JSON.parse(text.slice(0, newline)).url, stop });
      } catch (e) {
        stop().then(() => reject(e));
      }
    });
  });
}

/**
 * Starts the test server fixtures/`script` with `args` as a process of its own (the tool under test
 * blocks its thread), waiting (at most 10 s) for the port it prints once listening on 127.0.0.1.
 * Returns {url, stop()}.
 */
export function serveFixture(script, args) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(packageDir, 'test', 'fixtures', script), ...args],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${script} printed no port in 10 s`)); }, 10000);
    child.stdout.once('data', (c) => {
      clearTimeout(timer);
      const stop = () => new Promise((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      });
      resolvePromise({ url: `http://127.0.0.1:${String(c).trim()}`, stop });
    });
  });
}

/** The example manifests of the article. */
export const manifests = {
  profileV1: join(examples, 'profile', 'v1', 'mfstate.json'),
  profileV1_1: join(examples, 'profile', 'v1.1', 'mfstate.json'),
  profileV2: join(examples, 'profile', 'v2', 'mfstate.json'),
  home: join(examples, 'home', 'mfstate.json'),
};
