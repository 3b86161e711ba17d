// A shell that freezes the page's intrinsics before it loads any remote (what SES's lockdown()
// does, done by hand here): the package still works. Its own process: the freezing is for good.
// The Error family is left alone: frozen as is, node's own streams (the test runner's) assign an
// error's `name` and fail; lockdown() tames those rather than freezing them bare.
import { test } from "node:test";
import assert from "node:assert/strict";

for (const c of [Object, Array, Function, Map, Set, WeakMap, WeakSet, Promise, String, Number, Boolean, Symbol, Date, RegExp, JSON, Math, Reflect, Uint8Array, Uint32Array, Int32Array, Float64Array, ArrayBuffer, DataView, TextEncoder, TextDecoder]) {
  Object.freeze(c);
  if (c.prototype) Object.freeze(c.prototype);
}
Object.freeze(Object.getPrototypeOf(Uint8Array));
Object.freeze(Object.getPrototypeOf(Uint8Array).prototype);

const { testHost, initialUser, counterReducer, settle } = await import("./helpers.mjs");

test("with the page's intrinsics frozen: stores (fast path and module path), the bus, commands, queries", async () => {
  const { host, errors } = await testHost();
  const home = host.mount("home");
  const cart = host.mount("cart");
  const store = home.createStore(initialUser(), counterReducer);
  const told = [];
  store.subscribe(() => told.push(store.getState().count));
  store.dispatch({ type: "INC" });
  home.accept("ADD");
  cart.send("home", { type: "ADD", payload: 2 });
  home.expose("count", (s) => s.count);
  store.dispatch({ type: "INC" });
  assert.equal(cart.read("home", "count"), 4);
  assert.deepEqual(told, [1, 3, 4]);
  const heard = [];
  home.on("cart/added", (v) => heard.push(v.n));
  cart.emit("cart/added", { n: 7 });
  assert.deepEqual(heard, [7]);
  const qc = home.queryClient;
  qc.setQueryData(["user", { id: 1 }], { name: "John" });
  assert.deepEqual(qc.getQueryData(["user", { id: 1 }]), { name: "John" });
  const data = await qc.fetchQuery({ queryKey: ["todos"], queryFn: async () => [{ id: 1 }] });
  await settle();
  assert.deepEqual(data, [{ id: 1 }]);
  assert.deepEqual(errors, []);
  host.dispose();
});
