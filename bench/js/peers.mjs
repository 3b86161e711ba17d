// Peer harness: runs the workloads of WORKLOADS.md on the npm packages a user
// would pick instead of mfstate (redux, redux-micro-frontend,
// @tanstack/query-core, rxjs), so mfstate's C++ bench can report ratios
// measured side by side in the same run.
//
// Source only: run the esbuild bundle, `node bench/js/dist/peers.mjs`
// (built by build.mjs, which also defines `globalThis.window` before any
// package code runs). See README.md for what each workload does here.
import { spawnSync } from 'node:child_process';
import { createStore } from 'redux';
import { GlobalStore } from 'redux-micro-frontend';
import { QueryClient, QueryObserver, environmentManager, hashKey } from '@tanstack/query-core';
import { Subject } from 'rxjs';

const PKG = {
  redux: 'redux',
  rmf: 'redux-micro-frontend',
  query: '@tanstack/query-core',
  rxjs: 'rxjs',
};

// Full sizes from WORKLOADS.md; --quick divides every one by ten.
const FULL = {
  W1: 1_000_000,
  W1b: 100_000,
  W2: 10_000,
  W3: 100_000,
  W4: 10_000,
  W5: 1_000_000,
  W6: 1_000_000,
  S1_entries: [10_000, 100_000, 1_000_000],
  S1_invalidations: 200,
  S1_gets: 100_000,
};

const USER = { userId: 'S6nRz7bZ8Cv1dfTm', name: 'John Doe' };

// ---------------------------------------------------------------------------
// Plumbing

// Wall time by default (as WORKLOADS.md). `--clock cpu` times with the process's CPU time instead
// (user + system, microsecond resolution), so that time spent waiting for a core on a loaded
// machine is left out; it includes V8's helper threads (concurrent GC, compilation).
const wallNow = process.hrtime.bigint;
const cpuNow = () => {
  const u = process.cpuUsage();
  return BigInt(u.user + u.system) * 1000n;
};
let now = wallNow;
const elapsed = (t0, t1) => Number(t1 - t0);

// Every workload folds what it read into the sink and checks its own result,
// so no measured loop is dead code; the sink is printed with the table.
let sink = 0;

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

function collect() {
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    globalThis.gc();
  }
}

const usage = `usage: node bench/js/dist/peers.mjs [--json] [--quick] [--clock wall|cpu] [--workload ID[,ID...]]
  IDs: W1 W1b W2 W3a W3b W3c W4 W5 W6 S1 (S1-invalidate, S1-get select one S1 figure)
  --json   one JSON object per line, as in WORKLOADS.md
  --quick  every workload at a tenth of its size (S1 at 1e3, 1e4, 1e5 entries, 20 invalidations)
  --clock  wall (default): elapsed time; cpu: the process's CPU time (for a loaded machine)`;

