import { test } from "node:test";
import assert from "node:assert/strict";
import { testHost, initialUser, counterReducer } from "./helpers.mjs";

test("dispatch runs the reducer; getState is deeply frozen and keeps its identity until it changes", async () => {
  const { host } = await testHost();
  const app = host.mount("home");
  const store = app.createStore({ ...initialUser(), items: [{ id: 1 }, { id: 2 }] }, counterReducer);
  const s0 = store.getState();
  assert.equal(store.getState(), s0);
  assert.ok(Object.isFrozen(s0) && Object.isFrozen(s0.user) && Object.isFrozen(s0.items) && Object.isFrozen(s0.items[0]));
  store.dispatch({ type: "INC" });
  const s1 = store.getState();
  assert.notEqual(s1, s0);
  assert.equal(s1.count, 1);
  assert.equal(s1.user, s0.user, "an untouched subtree keeps its object");
  assert.equal(s1.items, s0.items);
  assert.equal(app.getState(), s1);
  store.dispatch({ type: "UNKNOWN" });
  assert.equal(store.getState(), s1, "a reducer returning the same state keeps it");
  host.dispose();
});

test("nothing the caller passes is frozen or kept", async () => {
  const { host } = await testHost();
  const app = host.mount("home");
  const initial = initialUser();
  const store = app.createStore(initial, counterReducer);
  assert.ok(!Object.isFrozen(initial) && !Object.isFrozen(initial.user));
  initial.user.name = "Mallory";
  assert.equal(store.getState().user.name, "John Doe");
  const payload = { nested: { n: 1 } };
  app.createStore; // the store exists; dispatch a payload and check it stays the caller's
  store.dispatch({ type: "RENAME", payload: "Jane" });
  const renamed = store.getState();
  assert.equal(renamed.user.name, "Jane");
  assert.ok(!Object.isFrozen(payload));
  host.dispose();
});

test("subscribers are told once per dispatch, after it, and may unsubscribe during notification", async () => {
  const { host } = await testHost();
  const app = host.mount("home");
  const store = app.createStore(initialUser(), counterReducer);
  const seen = [];
  let unB;
  const unA = store.subscribe(() => {
    seen.push(["a", store.getState().count]);
    unB();
  });
  unB = store.subscribe(() => seen.push(["b", store.getState().count]));
  store.dispatch({ type: "INC" });
  store.dispatch({ type: "INC" });
  assert.deepEqual(seen, [["a", 1], ["a", 2]]);
  unA();
  unA();
  store.dispatch({ type: "INC" });
  assert.equal(seen.length, 2);
  host.dispose();
});

test("one function subscribed twice is told twice, with no arguments; each unsubscribe ends its own subscription, once", async () => {
  const { host } = await testHost();
  const app = host.mount("home");
  const store = app.createStore(initialUser(), counterReducer);
  const seen = [];
  const listener = (...args) => seen.push([store.getState().count, args.length]);
  store.subscribe(() => {}); // another subscriber throughout
  const first = store.subscribe(listener);
  const second = store.subscribe(listener);
  store.dispatch({ type: "INC" });
  first();
  store.dispatch({ type: "INC" });
  second();
  store.dispatch({ type: "INC" });
  // Subscribed again after both ended: the old unsubscribes, called again, leave it alone.
  const third = store.subscribe(listener);
  first();
  second();
  store.dispatch({ type: "INC" });
  third();
  third();
  store.dispatch({ type: "INC" });
  assert.deepEqual(seen, [[1, 0], [1, 0], [2, 0], [4, 0]]);
  host.dispose();
});

test("listeners that throw stop neither the others nor the change; the shell hears every error once", async () => {
  const { host, errors } = await testHost();
  const home = host.mount("home");
  const store = home.createStore(initialUser(), counterReducer);
  const calls = [];
  store.subscribe(() => { calls.push("a"); throw new Error("a"); });
  store.subscribe(() => calls.push("b"));
  store.subscribe(() => { calls.push("c"); throw new Error("c"); });
  store.subscribe(() => calls.push("d"));
  store.dispatch({ type: "INC" });
  assert.deepEqual(calls, ["a", "b", "c", "d"]);
  assert.equal(store.getState().count, 1);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].code, "listener_error");
  assert.deepEqual(errors[0].cause.errors.map((e) => e.message), ["a", "c"]);

  // The same on the bus, with the last listener throwing alone.
  const cart = host.mount("cart");
  const heard = [];
  home.on("cart/added", (v) => heard.push(["x", v.n]));
  home.on("cart/added", (v) => heard.push(["y", v.n]));
  home.on("cart/added", () => { throw new Error("z"); });
  cart.emit("cart/added", { n: 1 });
  cart.emit("cart/added", { n: 2 });
  assert.deepEqual(heard, [["x", 1], ["y", 1], ["x", 2], ["y", 2]]);
  assert.equal(errors.length, 3);
  assert.equal(errors[2].cause.message, "z");
});

