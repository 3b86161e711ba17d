// The workloads of WORKLOADS.md run from JavaScript on @mfstate/core (impl "mfstate-wasm"): reducers,
// subscribers, selectors and query functions are JavaScript functions, as a user writes them. Same
// command line and JSON lines as bench/js/peers.mjs, so scripts/bench.mjs runs it beside the peers
// in the same rounds. Also `--size`: the package's size report (wasm and glue, raw and gzip) and
// its start-up time.
//
//   node js/bench/workloads.mjs [--json] [--quick] [--clock wall|cpu] [--workload ID[,ID...]]
//   node js/bench/workloads.mjs --size [--json]
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as mfstate from "../packages/core/lib/index.js";
import { heapUsed, liveTwins } from "../packages/core/lib/wasm.js";
import { codeByArea, wasmLayout } from "./wasm-layout.mjs";

const IMPL = "mfstate-wasm";
const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "../packages/core/dist");

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

const USER = { userId: "S6nRz7bZ8Cv1dfTm", name: "John Doe" };

const wallNow = process.hrtime.bigint;
const cpuNow = () => {
  const u = process.cpuUsage();
  return BigInt(u.user + u.system) * 1000n;
};
let now = wallNow;
const elapsed = (t0, t1) => Number(t1 - t0);
let sink = 0;

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

// The module's functions are compiled by V8 lazily and tiered up in the background as they get
// hot: warming up for a fixed n/10 calls (what the peers' harness does; their JavaScript is warm
// by then) would time the module's compilation too. Each warm-up here runs at least n/10 calls and
// at least WARM_MS milliseconds.
const WARM_MS = 400;

function warmUp(n, run) {
  const t0 = performance.now();
  let done = 0;
  const chunk = Math.max(1, Math.ceil(n / 10));
  do {
    run(chunk);
    done += chunk;
  } while (performance.now() - t0 < WARM_MS);
  return done;
}

function collect() {
  if (typeof globalThis.gc === "function") {
    globalThis.gc();
    globalThis.gc();
  }
}

const usage = `usage: node js/bench/workloads.mjs [--json] [--quick] [--clock wall|cpu] [--workload ID[,ID...]] | --size [--json]
  IDs: W1 W1b W2 W3a W3b W3c W4 W5 W6 S1 (S1-invalidate, S1-get select one S1 figure)`;

