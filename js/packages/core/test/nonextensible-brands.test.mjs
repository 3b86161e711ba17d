// The twins' private field (wasm.ts, TwinStamp) under the TC39 proposal "nonextensible applies to
// private" (https://tc39.es/proposal-nonextensible-applies-to-private): adding a private field to a
// non-extensible object throws a TypeError there. The package adds its field to the objects it
// makes before it freezes them, in every engine. The fast path's checked values are the app's own:
// where the engine follows the proposal (probed as the package loads) the field goes only to an
// extensible one, before the fast path freezes it, and one the app made non-extensible itself goes
// to a WeakSet; elsewhere the fast path freezes first and brands after, as it always did (cheaper).
//
// Node 20's V8 does not implement the proposal: adding a private field to a frozen object succeeds
// without a trace a script can see, so the TypeError itself cannot be provoked here, and the package
// probes "not following it". The tests switch the fast path to the proposal's way by hand
// (assumeFieldsNeedExtensible) and observe the order in two ways:
// - V8 keeps it in an object's hidden class (map): a field added after freezing gives a map other
//   than the one of the same object given the field first (and other than an untouched frozen
//   object's). The tests marked "V8" compare maps with %HaveSameMap, natives syntax switched on for
//   this process only (each test file runs in its own); they are skipped where that is unavailable.
// - The contract, engine-independent: a state or payload the app froze itself behaves on the fast
//   path as on the module's path, and a frozen value checked once is not walked again, either way.
import { test } from "node:test";
import assert from "node:assert/strict";
import v8 from "node:v8";
import { assertDeepFrozen, errorShape, sameOnBothPaths, testHost } from "./helpers.mjs";
import { assumeFieldsNeedExtensible, isTwin } from "../lib/wasm.js";

let sameMap = null;
try {
  v8.setFlagsFromString("--allow-natives-syntax");
  sameMap = new Function("a", "b", "return %HaveSameMap(a, b)");
} catch {
  sameMap = null;
}
const v8Only = { skip: sameMap === null ? "V8's natives syntax is unavailable" : false };

/** `x` and `ref` have the same hidden classes all the way down (same keys, same nesting). */
function assertSameMaps(x, ref, path = "value") {
  if (typeof x !== "object" || x === null) return;
  assert.ok(sameMap(x, ref), `${path}: the hidden class of the reference`);
  for (const k of Object.keys(x)) assertSameMaps(x[k], ref[k], `${path}.${k}`);
}