test("a dispatch from a subscriber is queued, never recursive", async () => {
  const { host } = await testHost();
  const app = host.mount("home");
  const store = app.createStore(initialUser(), counterReducer);
  const order = [];
  store.subscribe(() => {
    const n = store.getState().count;
    order.push(n);
    if (n === 1) {
      store.dispatch({ type: "INC" });
      order.push("after inner dispatch");
    }
  });
  store.dispatch({ type: "INC" });
  assert.deepEqual(order, [1, "after inner dispatch", 2]);
  host.dispose();
});

test("a reducer that throws leaves the state unchanged; the error is reducer_error with the thrown cause", async () => {
  const { host } = await testHost();
  const app = host.mount("home");
  const store = app.createStore(initialUser(), counterReducer);
  store.dispatch({ type: "INC" });
  const before = store.getState();
  let notified = 0;
  store.subscribe(() => notified++);
  assert.throws(
    () => store.dispatch({ type: "BOOM" }),
    (e) => e.code === "reducer_error" && e.cause instanceof TypeError && /boom/.test(e.message),
  );
  assert.equal(store.getState(), before);
  assert.equal(notified, 0);
  host.dispose();
});

test("a reducer returning undefined is refused, as Redux refuses it", async () => {
  const { host } = await testHost();
  const app = host.mount("home");
  const store = app.createStore({ n: 0 }, (s, a) => (a.type === "LOSE" ? undefined : s));
  assert.throws(() => store.dispatch({ type: "LOSE" }), (e) => e.code === "reducer_error" && /returned undefined/.test(e.message));
  assert.deepEqual(store.getState(), { n: 0 });
  host.dispose();
});

test("actions must be Flux Standard Actions; values must be JSON (the error names the path)", async () => {
  const { host } = await testHost();
  const app = host.mount("home");
  const store = app.createStore(initialUser(), counterReducer);
  assert.throws(() => store.dispatch({ type: "ADD", amount: 1 }), (e) => e.code === "invalid_argument" && /"amount"/.test(e.message));
  assert.throws(() => store.dispatch("INC"), (e) => e.code === "invalid_argument");
  assert.throws(() => store.dispatch({ type: 5 }), (e) => e.code === "invalid_argument");
  assert.throws(
    () => store.dispatch({ type: "RENAME", payload: { at: { when: new Date(0) } } }),
    (e) => e.code === "invalid_argument" && /Date at \/at\/when/.test(e.message),
  );
  assert.throws(() => store.dispatch({ type: "ADD", payload: NaN }), (e) => e.code === "invalid_argument" && /NaN/.test(e.message));
  const cyclic = { a: {} };
  cyclic.a.self = cyclic;
  assert.throws(() => store.dispatch({ type: "RENAME", payload: cyclic }), (e) => e.code === "depth_limit");
  assert.equal(store.getState().count, 0, "nothing was dispatched");
  host.dispose();
});

test("Redux middleware: api => next => action, built once; it may change, hold or drop actions", async () => {
  const { host } = await testHost();
  const app = host.mount("home");
  const log = [];
  let built = 0;
  let held;
  const logger = (api) => {
    built++;
    return (next) => (action) => {
      log.push(["before", action.type, api.getState().count]);
      next(action);
      log.push(["after", action.type, api.getState().count]);
    };
  };
  const doubler = () => (next) => (action) => (action.type === "INC" ? next({ type: "ADD", payload: 2 }) : next(action));
  const holder = () => (next) => (action) => {
    if (action.type === "LATER") held = () => next({ type: "INC" });
    else if (action.type !== "DROP") next(action);
  };
  const store = app.createStore(initialUser(), counterReducer, [logger, doubler, holder]);
  store.dispatch({ type: "INC" });
  store.dispatch({ type: "DROP" });
  store.dispatch({ type: "LATER" });
  assert.equal(store.getState().count, 2);
  held();
  assert.equal(store.getState().count, 3);
  assert.equal(built, 1);
  assert.deepEqual(log.slice(0, 2), [
    ["before", "INC", 0],
    ["after", "INC", 2],
  ]);
  host.dispose();
});