function fail(msg) {
  console.error(`mfstate-wasm bench: ${msg}\n${usage}`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { json: false, quick: false, only: null, clock: "wall", size: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => (a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[++i]);
    if (a === "--json") o.json = true;
    else if (a === "--quick") o.quick = true;
    else if (a === "--size") o.size = true;
    else if (a.startsWith("--workload")) o.only = (o.only ?? []).concat(String(value()).split(",").filter(Boolean));
    else if (a.startsWith("--clock")) {
      o.clock = value();
      if (o.clock !== "wall" && o.clock !== "cpu") fail(`--clock must be wall or cpu`);
    } else if (a === "--help" || a === "-h") {
      console.log(usage);
      process.exit(0);
    } else fail(`unknown argument '${a}'`);
  }
  return o;
}

const round1 = (x) => Math.round(x * 10) / 10;

function emitter(json) {
  return (row) => {
    if (json) {
      const out = { workload: row.workload, impl: IMPL, n: row.n, ns_per_op: round1(row.ns_per_op) };
      if (row.entries !== undefined) {
        out.entries = row.entries;
        out.bytes_per_entry = round1(row.bytes_per_entry);
      }
      console.log(JSON.stringify(out));
    } else {
      const extra = row.entries !== undefined ? `  entries ${row.entries}  ${round1(row.bytes_per_entry)} B/entry` : "";
      console.log(`${row.workload.padEnd(14)} ${String(row.n).padStart(9)}  ${round1(row.ns_per_op).toFixed(1).padStart(12)} ns/op${extra}`);
    }
  };
}

async function host() {
  return mfstate.createHost({ listenToPage: false, validation: "development" });
}

// ---------------------------------------------------------------------------
// W1: one store, 10 subscribers reading count, INC dispatched n times.

async function runW1(n, emit) {
  const h = await host();
  const app = h.mount("home");
  const initial = { count: 0, user: { ...USER }, items: Array.from({ length: 100 }, (_, i) => ({ id: i, v: i })) };
  const reducer = (state, action) => (action.type === "INC" ? { ...state, count: state.count + 1 } : state);
  const store = app.createStore(initial, reducer);
  const items = store.getState().items;
  let seen = 0;
  for (let s = 0; s < 10; s++) store.subscribe(() => { seen += store.getState().count; });
  const inc = { type: "INC" };
  const run = (k) => { for (let i = 0; i < k; i++) store.dispatch(inc); };
  const warm = warmUp(n, run);
  const t0 = now();
  run(n);
  const t1 = now();
  const total = warm + n;
  check(store.getState().count === total, "W1 count");
  check(store.getState().items === items, "W1 items kept (same object)");
  check(seen === (10 * (total * (total + 1))) / 2, "W1 subscribers saw every count");
  sink += seen;
  emit({ workload: "W1", n, ns_per_op: elapsed(t0, t1) / n });
  h.dispose();
}

// W1b: Home, Profile, Cart accept INC; 10 subscribers on Home; Profile broadcasts INC n times.

async function runW1b(n, emit) {
  const h = await host();
  const apps = ["home", "profile", "cart"].map((name) => h.mount(name));
  for (const app of apps) {
    app.createStore({ count: 0, user: { ...USER } }, (state, action) => (action.type === "INC" ? { ...state, count: state.count + 1 } : state));
    app.accept("INC");
  }
  const [home, profile] = apps;
  let seen = 0;
  for (let s = 0; s < 10; s++) home.subscribe(() => { seen += home.getState().count; });
  const inc = { type: "INC" };
  const run = (k) => { for (let i = 0; i < k; i++) profile.broadcast(inc); };
  const warm = warmUp(n, run);
  const t0 = now();
  run(n);
  const t1 = now();
  const total = warm + n;
  for (const app of apps) check(app.getState().count === total, `W1b ${app.name} count`);
  check(seen === (10 * (total * (total + 1))) / 2, "W1b Home subscribers saw every count");
  sink += seen;
  emit({ workload: "W1b", n, ns_per_op: elapsed(t0, t1) / n });
  h.dispose();
}

// W2: Catalog exposes its state; another app reads it n times and takes items.length.

async function runW2(n, emit) {
  const h = await host();
  const catalog = h.mount("catalog");
  const reader = h.mount("checkout");
  catalog.createStore({ items: Array.from({ length: 1000 }, (_, i) => ({ id: i, name: `item${i}`, tags: ["a", "b"] })) }, (s) => s);
  catalog.expose("catalog", (s) => s);
  const run = (k) => {
    let acc = 0;
    for (let i = 0; i < k; i++) acc += reader.read("catalog", "catalog").items.length;
    return acc;
  };
  warmUp(n, (k) => { sink += run(k); });
  const t0 = now();
  const acc = run(n);
  const t1 = now();
  check(acc === 1000 * n, "W2 items.length");
  sink += acc;
  emit({ workload: "W2", n, ns_per_op: elapsed(t0, t1) / n });
  h.dispose();
}

// W3a/b/c: the shared cache, n distinct keys ['user', {id: i}].

function fillUsers(client, k) {
  for (let i = 0; i < k; i++) client.setQueryData(["user", { id: i }], { userId: i, name: "John Doe" });
}

function readUsers(client, k) {
  // A double from the start (-0): a small-integer sum passes 2^31 at the 65,536th key, and V8
  // deoptimises this loop there and recompiles it during the timed pass (both harnesses alike).
  let acc = -0;
  for (let i = 0; i < k; i++) acc += client.getQueryData(["user", { id: i }]).userId;
  return acc;
}

async function runW3(n, emit, want) {
  {
    const h = await host();
    const warm = h.mount("warm").queryClient;
    const k = Math.ceil(n / 10);
    fillUsers(warm, k);
    sink += readUsers(warm, k);
    await warm.invalidateQueries({ queryKey: ["user"] });
    h.dispose();
  }
  collect();
  const h = await host();
  const client = h.mount("home").queryClient;
  let t0 = now();
  fillUsers(client, n);
  let t1 = now();
  check(client.getQueryCache().getAll().length === n, "W3a entry count");
  if (want("W3a")) emit({ workload: "W3a", n, ns_per_op: elapsed(t0, t1) / n });
  warmUp(n, (k) => { sink += readUsers(client, Math.min(k, n)); });
  t0 = now();
  const acc = readUsers(client, n);
  t1 = now();
  check(acc === (n * (n - 1)) / 2, "W3b sum of userId");
  sink += acc;
  if (want("W3b")) emit({ workload: "W3b", n, ns_per_op: elapsed(t0, t1) / n });
  t0 = now();
  await client.invalidateQueries({ queryKey: ["user"] });
  t1 = now();
  check(client.getQueryCache().findAll({ queryKey: ["user"], stale: true }).length === n, "W3c every entry invalidated");
  if (want("W3c")) emit({ workload: "W3c", n, ns_per_op: elapsed(t0, t1) / n });
  h.dispose();
}

// W4: n QueryObservers, staleTime Infinity, a query function answering at once; invalidate and
// time until every listener has seen v = 1.

async function w4Once(n) {
  const h = await host();
  const app = h.mount("home");
  const client = app.queryClient;
  let version = 0;
  let waitingFor = 0;
  let remaining = n;
  let resolveAll;
  let allSeen = new Promise((r) => { resolveAll = r; });
  const lastSeen = new Int32Array(n).fill(-1);
  const unsubscribers = [];
  for (let i = 0; i < n; i++) {
    const observer = new mfstate.QueryObserver(client, { queryKey: ["user", { id: i }], queryFn: () => ({ id: i, v: version }), staleTime: Infinity });
    unsubscribers.push(
      observer.subscribe((result) => {
        const d = result.data;
        if (d !== undefined && d.v === waitingFor && lastSeen[i] !== waitingFor) {
          check(d.id === i, "W4 data belongs to its observer");
          lastSeen[i] = waitingFor;
          if (--remaining === 0) resolveAll();
        }
      }),
    );
  }
  await allSeen;
  remaining = n;
  waitingFor = 1;
  allSeen = new Promise((r) => { resolveAll = r; });
  const t0 = now();
  version = 1;
  const invalidated = client.invalidateQueries({ queryKey: ["user"] });
  await allSeen;
  const t1 = now();
  await invalidated;
  check(lastSeen.every((v) => v === 1), "W4 every observer saw v = 1");
  sink += remaining + n;
  for (const u of unsubscribers) u();
  h.dispose();
  return elapsed(t0, t1);
}

async function runW4(n, emit) {
  await w4Once(Math.max(100, Math.ceil(n / 10)));
  collect();
  const ns = await w4Once(n);
  emit({ workload: "W4", n, ns_per_op: ns / n });
}

// W5: hashKey on a nested key (@mfstate/core's hashKey spells query-core's text, in JavaScript).

const W5_FIRST = '["user",{"id":0,"include":["profile","roles"],"page":{"n":1,"size":20}}]';

function hashKeys(from, to) {
  let acc = 0;
  for (let i = from; i < to; i++) acc += mfstate.hashKey(["user", { id: i, include: ["profile", "roles"], page: { size: 20, n: 1 } }]).length;
  return acc;
}

function runW5(n, emit) {
  check(mfstate.hashKey(["user", { id: 0, include: ["profile", "roles"], page: { size: 20, n: 1 } }]) === W5_FIRST, "W5 hash");
  warmUp(n, (k) => { sink += hashKeys(0, k); });
  const t0 = now();
  const acc = hashKeys(0, n);
  const t1 = now();
  let digits = 0;
  for (let i = 0; i < n; i++) digits += String(i).length;
  check(acc === n * (W5_FIRST.length - 1) + digits, "W5 hash lengths");
  sink += acc;
  emit({ workload: "W5", n, ns_per_op: elapsed(t0, t1) / n });
}

// W6: one topic, 100 subscribers, n publishes of {n: i}.

async function runW6(n, emit) {
  const h = await host();
  const publisher = h.mount("cart");
  const listener = h.mount("home");
  // A double from the start and after the warm-up (-0): the small-integer sum of 100 listeners
  // passes 2^31 inside the timed pass, and V8 deoptimises the listeners there (both harnesses alike).
  let acc = -0;
  for (let s = 0; s < 100; s++) listener.on("cart/item-added", (v) => { acc += v.n; });
  let published = 0;
  const run = (k) => { for (let i = 0; i < k; i++) publisher.emit("cart/item-added", { n: published++ }); };
  const warm = warmUp(n, run);
  check(acc === (100 * warm * (warm - 1)) / 2, "W6 warm-up delivered");
  published = 0;
  acc = -0;
  const t0 = now();
  run(n);
  const t1 = now();
  check(acc === (100 * n * (n - 1)) / 2, "W6 every subscriber saw every publish");
  sink += acc;
  emit({ workload: "W6", n, ns_per_op: elapsed(t0, t1) / n });
  h.dispose();
}

// S1: N entries ['user', i, 'profile']; invalidate one prefix ['user', r]; get one entry; memory
// per entry = the module's heap (malloc) plus the JavaScript heap, over N.

function fillProfiles(client, k) {
  for (let i = 0; i < k; i++) client.setQueryData(["user", i, "profile"], { userId: i, name: "John Doe" });
}

async function invalidateSpread(client, entries, count, offset) {
  const step = entries / count;
  for (let k = 0; k < count; k++) await client.invalidateQueries({ queryKey: ["user", Math.floor(k * step) + offset] });
}

function getSpread(client, entries, gets) {
  let acc = 0;
  for (let k = 0; k < gets; k++) acc += client.getQueryData(["user", (k * 7919) % entries, "profile"]).userId;
  return acc;
}

async function s1Once(entries, invalidations, gets) {
  collect();
  const h = await host();
  const client = h.mount("home").queryClient;
  collect();
  const wasm0 = heapUsed();
  const js0 = process.memoryUsage().heapUsed;
  fillProfiles(client, entries);
  collect();
  const bytesPerEntry = (heapUsed() - wasm0 + (process.memoryUsage().heapUsed - js0)) / entries;
  check(client.stats().entries === entries, "S1 entry count");
  await invalidateSpread(client, entries, Math.min(5, invalidations), 1);
  let t0 = now();
  await invalidateSpread(client, entries, invalidations, 0);
  let t1 = now();
  const invNs = elapsed(t0, t1) / invalidations;
  const step = entries / invalidations;
  for (let k = 0; k < invalidations; k++) check(client.getQueryState(["user", Math.floor(k * step), "profile"]).isInvalidated, "S1 prefix invalidated");
  const warmed = Math.min(5, invalidations);
  check(client.getQueryCache().findAll({ queryKey: ["user"], stale: true }).length >= invalidations + warmed, "S1 invalidations");
  warmUp(gets, (k) => { sink += getSpread(client, entries, Math.min(k, gets)); });
  t0 = now();
  sink += getSpread(client, entries, gets);
  t1 = now();
  h.dispose();
  return { invNs, getNs: elapsed(t0, t1) / gets, bytesPerEntry };
}

async function runS1(sizes, invalidations, gets, emit, want) {
  await s1Once(1000, 200, 10_000);
  for (const entries of sizes) {
    const r = await s1Once(entries, invalidations, gets);
    if (want("S1-invalidate")) emit({ workload: "S1-invalidate", n: invalidations, ns_per_op: r.invNs, entries, bytes_per_entry: r.bytesPerEntry });
    if (want("S1-get")) emit({ workload: "S1-get", n: gets, ns_per_op: r.getNs, entries, bytes_per_entry: r.bytesPerEntry });
  }
}

// ---------------------------------------------------------------------------
// The size report: what a page downloads, raw and gzip, and what dominates the module.

function gz(bytes) {
  return gzipSync(bytes, { level: 9 }).length;
}

async function sizeReport(json) {
  const wasm = readFileSync(join(dist, "mfstate.wasm"));
  const jsFiles = [];
  const walk = (dir) => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith(".js")) jsFiles.push(p);
    }
  };
  walk(dist);
  // The glue as a bundler ships it: one minified module.
  const esbuild = await import("esbuild");
  const bundle = await esbuild.build({ entryPoints: [join(dist, "index.js")], bundle: true, minify: true, format: "esm", write: false, platform: "browser", logLevel: "silent" });
  const glue = Buffer.from(bundle.outputFiles[0].contents);
  const bytes = await WebAssembly.compile(wasm);
  const t0 = performance.now();
  await WebAssembly.instantiate(bytes, {
    env: new Proxy({}, { get: () => () => 0 }),
    wasi_snapshot_preview1: new Proxy({}, { get: () => () => 0 }),
  });
  const instantiateMs = performance.now() - t0;
  const rows = [
    { what: "mfstate.wasm", raw: wasm.length, gzip: gz(wasm) },
    { what: "glue (dist/*.js bundled, minified)", raw: glue.length, gzip: gz(glue) },
  ];
  rows.push({ what: "total", raw: rows[0].raw + rows[1].raw, gzip: rows[0].gzip + rows[1].gzip });
  // The module's sections; its code by area from the same link with names (cmake target
  // mfstate-web-names; MFSTATE_WASM_NAMES, default beside the module in the wasm build tree).
  const { sections } = wasmLayout(wasm);
  const namedPath = process.env.MFSTATE_WASM_NAMES ?? join(here, "../../build/wasm/js/packages/core/wasm/mfstate-names.wasm");
  let areas = [];
  let codeBytes = 0;
  if (existsSync(namedPath)) {
    const named = wasmLayout(readFileSync(namedPath));
    const shippedCode = sections.find((x) => x.section === "Code")?.bytes;
    const namedCode = named.sections.find((x) => x.section === "Code")?.bytes;
    if (shippedCode === namedCode) {
      areas = codeByArea(named.functions);
      codeBytes = named.functions.reduce((n, f) => n + f.size, 0);
    } else {
      console.error(`size report: ${namedPath} is not the shipped module's build (code ${namedCode} B, shipped ${shippedCode} B): no breakdown`);
    }
  }
  // Start-up: a fresh node process, module compiled and host created (what a page pays once).
  const start = spawnSync(process.execPath, ["--input-type=module", "-e", `
    const t0 = performance.now();
    const m = await import(${JSON.stringify(join(dist, "index.js"))});
    const t1 = performance.now();
    const h = await m.createHost({ listenToPage: false });
    const t2 = performance.now();
    console.log(JSON.stringify({ importMs: t1 - t0, createHostMs: t2 - t1 }));
    h.dispose();`], { encoding: "utf8" });
  const startup = start.status === 0 ? JSON.parse(start.stdout.trim()) : { error: start.stderr };
  if (json) {
    for (const r of rows) console.log(JSON.stringify({ size: r.what, raw: r.raw, gzip: r.gzip }));
    console.log(JSON.stringify({ instantiate_ms: round1(instantiateMs * 10) / 10, ...startup }));
    for (const s of sections) console.log(JSON.stringify(s));
    for (const a of areas) console.log(JSON.stringify(a));
    return;
  }
  console.log("@mfstate/core size (what a page downloads)");
  for (const r of rows) console.log(`  ${r.what.padEnd(40)} ${String(r.raw).padStart(8)} B raw  ${String(r.gzip).padStart(8)} B gzip`);
  console.log(`  instantiation of the compiled module: ${instantiateMs.toFixed(2)} ms; fresh process: import ${startup.importMs?.toFixed(1)} ms, createHost (compile + instantiate) ${startup.createHostMs?.toFixed(1)} ms`);
  if (sections.length) console.log(`  module sections: ${sections.map((s) => `${s.section} ${s.bytes}`).join(", ")}`);
  if (areas.length) {
    console.log(`  code by area (function bodies, ${codeBytes} B in all; from ${namedPath}):`);
    for (const a of areas) console.log(`    ${String(a.bytes).padStart(8)} B ${((100 * a.bytes) / codeBytes).toFixed(1).padStart(5)}%  ${String(a.functions).padStart(5)} fns  ${a.area}`);
  } else {
    console.log("  (code by area: build the cmake target mfstate-web-names in the wasm tree)");
  }
}

