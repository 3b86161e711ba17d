// A hostile app against the module's completion table: each fetch in flight (a query function
// called and not answered yet) holds one of its entries, and the table serves the whole page (2^20).
// Before, fetches were counted nowhere and their entries went only when the query function
// answered: one app starting a million fetches that never settle (prefetchQuery with
// `() => new Promise(() => {})`, about three minutes of its own CPU) made every later fetch on the
// page fail with size_limit, and an unmounted app's fetches that never settle kept their entries
// for good (a shell remounting such an app filled the table too). Now an app's fetches in flight
// count against its MAX_SUBSCRIPTIONS with its other handles, standalone clients' against their
// page-wide bound, and the module drops a fetch's entry when it ends unanswered (cancel, removal,
// its app's unmount, its client's end), giving its room back.
//
// Filling 65,536 fetches takes seconds; the tests fill the same bound with what is cheap to hold
// (timers, cache listeners: they count against it as well) and the last few places with fetches.
import assert from "node:assert/strict";
import { test } from "node:test";
import { mfstate, settle } from "./helpers.mjs";
import { api } from "../lib/wasm.js";

const { createHost, QueryClient } = mfstate;

const BOUND = 1 << 16; // MAX_SUBSCRIPTIONS, and the page's MAX_OUTSIDE_HANDLES (standalone clients' among them)
const never = () => new Promise(() => {});

/**
 * Holds `n` timers of `app` (counted against its bound with its fetches; unlike cache listeners,
 * not called at each fetch); returns their enders.
 */
function timers(app, n) {
  const ends = [];
  for (let i = 0; i < n; i++) ends.push(app.scheduleAfter(1e12, () => {}));
  return ends;
}

/** Holds `n` cache listeners of `client` (counted against its owner's bound); returns their enders. */
function listeners(client, n) {
  const cache = client.getQueryCache();
  const ends = [];
  for (let i = 0; i < n; i++) ends.push(cache.subscribe(() => {}));
  return ends;
}

/** Starts fetches of keys [tag, i] for i in [from, to); returns the errors of those refused. */
async function fetches(client, tag, from, to, queryFn = never) {
  const refused = [];
  for (let i = from; i < to; i++) {
    client.fetchQuery({ queryKey: [tag, i], queryFn, retry: false }).catch((e) => {
      if (e?.code === "size_limit") refused.push(e);
    });
  }
  await settle(10);
  return refused;
}

/** Another app can still fetch, observe and subscribe. */
async function victimStillWorks(host) {
  const victim = host.mount(`victim${Math.random()}`);
  assert.equal(await victim.queryClient.fetchQuery({ queryKey: ["victim"], queryFn: () => 7 }), 7);
  victim.queryClient.getQueryCache().subscribe(() => {})();
  victim.unmount();
}

test("an app's fetches in flight count against its subscriptions; one refused fails as its query's error", async () => {
  const host = await createHost({ clock: "manual", listenToPage: false });
  const mallory = host.mount("mallory");
  const client = mallory.queryClient;
  const held = timers(mallory, BOUND - 50);
  const refused = await fetches(client, "m", 0, 100);
  assert.equal(refused.length, 50, `${100 - refused.length} fetches in flight on 50 places left`);
  const e = refused[0];
  assert.match(e.message, /app "mallory" holds 65536 subscriptions .*fetches in flight/);
  // Its query shows the error (not retried), and nothing else changed: no data, not fetching.
  const state = client.getQueryState(["m", 99]);
  assert.equal(state.status, "error");
  assert.equal(state.fetchStatus, "idle");
  assert.equal(state.error.code, "size_limit");
  assert.equal(state.data, undefined);
  assert.equal(client.getQueryState(["m", 0]).fetchStatus, "fetching");
  // Past its bound, the app's other handles are refused too; another app is not touched.
  assert.throws(() => client.getQueryCache().subscribe(() => {}), (x) => x.code === "size_limit");
  await victimStillWorks(host);
  for (const end of held) end();
  host.dispose();
});

