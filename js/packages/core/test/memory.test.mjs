// Memory that does not grow with history: twins of values JavaScript no longer needs are released,
// and everything an app held goes when it unmounts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { testHost, initialUser, counterReducer, settle } from "./helpers.mjs";
import { liveTwins } from "../dist/wasm.js";

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
