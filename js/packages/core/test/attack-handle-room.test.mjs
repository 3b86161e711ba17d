// A hostile app against the module's subscription handle table, which serves the whole page
// (2^20 entries). Each app holds at most MAX_SUBSCRIPTIONS (2^16) of them; what is held outside any
// app (standalone clients, which any code of the page can make) has one page-wide bound of the same
// size. Every way of taking an entry counts: before, an app's face's cache listeners, and mutations
// under way, were counted nowhere, and a standalone client's listeners and observers nowhere either:
// one app filled the table in a couple of seconds and every other app's subscribe, timer and
// observer failed with size_limit.
import assert from "node:assert/strict";
import { test } from "node:test";
import { mfstate, settle } from "./helpers.mjs";
import { api } from "../lib/wasm.js";

const { createHost, MutationObserver, QueryClient, QueryObserver } = mfstate;

const APP_BOUND = 1 << 16;

/**
 * Calls `take` until it throws, at most twice the bound (unbounded, a million calls filled the
 * table, 2^20 entries, and then threw: see above); returns how many got through and the error.
 */
function exhaust(take) {
  let n = 0;
  try {
    for (; n <= 2 * APP_BOUND; n++) take(n);
  } catch (e) {
    return { n, error: e };
  }
  return { n, error: undefined };
}

/** Everything the victim does that takes an entry still works. */
async function victimStillWorks(host) {
  const victim = host.mount(`victim${Math.random()}`);
  victim.createStore({ n: 0 }, (s, a) => (a.type === "inc" ? { n: s.n + 1 } : s));
  const told = new Set();
  const key = ["victim", victim.name];
  const ends = [
    victim.subscribe(() => told.add("store")),
    victim.scheduleAfter(5, () => told.add("timer")),
    victim.observe({ queryKey: key, queryFn: () => ({ name: "v" }) }, (r) => r.data && told.add("query")),
    victim.queryClient.getQueryCache().subscribe(() => {}),
    victim.on("victim/**", () => {}),
  ];
  victim.dispatch({ type: "inc" });
  host.advanceTime(10);
  await settle(20);
  const paid = await new MutationObserver(victim.queryClient, { mutationFn: async (v) => v * 2 }).mutate(21);
  for (const end of ends) end();
  assert.deepEqual([...told].sort(), ["query", "store", "timer"]);
  assert.equal(paid, 42);
  victim.unmount();
}

test("an app's cache listeners count against its subscriptions, and end when it unmounts", async () => {
  const host = await createHost({ clock: "manual", listenToPage: false });
  const mallory = host.mount("mallory");
  const cache = mallory.queryClient.getQueryCache();
  const { n, error } = exhaust(() => cache.subscribe(() => {}));
  assert.equal(error?.code, "size_limit");
  assert.ok(n <= APP_BOUND, `an app held ${n} cache listeners`);
  await victimStillWorks(host);
  mallory.unmount();
  await victimStillWorks(host);
  // Unmounted, its listeners are gone from the module: an app the shell mounts again and again
  // leaves nothing behind (each listener kept a table entry and its function for good before).
  const residue = [];
  for (let round = 0; round < 3; round++) {
    const before = api.mfs_heap_used();
    const again = host.mount("cycled");
    const c = again.queryClient.getQueryCache();
    for (let i = 0; i < 5000; i++) c.subscribe(() => {});
    again.unmount();
    residue.push(api.mfs_heap_used() - before);
  }
  assert.ok(residue[1] < 16 * 1024 && residue[2] < 16 * 1024, `unmounted apps' cache listeners left ${residue} bytes`);
  host.dispose();
});

test("mutations under way count against their app's subscriptions", async () => {
  const host = await createHost({ clock: "manual", listenToPage: false });
  const mallory = host.mount("mallory");
  const observer = new MutationObserver(mallory.queryClient, { mutationFn: () => new Promise(() => {}) });
  const refused = [];
  // mutate reaches the module after its own awaits: the bound shows as refused mutations.
  for (let i = 0; i < APP_BOUND + 100; i++) observer.mutate().catch((e) => refused.push(e));
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(refused.length >= 100, `${APP_BOUND + 100} mutations under way, ${refused.length} refused`);
  assert.ok(refused.every((e) => e.code === "size_limit"));
  await victimStillWorks(host);
  host.dispose();
});

test("standalone clients, any number of them, hold a bounded part of the table together", async () => {
  const host = await createHost({ clock: "manual", listenToPage: false });
  const clients = [];
  const ends = [];
  const listeners = exhaust((i) => {
    if (i % 1000 === 0) clients.push(new QueryClient({ clock: "manual" }));
    ends.push(clients.at(-1).getQueryCache().subscribe(() => {}));
  });
  assert.equal(listeners.error?.code, "size_limit");
  assert.ok(listeners.n <= APP_BOUND, `standalone clients held ${listeners.n} cache listeners`);
  await victimStillWorks(host);
  // Observers share the same bound; one ended gives its room back.
  const own = new QueryClient({ clock: "manual" });
  assert.throws(() => new QueryObserver(own, { queryKey: ["s"], enabled: false }).subscribe(() => {}), (e) => e.code === "size_limit");
  ends.pop()();
  new QueryObserver(own, { queryKey: ["s"], enabled: false }).subscribe(() => {})();
  for (const end of ends) end();
  host.dispose();
});

test("a standalone client's observers are bounded, and give their room back when they end", async () => {
  const host = await createHost({ clock: "manual", listenToPage: false });
  const client = new QueryClient({ clock: "manual" });
  const ends = [];
  const { n, error } = exhaust((i) => ends.push(new QueryObserver(client, { queryKey: ["s", i], enabled: false }).subscribe(() => {})));
  assert.equal(error?.code, "size_limit");
  assert.ok(n > 0 && n <= APP_BOUND, `a standalone client held ${n} observers`);
  await victimStillWorks(host);
  for (const end of ends) end();
  assert.equal(exhaust((i) => ends.push(new QueryObserver(client, { queryKey: ["s", i], enabled: false }).subscribe(() => {}))).n, n);
  for (const end of ends) end();
  host.dispose();
});
