// What every story needs: the stack (API + static servers), one headless Chromium per test file,
// a fresh browser context per test, screenshots, and waits that end on an event or a deadline.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before } from 'node:test';
import { launchChromium } from '../../scripts/chromium.mjs';
import { outDir } from '../../scripts/paths.mjs';
import { startStack } from '../../scripts/stack.mjs';

/** Where `make demo-check` and the tests leave their screenshots. */
export const screenshotDir = path.join(outDir, 'screenshots');

/** How long any single wait in a story may take before the story fails. */
export const waitMs = 15000;

/**
 * Starts Chromium before the file's tests and stops it after; returns a getter for it. Each
 * story starts its own stack (so each has a fresh database and fresh request counts).
 */
export function useChromium() {
  let chromium;
  before(async () => {
    chromium = await launchChromium();
    await mkdir(screenshotDir, { recursive: true });
  });
  after(async () => {
    await chromium?.close();
  });
  return () => chromium.browser;
}

/**
 * Starts a stack and opens the shell in a fresh context of `browser`. Page errors and console
 * errors are collected in `errors`. `t.after` stops everything, whatever the test's outcome.
 */
export async function openDemo(t, browser, { remotes, query = '', hash = '#/' } = {}) {
  const stack = await startStack({ remotes });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  t.after(async () => {
    await context.close().catch(() => {});
    await stack.stop();
  });
  const page = await context.newPage();
  page.setDefaultTimeout(waitMs);
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(`${stack.url}${query}${hash}`);
  return { stack, api: stack.api, page, errors };
}

/** Resolves once the element with data-testid `id` contains `text` (or fails after waitMs). */
export function waitForText(page, id, text) {
  return page.getByTestId(id).filter({ hasText: text }).first().waitFor();
}

/** The text of the element with data-testid `id`, once it is on the page. */
export async function textOf(page, id) {
  return (await page.getByTestId(id).first().textContent()).trim();
}

/** Writes a screenshot of the page as <screenshotDir>/<name>.png. */
export function screenshot(page, name) {
  return page.screenshot({ path: path.join(screenshotDir, `${name}.png`) });
}

/**
 * Records every text an element matching `selector` shows from now on (a MutationObserver in
 * the page); `texts()` resolves with the list. Used to prove a value was *never* shown.
 */
export async function recordTexts(page, selector) {
  const handle = await page.evaluateHandle((sel) => {
    const seen = [];
    const note = () => {
      for (const el of document.querySelectorAll(sel)) {
        const text = el.textContent;
        if (seen[seen.length - 1] !== text) seen.push(text);
      }
    };
    note();
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true });
    return seen;
  }, selector);
  return { texts: () => handle.jsonValue() };
}

/**
 * A census of the page's JavaScript heap after garbage collection, through the DevTools protocol:
 * how many objects of each kind ("object:Array", "closure:render", "string:/api/users/me") are
 * alive, with their total size. Comparing two censuses shows what a cycle of work left behind,
 * object by object, where a heap total would mix it with V8's own compiled code. The snapshot is
 * kept (`snapshot`) for retainerPaths.
 */
export async function heapCensus(cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const chunks = [];
  const onChunk = ({ chunk }) => chunks.push(chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  try {
    await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  }
  const snapshot = JSON.parse(chunks.join(''));
  const census = new Map();
  let total = 0;
  for (const node of heapNodes(snapshot)) {
    const entry = census.get(node.kind) ?? { count: 0, size: 0 };
    entry.count += 1;
    entry.size += node.size;
    total += node.size;
    census.set(node.kind, entry);
  }
  return { census, total, snapshot };
}

/** The nodes of a V8 heap snapshot as {index, id, kind, size}; index is the node's field offset. */
function* heapNodes(snapshot) {
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const [type, name, id, size] = ['type', 'name', 'id', 'self_size'].map((f) => fields.indexOf(f));
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    const kind = `${types[snapshot.nodes[i + type]]}:${snapshot.strings[snapshot.nodes[i + name]].slice(0, 80)}`;
    yield { index: i, id: snapshot.nodes[i + id], kind, size: snapshot.nodes[i + size] };
  }
}