// ---------------------------------------------------------------------------

const IDS = ["W1", "W1b", "W2", "W3a", "W3b", "W3c", "W4", "W5", "W6", "S1-invalidate", "S1-get"];

function selection(only) {
  if (!only) return new Set(IDS);
  const picked = new Set();
  for (const raw of only) {
    const id = raw.toLowerCase();
    const hits = id === "s1" ? ["S1-invalidate", "S1-get"] : id === "w3" ? ["W3a", "W3b", "W3c"] : IDS.filter((x) => x.toLowerCase() === id);
    if (hits.length === 0) fail(`unknown workload '${raw}'`);
    for (const h of hits) picked.add(h);
  }
  return picked;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.size) return sizeReport(o.json);
  const picked = selection(o.only);
  const want = (id) => picked.has(id);
  const needsS1 = want("S1-invalidate") || want("S1-get");
  if (needsS1 && typeof globalThis.gc !== "function" && !process.env.MFSTATE_WASM_BENCH_CHILD) {
    const r = spawnSync(process.execPath, ["--expose-gc", "--max-old-space-size=6144", ...process.execArgv, process.argv[1], ...process.argv.slice(2)], {
      stdio: "inherit",
      env: { ...process.env, MFSTATE_WASM_BENCH_CHILD: "1" },
    });
    process.exit(r.status ?? 1);
  }
  if (o.clock === "cpu") now = cpuNow;
  const div = o.quick ? 10 : 1;
  const size = (k) => FULL[k] / div;
  const emit = emitter(o.json);
  if (want("W1")) { await runW1(size("W1"), emit); collect(); }
  if (want("W1b")) { await runW1b(size("W1b"), emit); collect(); }
  if (want("W2")) { await runW2(size("W2"), emit); collect(); }
  if (want("W3a") || want("W3b") || want("W3c")) { await runW3(size("W3"), emit, want); collect(); }
  if (want("W4")) { await runW4(size("W4"), emit); collect(); }
  if (want("W5")) { runW5(size("W5"), emit); collect(); }
  if (want("W6")) { await runW6(size("W6"), emit); collect(); }
  if (needsS1) await runS1(FULL.S1_entries.map((e) => e / div), FULL.S1_invalidations / div, size("S1_gets"), emit, want);
  if (!o.json) console.log(`(sink ${sink}, live twins ${liveTwins()})`);
}

main().catch((err) => {
  console.error(`mfstate-wasm bench: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
