// Memory that does not grow with history: twins of values JavaScript no longer needs are released,
// and everything an app held goes when it unmounts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { testHost, initialUser, counterReducer, settle } from "./helpers.mjs";
import { heapUsed, liveTwins } from "../lib/wasm.js";

test("a million-dispatch history does not accumulate twins", async () => {
  const { host } = await testHost();
  const app = host.mount("home");
  const store = app.createStore({ ...initialUser(), items: Array.from({ length: 100 }, (_, i) => ({ id: i, v: i })) }, counterReducer);
  store.subscribe(() => store.getState().count);
  for (let i = 0; i < 20_000; i++) store.dispatch({ type: "INC" });
  const after = liveTwins();
  for (let i = 0; i < 100_000; i++) store.dispatch({ type: "INC" });
  assert.ok(liveTwins() <= Math.max(after * 2, 8192), `live twins ${liveTwins()} after 120k dispatches (${after} after 20k)`);
  assert.equal(store.getState().count, 120_000);
  host.dispose();
});

test("mount/unmount churn of distinct names frees what each app held", async () => {
  const { host } = await testHost();
  const observer = host.mount("observer");
  const baseline = host.queryClient.stats();
  for (let i = 0; i < 2_000; i++) {
    const a = host.mount(`app-${i}`);
    a.createStore({ i, data: { list: [i, i + 1] } }, (s) => s);
    a.expose("x", (s) => s.data);
    a.subscribe(() => {});
    a.on(`topic/${i}`, () => {});
    a.observe({ queryKey: ["q", i], queryFn: () => i, staleTime: Infinity, gcTime: 0 }, () => {});
    observer.read(`app-${i}`, "x");
    a.unmount();
  }
  await settle();
  host.advanceTime(1);
  assert.deepEqual([...host.apps()], ["platform", "observer"]);
  const stats = host.queryClient.stats();
  assert.equal(stats.observers, baseline.observers);
  assert.equal(stats.entries, baseline.entries);
  host.dispose();
});

test("an unmount releases the twins of what the app held at once, not at the table's next sweep", async () => {
  const { host } = await testHost();
  const reader = host.mount("reader");
  const before = liveTwins();
  const app = host.mount("profile");
  const rename = (s, action) => (action.type === "rename" ? { ...s, user: { ...s.user, name: action.payload } } : s);
  const store = app.createStore({ user: { name: "John", tags: ["a", "b"] }, list: Array.from({ length: 50 }, (_, i) => ({ i })) }, rename);
  app.expose("user", (s) => s.user);
  for (let i = 0; i < 20; i++) store.dispatch({ type: "rename", payload: `n${i}` });
  assert.equal(reader.read("profile", "user").name, "n19");
  assert.ok(liveTwins() > before + 50, `the app's values are twinned while it is mounted: ${liveTwins()} live, ${before} before`);
  app.unmount();
  assert.equal(liveTwins(), before, "nothing the app held keeps a twin once it is unmounted");
  host.dispose();
});

test("standalone QueryClients nothing references any more are freed in the module", async () => {
  const v8 = await import("node:v8");
  const vm = await import("node:vm");
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc");
  const { QueryClient, loadMfstate } = (await import("./helpers.mjs")).mfstate;
  await loadMfstate();
  const data = { list: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `user ${i}` })) };
  // A client per request, as a server renders: each is dropped after use.
  const serve = (n) => {
    for (let i = 0; i < n; i++) {
      const qc = new QueryClient({ clock: "manual" });
      qc.setQueryData(["users"], data);
      assert.equal(qc.getQueryData(["users"]).list.length, 200);
    }
  };
  const collect = async () => {
    for (let i = 0; i < 4; i++) {
      gc();
      // Finalizers run as tasks of their own: let them, then the releases queued after them.
      await new Promise((r) => setImmediate(r));
    }
  };
  // The first round grows the module's tables to their peak (kept for reuse); later rounds reuse them.
  serve(300);
  await collect();
  const before = heapUsed();
  serve(300);
  await collect();
  const grown = heapUsed() - before;
  // One client holding the data is about 26 KB in the module: 300 kept would be 7.9 MB.
  assert.ok(grown < 300 * 1024, `the module's heap grew by ${grown} bytes over 300 dropped clients`);
  // A client still referenced keeps working.
  const kept = new QueryClient({ clock: "manual" });
  kept.setQueryData(["users"], data);
  await collect();
  assert.equal(kept.getQueryData(["users"]).list.length, 200);
});