function parseArgs(argv) {
  const opts = { json: false, quick: false, only: null, clock: 'wall' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') opts.json = true;
    else if (a === '--quick') opts.quick = true;
    else if (a === '--workload' || a.startsWith('--workload=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (!v) fail('--workload needs an ID');
      opts.only = (opts.only ?? []).concat(v.split(',').filter(Boolean));
    } else if (a === '--clock' || a.startsWith('--clock=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v !== 'wall' && v !== 'cpu') fail(`--clock must be wall or cpu, not '${v}'`);
      opts.clock = v;
    } else if (a === '--help' || a === '-h') {
      console.log(usage);
      process.exit(0);
    } else fail(`unknown argument '${a}'`);
  }
  return opts;
}

function fail(msg) {
  console.error(`peers: ${msg}\n${usage}`);
  process.exit(2);
}

// Output: each figure is printed as soon as it is measured.
class Reporter {
  constructor(json) {
    this.json = json;
    this.rows = 0;
  }
  emit(row) {
    if (this.json) {
      const out = { workload: row.workload, impl: row.impl, n: row.n, ns_per_op: round1(row.ns_per_op) };
      if (row.entries !== undefined) {
        out.entries = row.entries;
        out.bytes_per_entry = round1(row.bytes_per_entry);
      }
      console.log(JSON.stringify(out));
      return;
    }
    if (this.rows++ === 0) {
      console.log(
        pad('workload', 14) + pad('impl', 22) + lpad('n', 10) + lpad('ns/op', 14) + lpad('per op', 12) +
          lpad('entries', 10) + lpad('bytes/entry', 13),
      );
      console.log('-'.repeat(95));
    }
    console.log(
      pad(row.workload, 14) + pad(row.impl, 22) + lpad(fmtInt(row.n), 10) + lpad(fmtNum(row.ns_per_op), 14) +
        lpad(human(row.ns_per_op), 12) + lpad(row.entries === undefined ? '' : fmtInt(row.entries), 10) +
        lpad(row.bytes_per_entry === undefined ? '' : fmtNum(row.bytes_per_entry), 13),
    );
  }
}

const round1 = (x) => Math.round(x * 10) / 10;
const pad = (s, w) => String(s).padEnd(w);
const lpad = (s, w) => String(s).padStart(w);
const fmtInt = (x) => x.toLocaleString('en-US');
const fmtNum = (x) => round1(x).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
function human(ns) {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(1)} ns`;
}

// ---------------------------------------------------------------------------
// W1: redux createStore, 10 subscribers, INC dispatched n times.

function runW1(n, emit) {
  const initial = {
    count: 0,
    user: { ...USER },
    items: Array.from({ length: 100 }, (_, i) => ({ id: i, v: i })),
  };
  const reducer = (state = initial, action) =>
    action.type === 'INC' ? { ...state, count: state.count + 1 } : state;
  const store = createStore(reducer);
  let seen = 0;
  for (let s = 0; s < 10; s++) store.subscribe(() => { seen += store.getState().count; });
  const inc = { type: 'INC' };
  const run = (k) => { for (let i = 0; i < k; i++) store.dispatch(inc); };

  const warm = Math.ceil(n / 10);
  run(warm);
  const t0 = now();
  run(n);
  const t1 = now();

  const total = warm + n;
  check(store.getState().count === total, 'W1 count');
  check(store.getState().items === initial.items, 'W1 items kept');
  check(seen === 10 * (total * (total + 1)) / 2, 'W1 subscribers saw every count');
  sink += seen;
  emit({ workload: 'W1', impl: PKG.redux, n, ns_per_op: elapsed(t0, t1) / n });
}

// ---------------------------------------------------------------------------
// redux-micro-frontend keeps one GlobalStore per page on window; each workload
// starts from a fresh one so stores of another workload are not in the loop.

function freshGlobalStore() {
  globalThis.window[GlobalStore.InstanceName] = null;
  return GlobalStore.Get();
}

// W1b: apps Home, Profile, Cart each register a store accepting INC as a global
// action; 10 subscribers on Home; Profile's DispatchAction sends INC to every
// app that accepts it (all three, Profile included).

function runW1b(n, emit) {
  const gs = freshGlobalStore();
  const apps = ['Home', 'Profile', 'Cart'];
  for (const app of apps) {
    const initial = { count: 0, user: { ...USER } };
    const reducer = (state = initial, action) =>
      action.type === 'INC' ? { ...state, count: state.count + 1 } : state;
    gs.CreateStore(app, reducer, [], ['INC']);
  }
  let seen = 0;
  for (let s = 0; s < 10; s++) gs.Subscribe('Home', (state) => { seen += state.count; });
  const inc = { type: 'INC' };
  const run = (k) => { for (let i = 0; i < k; i++) gs.DispatchAction('Profile', inc); };

  const warm = Math.ceil(n / 10);
  run(warm);
  const t0 = now();
  run(n);
  const t1 = now();

  const total = warm + n;
  for (const app of apps) check(gs.GetPartnerState(app).count === total, `W1b ${app} count`);
  check(seen === 10 * (total * (total + 1)) / 2, 'W1b Home subscribers saw every count');
  sink += seen;
  emit({ workload: 'W1b', impl: PKG.rmf, n, ns_per_op: elapsed(t0, t1) / n });
}

// W2: app Catalog registers its store; another app reads it with
// GetPartnerState (a shallow copy of the state, as the library does) n times.

function runW2(n, emit) {
  const gs = freshGlobalStore();
  const initial = {
    items: Array.from({ length: 1000 }, (_, i) => ({ id: i, name: `item${i}`, tags: ['a', 'b'] })),
  };
  gs.CreateStore('Catalog', (state = initial) => state, [], []);
  gs.CreateStore('Checkout', (state = { lines: [] }) => state, [], []);
  const run = (k) => {
    let acc = 0;
    for (let i = 0; i < k; i++) acc += gs.GetPartnerState('Catalog').items.length;
    return acc;
  };

  const warm = Math.max(1, Math.ceil(n / 10));
  sink += run(warm);
  const t0 = now();
  const acc = run(n);
  const t1 = now();

  check(acc === 1000 * n, 'W2 items.length');
  sink += acc;
  emit({ workload: 'W2', impl: PKG.rmf, n, ns_per_op: elapsed(t0, t1) / n });
}

// ---------------------------------------------------------------------------
// W3a/b/c: one QueryClient, n distinct keys ['user', {id: i}].

function fillUsers(client, k) {
  for (let i = 0; i < k; i++) client.setQueryData(['user', { id: i }], { userId: i, name: 'John Doe' });
}

function readUsers(client, k) {
  // A double from the start (-0): a small-integer sum passes 2^31 at the 65,536th key, and V8
  // deoptimises this loop there and recompiles it during the timed pass (both harnesses alike).
  let acc = -0;
  for (let i = 0; i < k; i++) acc += client.getQueryData(['user', { id: i }]).userId;
  return acc;
}

async function runW3(n, emit, want) {
  // Warm-up on a client of its own: insertion is a one-shot measurement.
  {
    const warm = new QueryClient();
    warm.mount();
    const k = Math.ceil(n / 10);
    fillUsers(warm, k);
    sink += readUsers(warm, k);
    await warm.invalidateQueries({ queryKey: ['user'] });
    warm.clear();
    warm.unmount();
  }
  collect();

  const client = new QueryClient();
  client.mount();
  let t0 = now();
  fillUsers(client, n);
  let t1 = now();
  check(client.getQueryCache().getAll().length === n, 'W3a entry count');
  if (want('W3a')) emit({ workload: 'W3a', impl: PKG.query, n, ns_per_op: elapsed(t0, t1) / n });

  sink += readUsers(client, Math.ceil(n / 10));
  t0 = now();
  const acc = readUsers(client, n);
  t1 = now();
  check(acc === (n * (n - 1)) / 2, 'W3b sum of userId');
  sink += acc;
  if (want('W3b')) emit({ workload: 'W3b', impl: PKG.query, n, ns_per_op: elapsed(t0, t1) / n });

  // No observers: every entry is inactive, so nothing is refetched.
  t0 = now();
  await client.invalidateQueries({ queryKey: ['user'] });
  t1 = now();
  const all = client.getQueryCache().getAll();
  check(all.length === n && all.every((q) => q.state.isInvalidated), 'W3c every entry invalidated');
  if (want('W3c')) emit({ workload: 'W3c', impl: PKG.query, n, ns_per_op: elapsed(t0, t1) / n });

  client.clear();
  client.unmount();
}

// ---------------------------------------------------------------------------
// W4: n QueryObservers on ['user', {id: i}] with staleTime Infinity and a
// queryFn that answers at once with {id: i, v: version}. After every observer
// has v = 0: set version = 1, invalidateQueries(['user']) and time until the
// last observer's listener has been called with v = 1. query-core's default
// notifyManager scheduler (setTimeout 0 batches) is kept, as in a page; the
// end is detected by a promise the last listener resolves.

async function w4Once(n) {
  const client = new QueryClient();
  client.mount();
  let version = 0;
  let waitingFor = 0;
  let remaining = n;
  let resolveAll;
  let allSeen = new Promise((r) => { resolveAll = r; });
  const lastSeen = new Int32Array(n).fill(-1);
  const unsubscribers = [];
  for (let i = 0; i < n; i++) {
    const observer = new QueryObserver(client, {
      queryKey: ['user', { id: i }],
      queryFn: () => ({ id: i, v: version }),
      staleTime: Infinity,
    });
    unsubscribers.push(
      observer.subscribe((result) => {
        const d = result.data;
        if (d !== undefined && d.v === waitingFor && lastSeen[i] !== waitingFor) {
          check(d.id === i, 'W4 data belongs to its observer');
          lastSeen[i] = waitingFor;
          if (--remaining === 0) resolveAll();
        }
      }),
    );
  }
  await allSeen; // every observer has fetched v = 0

  remaining = n;
  waitingFor = 1;
  allSeen = new Promise((r) => { resolveAll = r; });
  const t0 = now();
  version = 1;
  const invalidated = client.invalidateQueries({ queryKey: ['user'] });
  await allSeen;
  const t1 = now();
  await invalidated;

  check(lastSeen.every((v) => v === 1), 'W4 every observer saw v = 1');
  sink += remaining + n;
  for (const u of unsubscribers) u();
  client.clear();
  client.unmount();
  return elapsed(t0, t1);
}

async function runW4(n, emit) {
  await w4Once(Math.max(100, Math.ceil(n / 10)));
  collect();
  const ns = await w4Once(n);
  emit({ workload: 'W4', impl: PKG.query, n, ns_per_op: ns / n });
}

// ---------------------------------------------------------------------------
// W5: query-core's hashKey on a nested key, n values of i.

const W5_FIRST = '["user",{"id":0,"include":["profile","roles"],"page":{"n":1,"size":20}}]';

function hashKeys(from, to) {
  let acc = 0;
  for (let i = from; i < to; i++) {
    acc += hashKey(['user', { id: i, include: ['profile', 'roles'], page: { size: 20, n: 1 } }]).length;
  }
  return acc;
}

function runW5(n, emit) {
  check(hashKey(['user', { id: 0, include: ['profile', 'roles'], page: { size: 20, n: 1 } }]) === W5_FIRST, 'W5 hash');
  sink += hashKeys(0, Math.ceil(n / 10));
  const t0 = now();
  const acc = hashKeys(0, n);
  const t1 = now();
  // Every hash is W5_FIRST with the digits of i in place of "0".
  let digits = 0;
  for (let i = 0; i < n; i++) digits += String(i).length;
  const expected = n * (W5_FIRST.length - 1) + digits;
  check(acc === expected, 'W5 hash lengths');
  sink += acc;
  emit({ workload: 'W5', impl: PKG.query, n, ns_per_op: elapsed(t0, t1) / n });
}

// ---------------------------------------------------------------------------
// W6: rxjs Subject, 100 subscribers, n publishes of {n: i}.

function runW6(n, emit) {
  const subject = new Subject();
  // A double from the start and after the warm-up (-0): the small-integer sum of 100 listeners
  // passes 2^31 inside the timed pass, and V8 deoptimises the listeners there (both harnesses alike).
  let acc = -0;
  for (let s = 0; s < 100; s++) subject.subscribe((v) => { acc += v.n; });
  const run = (k) => { for (let i = 0; i < k; i++) subject.next({ n: i }); };

  const warm = Math.ceil(n / 10);
  run(warm);
  check(acc === (100 * warm * (warm - 1)) / 2, 'W6 warm-up delivered');
  acc = -0;
  const t0 = now();
  run(n);
  const t1 = now();
  check(acc === (100 * n * (n - 1)) / 2, 'W6 every subscriber saw every publish');
  sink += acc;
  subject.complete();
  emit({ workload: 'W6', impl: PKG.rxjs, n, ns_per_op: elapsed(t0, t1) / n });
}

// ---------------------------------------------------------------------------
// S1: a cache of N entries ['user', i, 'profile'] (setQueryData; inactive, no
// observers). Memory: JS heap after a full GC, before and after the build,
// over N. Invalidation: invalidateQueries({queryKey: ['user', r]}) with the
// default refetchType for distinct r spread over the cache (each one finds a
// single, not yet invalidated entry, but query-core scans every entry).
// Get: getQueryData(['user', r, 'profile']) for keys spread over the cache.

function fillProfiles(client, k) {
  for (let i = 0; i < k; i++) client.setQueryData(['user', i, 'profile'], { userId: i, name: 'John Doe' });
}

async function invalidateSpread(client, entries, count, offset) {
  const step = entries / count;
  for (let k = 0; k < count; k++) {
    const r = Math.floor(k * step) + offset;
    await client.invalidateQueries({ queryKey: ['user', r] });
  }
}

function getSpread(client, entries, gets) {
  let acc = 0;
  for (let k = 0; k < gets; k++) {
    const r = (k * 7919) % entries;
    acc += client.getQueryData(['user', r, 'profile']).userId;
  }
  return acc;
}

async function s1Once(entries, invalidations, gets) {
  collect();
  const client = new QueryClient();
  client.mount();
  collect();
  const heap0 = process.memoryUsage().heapUsed;
  fillProfiles(client, entries);
  collect();
  const heap1 = process.memoryUsage().heapUsed;
  check(client.getQueryCache().getAll().length === entries, 'S1 entry count');
  const bytesPerEntry = (heap1 - heap0) / entries;

  // Warm-up on keys the measured pass does not touch (offset 1): a second
  // invalidation of an entry would skip its state change.
  await invalidateSpread(client, entries, Math.min(5, invalidations), 1);
  let t0 = now();
  await invalidateSpread(client, entries, invalidations, 0);
  let t1 = now();
  const invNs = elapsed(t0, t1) / invalidations;
  const step = entries / invalidations;
  for (let k = 0; k < invalidations; k++) {
    const r = Math.floor(k * step);
    check(client.getQueryState(['user', r, 'profile']).isInvalidated, 'S1 prefix invalidated');
  }
  const warmed = Math.min(5, invalidations);
  const invalidated = client.getQueryCache().getAll().filter((q) => q.state.isInvalidated).length;
  check(invalidated === invalidations + warmed, 'S1 each invalidation hit exactly its own entry');

  sink += getSpread(client, entries, Math.ceil(gets / 10));
  t0 = now();
  const acc = getSpread(client, entries, gets);
  t1 = now();
  sink += acc;
  const getNs = elapsed(t0, t1) / gets;

  client.clear();
  client.unmount();
  return { invNs, getNs, bytesPerEntry };
}

async function runS1(sizes, invalidations, gets, emit, want) {
  if (typeof globalThis.gc !== 'function') {
    throw new Error('S1 needs global.gc (node --expose-gc); the CLI re-executes itself with it');
  }
  // Warm-up on a small cache of its own (200 invalidations of 1,000 entries
  // cost about 50 ms) so that the first measured size is not the one that
  // pays for the JIT.
  await s1Once(1000, 200, 10_000);
  for (const entries of sizes) {
    const r = await s1Once(entries, invalidations, gets);
    if (want('S1-invalidate')) {
      emit({ workload: 'S1-invalidate', impl: PKG.query, n: invalidations, ns_per_op: r.invNs, entries, bytes_per_entry: r.bytesPerEntry });
    }
    if (want('S1-get')) {
      emit({ workload: 'S1-get', impl: PKG.query, n: gets, ns_per_op: r.getNs, entries, bytes_per_entry: r.bytesPerEntry });
    }
  }
}

// ---------------------------------------------------------------------------

const IDS = ['W1', 'W1b', 'W2', 'W3a', 'W3b', 'W3c', 'W4', 'W5', 'W6', 'S1-invalidate', 'S1-get'];

function selection(only) {
  if (!only) return new Set(IDS);
  const picked = new Set();
  for (const raw of only) {
    const id = raw.toLowerCase();
    const hits = id === 's1' ? ['S1-invalidate', 'S1-get']
      : id === 'w3' ? ['W3a', 'W3b', 'W3c']
      : IDS.filter((x) => x.toLowerCase() === id);
    if (hits.length === 0) fail(`unknown workload '${raw}'`);
    for (const h of hits) picked.add(h);
  }
  return picked;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const picked = selection(opts.only);
  if (opts.clock === 'cpu') now = cpuNow;
  const want = (id) => picked.has(id);
  const needsS1 = want('S1-invalidate') || want('S1-get');

  // S1 measures memory after full collections and builds a cache of 1e6
  // entries: run under --expose-gc with room in the heap.
  if (needsS1 && typeof globalThis.gc !== 'function' && !process.env.MFSTATE_PEERS_CHILD) {
    const r = spawnSync(
      process.execPath,
      ['--expose-gc', '--max-old-space-size=6144', ...process.execArgv, process.argv[1], ...process.argv.slice(2)],
      { stdio: 'inherit', env: { ...process.env, MFSTATE_PEERS_CHILD: '1' } },
    );
    process.exit(r.status ?? 1);
  }

  check(typeof globalThis.window === 'object', 'window defined before the packages load (run the bundle)');
  check(environmentManager.isServer() === false, 'query-core in browser mode');

  const div = opts.quick ? 10 : 1;
  const size = (k) => FULL[k] / div;
  const out = new Reporter(opts.json);
  const emit = (row) => out.emit(row);
  if (!opts.json) {
    console.log(`mfstate JS peers, node ${process.version}${opts.quick ? ', --quick' : ''}${opts.clock === 'cpu' ? ', CPU time' : ''}`);
  }

  if (want('W1')) { runW1(size('W1'), emit); collect(); }
  if (want('W1b')) { runW1b(size('W1b'), emit); collect(); }
  if (want('W2')) { runW2(size('W2'), emit); collect(); }
  if (want('W3a') || want('W3b') || want('W3c')) { await runW3(size('W3'), emit, want); collect(); }
  if (want('W4')) { await runW4(size('W4'), emit); collect(); }
  if (want('W5')) { runW5(size('W5'), emit); collect(); }
  if (want('W6')) { runW6(size('W6'), emit); collect(); }
  if (needsS1) {
    await runS1(FULL.S1_entries.map((e) => e / div), FULL.S1_invalidations / div, size('S1_gets'), emit, want);
  }

  if (!opts.json) console.log(`(sink ${sink})`);
}

main().catch((err) => {
  console.error(`peers: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