test("every way a fetch ends gives its room back, once", async () => {
  const host = await createHost({ clock: "manual", listenToPage: false });
  const mallory = host.mount("mallory");
  const client = mallory.queryClient;
  const held = timers(mallory, BOUND - 10);
  const full = async (tag) => (await fetches(client, tag, 0, 1)).length === 1;

  // Answered: data, an error, an undefined (query-core's error), a throw at once.
  let answers = [];
  const answered = (i) => () => new Promise((resolve, reject) => answers.push([resolve, reject, i]));
  assert.equal((await fetches(client, "a", 0, 10, answered())).length, 0);
  assert.ok(await full("a+"), "10 in flight fill the last 10 places");
  for (const [resolve, reject, i] of answers) (i % 3 === 0 ? reject(new Error("no")) : i % 3 === 1 ? resolve(i) : resolve(undefined));
  answers = [];
  await settle(10);
  assert.equal((await fetches(client, "b", 0, 10, () => Promise.reject(new Error("at once")))).length, 0);
  await settle(10);

  // Cancelled (the query function never answers: the module drops the fetch at its cancel).
  assert.equal((await fetches(client, "c", 0, 10)).length, 0);
  assert.ok(await full("c+"));
  await client.cancelQueries({ queryKey: ["c"] });
  assert.equal((await fetches(client, "d", 0, 10)).length, 0, "cancelled fetches gave their room back");
  assert.ok(await full("d+"));
  // Removed.
  client.removeQueries({ queryKey: ["d"] });
  await settle(10);
  assert.equal((await fetches(client, "e", 0, 10)).length, 0, "removed queries' fetches gave their room back");
  assert.ok(await full("e+"));
  // An answer after the cancel does not give the room back a second time.
  await client.cancelQueries({ queryKey: ["e"] });
  assert.equal((await fetches(client, "f", 0, 10, answered())).length, 0);
  await client.cancelQueries({ queryKey: ["f"] });
  for (const [resolve] of answers) resolve("late");
  await settle(10);
  assert.equal((await fetches(client, "g", 0, 11)).length, 1, "10 places, not 20");
  // A query function reading its signal after its fetch was dropped finds it aborted.
  let context;
  await client.cancelQueries({ queryKey: ["g"] });
  fetches(client, "h", 0, 1, (ctx) => {
    context = ctx;
    return never();
  });
  await settle(10);
  await client.cancelQueries({ queryKey: ["h"] });
  assert.equal(context.signal.aborted, true);
  for (const end of held) end();
  host.dispose();
});

test("standalone clients' fetches in flight count against their page-wide bound", async () => {
  const host = await createHost({ clock: "manual", listenToPage: false });
  const clients = Array.from({ length: 4 }, () => new QueryClient({ clock: "manual" }));
  const held = clients.flatMap((c) => listeners(c, (BOUND - 40) / 4));
  const own = new QueryClient({ clock: "manual" });
  const refused = await fetches(own, "s", 0, 100);
  assert.equal(refused.length, 60);
  assert.match(refused[0].message, /outside the page's host \(standalone QueryClients, .*\) holds 65536 handles .*fetches in flight/);
  await victimStillWorks(host);
  // Its client's end (clear) drops its fetches: their room is back.
  own.clear();
  await settle(10);
  const again = new QueryClient({ clock: "manual" });
  assert.equal((await fetches(again, "t", 0, 41)).length, 1);
  again.clear();
  await settle(10);
  for (const end of held) end();
  host.dispose();
});

test("an unmounted app's fetches that never settle leave nothing in the module", async () => {
  const host = await createHost({ clock: "manual", listenToPage: false });
  const residue = [];
  for (let round = 0; round < 4; round++) {
    const before = api.mfs_heap_used();
    const app = host.mount("cycled");
    for (let i = 0; i < 3000; i++) app.queryClient.prefetchQuery({ queryKey: ["p", i], queryFn: never, gcTime: 0 });
    await settle(10);
    app.unmount();
    host.advanceTime(1);
    await settle(10);
    residue.push(api.mfs_heap_used() - before);
  }
  // Each round's fetches kept their entries (and their states, their queries) for good before.
  assert.ok(residue[2] < 32 * 1024 && residue[3] < 32 * 1024, `unmounted apps' fetches left ${residue} bytes`);
  await victimStillWorks(host);
  host.dispose();
});