/**
 * Why objects of `kind` that are in `after` but not in `before` (V8 keeps an object's id across
 * the snapshots of one session) are still alive: for up to `limit` of them, the shortest chain of
 * strong references from the heap's root, as "Window.foo -> Map.table -> Object.key".
 */
export function retainerPaths(before, after, kind, limit = 2) {
  const snap = after.snapshot;
  const nodeFields = snap.snapshot.meta.node_fields;
  const edgeFields = snap.snapshot.meta.edge_fields;
  const edgeTypes = snap.snapshot.meta.edge_types[0];
  const width = nodeFields.length;
  const edgeCountAt = nodeFields.indexOf('edge_count');
  const nameAt = nodeFields.indexOf('name');
  const [edgeType, edgeName, edgeTo] = ['type', 'name_or_index', 'to_node'].map((f) => edgeFields.indexOf(f));
  const nodeCount = snap.nodes.length / width;
  // Breadth first from the root (node 0) over strong edges: each node's parent and the edge's name.
  const parent = new Int32Array(nodeCount).fill(-1);
  const via = new Array(nodeCount);
  const firstEdge = new Int32Array(nodeCount);
  for (let n = 0, e = 0; n < nodeCount; n++) {
    firstEdge[n] = e;
    e += snap.nodes[n * width + edgeCountAt] * edgeFields.length;
  }
  parent[0] = 0;
  const queue = [0];
  for (let q = 0; q < queue.length; q++) {
    const n = queue[q];
    const end = firstEdge[n] + snap.nodes[n * width + edgeCountAt] * edgeFields.length;
    for (let e = firstEdge[n]; e < end; e += edgeFields.length) {
      const type = edgeTypes[snap.edges[e + edgeType]];
      if (type === 'weak' || type === 'shortcut') continue;
      const to = snap.edges[e + edgeTo] / width;
      if (parent[to] !== -1) continue;
      parent[to] = n;
      const label = snap.edges[e + edgeName];
      via[to] = type === 'element' || type === 'hidden' ? `[${label}]` : snap.strings[label];
      queue.push(to);
    }
  }
  const old = new Set();
  for (const node of heapNodes(before.snapshot)) if (node.kind === kind) old.add(node.id);
  const paths = [];
  for (const node of heapNodes(snap)) {
    if (node.kind !== kind || old.has(node.id)) continue;
    let n = node.index / width;
    if (parent[n] === -1) continue;
    const steps = [];
    while (n !== 0 && steps.length < 40) {
      steps.push(`${snap.strings[snap.nodes[n * width + nameAt]].slice(0, 40)}(${via[n]})`);
      n = parent[n];
    }
    paths.push(steps.reverse().join(' -> '));
    if (paths.length === limit) break;
  }
  return paths;
}

/**
 * What grew between two censuses, largest count first: [{kind, count, size}]. Only the page's own
 * objects count: V8's compiled code ("code:") and the browser's own records ("native:", such as
 * its performance timeline of navigations) are the engine's business.
 */
export function heapGrowth(before, after) {
  return kindsGrown(before, after, (kind) => !engineKind.test(kind)).sort((a, b) => b.count - a.count);
}

/** What grew between two censuses among the engine's own kinds (compiled code, native records), largest size first. */
export function engineGrowth(before, after) {
  return kindsGrown(before, after, (kind) => engineKind.test(kind)).sort((a, b) => b.size - a.size);
}

const engineKind = /^(code|native|hidden|synthetic):/;

function kindsGrown(before, after, counted) {
  const grown = [];
  for (const [kind, now] of after.census) {
    if (!counted(kind)) continue;
    const then = before.census.get(kind) ?? { count: 0, size: 0 };
    if (now.count > then.count || now.size > then.size) {
      grown.push({ kind, count: now.count - then.count, size: now.size - then.size });
    }
  }
  return grown;
}