function deepFreeze(v) {
  if (typeof v === "object" && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

const modes = [
  ["as the engine is", false],
  ["as under the proposal", true],
];

/** Runs `body` with the fast path as under the proposal (`on`) or as the engine probed. */
async function inMode(on, body) {
  assumeFieldsNeedExtensible(on);
  try {
    return await body();
  } finally {
    assumeFieldsNeedExtensible(false);
  }
}

const value = () => ({ count: 1, user: { id: 7, name: "John Doe" }, tags: ["a", { b: 2 }] });

for (const [mode, on] of modes) test(`V8: every twin the package hands out was given its field before it was frozen (${mode})`, v8Only, () => inMode(on, async () => {
  // The reference: a message's payload decoded from the module (readValue has always stamped first).
  const { host } = await testHost();
  host.inspector.subscribe(() => {}); // every dispatch and message through the module
  const home = host.mount("home");
  const other = host.mount("other");
  let heard;
  other.on("home/said", (p) => {
    heard = p;
  });
  home.emit("home/said", value());
  assert.ok(isTwin(heard));

  const twins = {
    // a new key's data: copied as it is written (writeKeyAndTwinnedData)
    newKeyData: home.queryClient.setQueryData(["user", 7], value()),
    // a store's initial state (stageTwinned)
    initialState: home.createStore(value(), (s, a) => (a.type === "SET" ? value() : s)).getState(),
  };
  // a reducer's state through the module (writeResult, slots from mfs_js_twins)
  home.dispatch({ type: "SET" });
  twins.reducedThroughModule = home.getState();
  // a reducer's state on the fast path, as another app reads it: the module's copy (writeResult)
  const { host: fastHost } = await testHost();
  const fast = fastHost.mount("fast");
  fast.createStore({ count: 0 }, (s, a) => (a.type === "SET" ? value() : s));
  fast.dispatch({ type: "SET" });
  assert.ok(!isTwin(fast.getState()), "the fast path's state is the reducer's own object");
  fast.expose("all", (s) => s); // after the dispatch: an export takes the store off the fast path
  twins.readOfFastState = fastHost.mount("reader").read("fast", "all");
  assert.ok(!isTwin(fast.getState()));

  for (const [what, twin] of Object.entries(twins)) {
    assert.ok(isTwin(twin), `${what} is a twin`);
    assert.deepEqual(twin, heard);
    assertDeepFrozen(twin, what);
    assertSameMaps(twin, heard, what);
  }
  fastHost.dispose();
  host.dispose();
}));

test("V8: as under the proposal, a value the app froze (or made non-extensible) itself is never given the field, on either path", v8Only, () => inMode(true, async () => {
  for (const throughModule of [false, true]) {
    const { host, errors } = await testHost();
    if (throughModule) host.inspector.subscribe(() => {});
    const home = host.mount("home");
    const other = host.mount("other");
    const sealed = () => {
      const v = value();
      Object.preventExtensions(v.user);
      return v;
    };
    const made = [];
    const keep = (v) => made[made.push(v) - 1];
    home.createStore(deepFreeze(value()), (s, a) => {
      if (a.type === "FROZEN") return keep(deepFreeze(value()));
      if (a.type === "INC") return keep(deepFreeze({ ...s, count: s.count + 1 }));
      if (a.type === "SEALED") return keep(sealed());
      return s;
    });
    const seen = [];
    home.subscribe(() => seen.push(home.getState()));
    home.dispatch({ type: "FROZEN" });
    home.dispatch({ type: "INC" }); // a new frozen root around the checked members
    home.dispatch({ type: "SEALED" });
    home.expose("all", (s) => s); // after the dispatches: an export takes the store off the fast path
    other.read("home", "all"); // the module takes the state (a copy of it)
    other.on("home/said", () => {});
    const payload = deepFreeze(value());
    home.emit("home/said", payload);
    const data = deepFreeze(value());
    home.queryClient.setQueryData(["user", 7], data);

    const where = throughModule ? "through the module" : "on the fast path";
    for (const v of [...made, made[0].user, made[2].user, payload, payload.user, data, data.user]) {
      assert.ok(!isTwin(v), `${where}: the app's object never becomes a twin`);
    }
    assert.equal(seen.length, 3);
    if (!throughModule) assert.ok(seen.every((s, i) => s === made[i]), "the fast path keeps the app's states");
    // Untouched copies, frozen as the app froze the originals.
    assertSameMaps(made[0], deepFreeze(value()), `${where}, a frozen state`);
    // (Through the module that state's members are the module's copies, so only the fast path's.)
    if (!throughModule) assertSameMaps(made[1], deepFreeze({ ...deepFreeze(value()), count: 2 }), `${where}, a frozen state around checked members`);
    assertSameMaps(payload, deepFreeze(value()), `${where}, a frozen payload`);
    assertSameMaps(data, deepFreeze(value()), `${where}, a frozen query data`);
    // The fast path froze the sealed member itself (the module's path leaves the app's object as it is).
    const ref = sealed();
    if (!throughModule) deepFreeze(ref);
    assert.ok(sameMap(made[2].user, ref.user), `${where}: a member the app sealed is not given the field`);
    assert.deepEqual(errors, []);
    host.dispose();
  }
}));

for (const [mode, on] of modes) test(`a state the app froze itself: the same states, notifications and identities on both paths (${mode})`, () => inMode(on, async () => {
  const { result } = await sameOnBothPaths(({ host, throughModule }) => {
    const app = host.mount("home");
    const returned = [];
    const reducer = (s, a) => {
      let next = s;
      if (a.type === "INC") next = deepFreeze({ ...s, count: s.count + 1 });
      if (a.type === "RENAME") next = deepFreeze({ ...s, user: { ...s.user, name: a.payload } });
      if (a.type === "BACK") next = returned[0];
      if (next !== s) returned.push(next);
      return next;
    };
    const store = app.createStore(deepFreeze({ count: 0, user: { id: 7, name: "John Doe" } }), reducer);
    const states = [];
    store.subscribe(() => states.push(store.getState()));
    const user = store.getState().user;
    store.dispatch({ type: "INC" });
    store.dispatch({ type: "INC" });
    store.dispatch({ type: "NOTHING" });
    store.dispatch({ type: "RENAME", payload: "Jane" });
    store.dispatch({ type: "BACK" }); // a frozen state handed out before, returned again
    store.dispatch({ type: "INC" });
    const last = store.getState();
    return {
      seen: states.map((s) => [s.count, s.user.name]),
      // The fast path hands out the reducer's objects; the module's path its own frozen copies.
      identities: throughModule || states.every((s, i) => s === returned[i]),
      userKept: states[1].user === user,
      allFrozen: states.every((s) => Object.isFrozen(s) && Object.isFrozen(s.user)),
      noTwinOfTheApps: returned.every((s) => !isTwin(s)),
      last,
    };
  });
  assert.deepEqual(result.seen, [
    [1, "John Doe"],
    [2, "John Doe"],
    [2, "Jane"],
    [1, "John Doe"],
    [2, "John Doe"],
  ]);
  assert.equal(result.allFrozen, true);
  assert.equal(result.noTwinOfTheApps, true);
}));

for (const [mode, on] of modes) test(`a frozen value the fast path checked once is not walked again (${mode})`, () => inMode(on, async () => {
  const { host, errors } = await testHost();
  const app = host.mount("home");
  let reads = 0;
  // Frozen by the app (as Immer does), read through a Proxy that counts what is read of it.
  const counted = (target) =>
    new Proxy(deepFreeze(target), {
      get(t, k, r) {
        reads++;
        return Reflect.get(t, k, r);
      },
    });
  const inner = counted({ a: 1, b: { c: 2 } });
  const deeper = counted({ list: [1, 2] });
  const store = app.createStore({ count: 0 }, (s, a) => {
    if (a.type === "SET") return { count: 0, inner, nest: { deeper } };
    if (a.type === "INC") return { ...s, count: s.count + 1 }; // the one-level check
    if (a.type === "NEST") return { ...s, nest: { deeper, more: [s.count] } }; // the general walk
    return s;
  });
  store.dispatch({ type: "SET" });
  assert.ok(reads > 0, "checked once, when first returned");
  assert.equal(store.getState().inner, inner, "the fast path kept the app's object");
  const once = reads;
  for (let i = 0; i < 3; i++) store.dispatch({ type: "INC" });
  store.dispatch({ type: "NEST" });
  store.dispatch({ type: "INC" });
  assert.equal(reads, once, "the checked frozen values were not read again");
  assert.equal(store.getState().count, 4);
  assert.equal(store.getState().nest.deeper, deeper);
  assert.deepEqual(errors, []);
  host.dispose();
}));

test("as under the proposal, a Proxy whose isExtensible trap throws is left unbranded: the module's path takes the dispatch", () => inMode(true, async () => {
  const { result } = await sameOnBothPaths(({ host }) => {
    const app = host.mount("home");
    const odd = new Proxy(
      { a: 1 },
      {
        isExtensible() {
          throw new Error("asked");
        },
      },
    );
    const store = app.createStore({ count: 0 }, (s, a) => (a.type === "SET" ? { count: 1, odd } : a.type === "INC" ? { ...s, count: s.count + 1 } : s));
    const seen = [];
    store.subscribe(() => seen.push(JSON.stringify(store.getState())));
    store.dispatch({ type: "SET" });
    store.dispatch({ type: "INC" });
    return { seen, isTheProxy: store.getState().odd === odd };
  });
  assert.deepEqual(result.seen, ['{"count":1,"odd":{"a":1}}', '{"count":2,"odd":{"a":1}}']);
  assert.equal(result.isTheProxy, false, "the module's copy, as on its path");
}));

for (const [mode, on] of modes) test(`an app replacing WeakSet.prototype.has later cannot pass a value off as checked (${mode})`, () => inMode(on, async () => {
  const has = WeakSet.prototype.has;
  WeakSet.prototype.has = () => true;
  try {
    const { result } = await sameOnBothPaths(({ host }) => {
      const app = host.mount("home");
      const store = app.createStore({ count: 0 }, (s, a) => (a.type === "BAD" ? { ...s, bad: { f: () => 1 } } : s));
      let threw;
      try {
        store.dispatch({ type: "BAD" });
      } catch (e) {
        threw = errorShape(e);
      }
      return { threw, state: JSON.stringify(store.getState()) };
    });
    assert.equal(result.threw?.code, "reducer_error", "refused as the module refuses it");
    assert.equal(result.state, '{"count":0}');
  } finally {
    WeakSet.prototype.has = has;
  }
}));
