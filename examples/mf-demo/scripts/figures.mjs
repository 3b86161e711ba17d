// The page's network and size figures for docs/demo.md: load the demo in headless Chromium over
// 127.0.0.1 with a cold cache, count what the page fetched (requests and bytes, by origin and by
// kind) and time it until it is interactive (both remotes show the user and Profile's form can
// be used). Prints a Markdown table and writes build/mf-demo/figures.json.
//   node scripts/figures.mjs [--runs N]
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { launchChromium } from './chromium.mjs';
import { outDir } from './paths.mjs';
import { startStack } from './stack.mjs';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;

function kindOf(url) {
  const { pathname } = new URL(url);
  if (pathname.startsWith('/api/')) return 'api';
  if (pathname.endsWith('.wasm')) return 'wasm';
  if (pathname.endsWith('.json')) return 'json';
  if (pathname.endsWith('.js')) return 'js';
  if (pathname.endsWith('.css')) return 'css';
  if (pathname.endsWith('.html') || pathname.endsWith('/')) return 'html';
  return 'other';
}

async function measure(browser, stack) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const requests = new Map();
  cdp.on('Network.responseReceived', ({ requestId, response }) => {
    requests.set(requestId, { url: response.url, status: response.status, bytes: 0, decoded: 0 });
  });
  cdp.on('Network.dataReceived', ({ requestId, dataLength }) => {
    const r = requests.get(requestId);
    if (r) r.decoded += dataLength;
  });
  cdp.on('Network.loadingFinished', ({ requestId, encodedDataLength }) => {
    const r = requests.get(requestId);
    if (r) r.bytes = encodedDataLength;
  });
  const start = Date.now();
  await page.goto(stack.url);
  await page.getByTestId('home-greeting').filter({ hasText: 'Welcome back' }).waitFor({ timeout: 30000 });
  await page.getByTestId('profile-name').waitFor({ timeout: 30000 });
  await page.getByLabel('New name').waitFor({ state: 'visible' });
  const interactiveMs = Date.now() - start;
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return { domContentLoaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd };
  });
  // What each response would weigh gzip-compressed (the static servers here send it raw).
  for (const [requestId, r] of requests) {
    try {
      const { body, base64Encoded } = await cdp.send('Network.getResponseBody', { requestId });
      r.gzip = gzipSync(Buffer.from(body, base64Encoded ? 'base64' : 'utf8'), { level: 9 }).length;
    } catch {
      r.gzip = r.bytes;
    }
  }
  await context.close();
  const list = [...requests.values()].filter((r) => !r.url.startsWith('data:'));
  return { interactiveMs, timing, requests: list };
}

function summarise(requests, origins) {
  const originName = Object.fromEntries(Object.entries(origins).map(([name, origin]) => [origin, name]));
  const byOrigin = {};
  const byKind = {};
  for (const r of requests) {
    const origin = originName[new URL(r.url).origin] ?? new URL(r.url).origin;
    const kind = kindOf(r.url);
    for (const [table, key] of [[byOrigin, origin], [byKind, kind]]) {
      table[key] ??= { requests: 0, bytes: 0, gzip: 0 };
      table[key].requests += 1;
      table[key].bytes += r.bytes;
      table[key].gzip += r.gzip;
    }
  }
  const sum = (field) => requests.reduce((n, r) => n + r[field], 0);
  return { byOrigin, byKind, total: { requests: requests.length, bytes: sum('bytes'), gzip: sum('gzip') } };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const stack = await startStack();
const chromium = await launchChromium();
try {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    await stack.api.reset();
    samples.push(await measure(chromium.browser, stack));
  }
  const last = samples[samples.length - 1];
  const summary = summarise(last.requests, stack.origins);
  const figures = {
    runs,
    interactiveMs: { median: median(samples.map((s) => s.interactiveMs)), all: samples.map((s) => s.interactiveMs) },
    domContentLoadedMs: median(samples.map((s) => s.timing.domContentLoaded)),
    loadMs: median(samples.map((s) => s.timing.load)),
    ...summary,
    requests: last.requests.map((r) => ({
      url: r.url.replace(/^http:\/\/127\.0\.0\.1:\d+/, ''),
      status: r.status,
      bytes: r.bytes,
      gzip: r.gzip,
    })),
  };
  await writeFile(path.join(outDir, 'figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const row = (name, v) => `| ${name} | ${v.requests} | ${kb(v.bytes)} | ${kb(v.gzip)} |`;
  console.log('| origin | requests | bytes on the wire | gzip -9 |\n| --- | ---: | ---: | ---: |');
  for (const [name, v] of Object.entries(summary.byOrigin)) console.log(row(name, v));
  console.log(row('**total**', summary.total));
  console.log('\n| kind | requests | bytes on the wire | gzip -9 |\n| --- | ---: | ---: | ---: |');
  for (const [name, v] of Object.entries(summary.byKind)) console.log(row(name, v));
  console.log(
    `\ninteractive (median of ${runs}, cold cache): ${figures.interactiveMs.median} ms ` +
      `(runs: ${figures.interactiveMs.all.join(', ')}); DOMContentLoaded ${figures.domContentLoadedMs.toFixed(0)} ms, load ${figures.loadMs.toFixed(0)} ms`,
  );
} finally {
  await chromium.close();
  await stack.stop();
}