test("replaceReducer swaps the reducer and dispatches mfstate/replace", async () => {
  const { host } = await testHost();
  const app = host.mount("home");
  const store = app.createStore({ n: 1 }, (s) => s);
  const types = [];
  store.replaceReducer((s, a) => {
    types.push(a.type);
    return a.type === "DOUBLE" ? { n: s.n * 2 } : s;
  });
  store.dispatch({ type: "DOUBLE" });
  assert.deepEqual(types, ["mfstate/replace", "DOUBLE"]);
  assert.equal(store.getState().n, 2);
  host.dispose();
});

test("getState before createStore is no_store; a second store is refused", async () => {
  const { host } = await testHost();
  const app = host.mount("home");
  assert.throws(() => app.getState(), (e) => e.code === "no_store");
  app.createStore({}, (s) => s);
  assert.throws(() => app.createStore({}, (s) => s), (e) => e.code === "invalid_argument");
  host.dispose();
});

test("a payload with every JSON type and unicode round-trips", async () => {
  const { host } = await testHost();
  const app = host.mount("home");
  const store = app.createStore({ v: null }, (s, a) => ({ v: a.payload }));
  const value = {
    s: "héllo wörld ✓ 𝄞 " + "x".repeat(100),
    i: -123456,
    big: 2 ** 40,
    f: 3.25,
    neg0: 0,
    t: true,
    f2: false,
    n: null,
    a: [1, [2, [3]], { k: "v" }],
    "key with / and ~": 1,
    "": "empty key",
  };
  store.dispatch({ type: "SET", payload: value });
  assert.deepEqual(store.getState().v, value);
  host.dispose();
});

test("an initial state holds its strings as the module does: a lone surrogate as U+FFFD, for its app and the others", async () => {
  const { host } = await testHost();
  const app = host.mount("home");
  const other = host.mount("other");
  const store = app.createStore({ ["k\uD800"]: "v\uDC00", pair: "\uD834\uDD1E" }, (s) => s);
  app.expose("all", (s) => s);
  const want = { ["k\uFFFD"]: "v\uFFFD", pair: "\uD834\uDD1E" };
  assert.deepEqual(store.getState(), want, "the app's own state");
  assert.deepEqual(other.read("home", "all"), want, "what another app reads of it");
  host.dispose();
});

test("only a value's own members cross: an enumerable member a page adds to Object.prototype does not", async () => {
  const { host } = await testHost();
  const app = host.mount("home");
  const store = app.createStore({ v: null }, (s, a) => ({ ...s, v: a.payload }));
  // Members listed in an order that is not insertion order (integer-like names first), a
  // __proto__ member made by JSON.parse, and a null-prototype object.
  const bare = Object.create(null);
  bare.b = 2;
  bare.a = 1;
  const value = { z: 1, 10: "ten", 2: "two", nested: JSON.parse('{"__proto__": {"x": 1}, "y": [3]}'), bare };
  Object.defineProperty(Object.prototype, "injected", { value: "from the page", enumerable: true, configurable: true });
  try {
    store.dispatch({ type: "SET", payload: value });
    host.queryClient.setQueryData(["polluted"], { own: 1 });
  } finally {
    delete Object.prototype.injected;
  }
  const v = store.getState().v;
  assert.deepEqual(Object.keys(v), ["2", "10", "z", "nested", "bare"]);
  assert.deepEqual(Object.keys(v.nested), ["__proto__", "y"]);
  assert.deepEqual(Object.getOwnPropertyDescriptor(v.nested, "__proto__").value, { x: 1 });
  assert.deepEqual(Object.keys(v.bare), ["b", "a"]);
  assert.equal(Object.hasOwn(store.getState(), "injected"), false);
  assert.deepEqual(Object.keys(host.queryClient.getQueryData(["polluted"])), ["own"]);
  host.dispose();
});

test("values larger than the exchange buffer cross whole, both ways, keeping identity", async () => {
  const { host } = await testHost();
  const app = host.mount("catalog");
  const reader = host.mount("reader");
  const items = Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `item ${i} ✓`, tags: ["a", "b"] }));
  const store = app.createStore({ items }, (s, a) => (a.type === "ADD" ? { items: [...s.items, a.payload] } : s));
  app.expose("items", (s) => s.items);
  const read = reader.read("catalog", "items");
  assert.equal(read.length, 20_000);
  assert.deepEqual(read[19_999], { id: 19_999, name: "item 19999 ✓", tags: ["a", "b"] });
  assert.equal(read, store.getState().items);
  store.dispatch({ type: "ADD", payload: { id: -1, name: "x".repeat(100_000), tags: [] } });
  const after = reader.read("catalog", "items");
  assert.equal(after.length, 20_001);
  assert.equal(after[0], read[0], "elements carried over keep their objects");
  assert.equal(after[20_000].name.length, 100_000);
  host.dispose();
});
