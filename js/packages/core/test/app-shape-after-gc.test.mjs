// An App is an object of ~40 private fields (a QueryObserver ~30), and V8 fixes how many of them
// fit inside the object (in-object slack tracking) when the seventh App is made, from the Apps it
// can still see then. A page whose first apps were all gone by that moment (hosts disposed, a
// garbage collection in between: remotes mounted one route at a time, or the bench's one host per
// workload) had every later App fixed at no room at all, a dictionary: each of its reads, emits and
// dispatches looked its fields up by hashing. The bench's W2 (an export read) took ~150 ns a read
// run after W1 and W1b, ~30 ns alone; makeApp now settles the size once, from Apps alive together,
// and so does QueryObserver's constructor (src/shape.ts).
//
// V8 only: the object's mode is read with natives syntax, switched on for this file's process
// (node --test runs each file in its own), as test/key-table-one-map does. The history below is
// the one that turned the bench's Apps into dictionaries: the two hosts' hot loops run long enough
// (a few hundred milliseconds each) for V8 to tier them up, as the bench's warm-ups do.
import { test } from "node:test";
import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import { mfstate } from "./helpers.mjs";

let natives = null;
try {
  v8.setFlagsFromString("--allow-natives-syntax");
  v8.setFlagsFromString("--expose-gc");
  natives = {
    fastProperties: new Function("o", "return %HasFastProperties(o)"),
    gc: vm.runInNewContext("gc"),
  };
} catch {
  natives = null;
}
const v8Only = { skip: natives === null ? "V8's natives syntax or gc is unavailable" : false };

const HOT_MS = 400;
const newHost = () => mfstate.createHost({ listenToPage: false });
const counter = (s, a) => (a.type === "INC" ? { ...s, count: s.count + 1 } : s);

/** Calls `step` in rounds of a thousand for at least `ms` milliseconds. */
function hot(ms, step) {
  const t0 = performance.now();
  do for (let i = 0; i < 1000; i++) step();
  while (performance.now() - t0 < ms);
}

// Each in a function of its own, as the bench's workloads: nothing of a host outlives its call.
async function oneStore() {
  const host = await newHost();
  const store = host.mount("home").createStore({ count: 0, items: Array.from({ length: 100 }, (_, i) => ({ id: i })) }, counter);
  for (let s = 0; s < 10; s++) store.subscribe(() => store.getState().count);
  const inc = { type: "INC" };
  hot(HOT_MS, () => store.dispatch(inc));
  host.dispose();
}

async function threeAppsBroadcasting() {
  const host = await newHost();
  const apps = ["home", "profile", "cart"].map((name) => host.mount(name));
  for (const app of apps) {
    app.createStore({ count: 0, user: { name: "Jo" } }, counter);
    app.accept("INC");
  }
  for (let s = 0; s < 10; s++) apps[0].subscribe(() => apps[0].getState().count);
  const inc = { type: "INC" };
  hot(HOT_MS, () => apps[1].broadcast(inc));
  host.dispose();
}

test("an App mounted after every earlier App and host is gone keeps V8's fast properties", v8Only, async () => {
  await oneStore();
  natives.gc();
  natives.gc();
  await threeAppsBroadcasting();
  natives.gc();
  natives.gc();
  const host = await newHost();
  const catalog = host.mount("catalog");
  const reader = host.mount("checkout");
  assert.ok(natives.fastProperties(catalog), "the first App of the third host");
  assert.ok(natives.fastProperties(reader), "the second App of the third host");
  // And they work as Apps (the settling Apps made beside the first one are never handed out).
  catalog.createStore({ items: [1, 2, 3] }, (s) => s);
  catalog.expose("catalog", (s) => s);
  assert.equal(reader.read("catalog", "catalog").items.length, 3);
  assert.deepEqual(host.inspect().apps.map((a) => a.name).sort(), ["catalog", "checkout", "platform"]);
  host.dispose();
});

test("a QueryObserver made after every earlier one is gone keeps V8's fast properties", v8Only, async () => {
  // One observer per round, as a page whose component makes its observer again after the last
  // one unmounted: its host disposed and collected before the next round.
  async function round(r) {
    const host = await newHost();
    const client = host.mount("profile").queryClient;
    const observer = new mfstate.QueryObserver(client, { queryKey: ["user", r], queryFn: async () => 0, staleTime: Infinity });
    let told = 0;
    const unsubscribe = observer.subscribe(() => told++);
    let v = 0;
    hot(HOT_MS / 3, () => client.setQueryData(["user", r], v++));
    assert.equal(observer.getCurrentResult().data, v - 1);
    assert.ok(told > 0);
    const fast = natives.fastProperties(observer);
    unsubscribe();
    host.dispose();
    return fast;
  }
  const fast = [];
  for (let r = 0; r < 10; r++) {
    fast.push(await round(r));
    natives.gc();
    natives.gc();
  }
  assert.deepEqual(fast, fast.map(() => true), "each round's observer");
});
