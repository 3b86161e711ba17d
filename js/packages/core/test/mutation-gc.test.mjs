// Settled mutations leave the MutationCache after their gcTime, as in query-core: memory follows
// the mutations in use, not every mutate a page ever ran. Time moves only by advanceTime.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mfstate, settle, testHost } from "./helpers.mjs";

const { QueryClient, MutationObserver } = mfstate;

async function client() {
  await mfstate.loadMfstate();
  return new QueryClient({ clock: "manual", now: 1_000_000 });
}

/** Runs one mutation through an observer and lets it go (reset): settled and unobserved. */
async function settledMutation(qc, options = {}) {
  const observer = new MutationObserver(qc, { mutationFn: async (v) => v, ...options });
  await observer.mutate({ n: 1 });
  await settle();
  observer.reset();
  return observer;
}

/** Moves time to 1 ms before `ms` (the cache still holds its one mutation), then to `ms` (gone). */
function leavesAt(qc, ms) {
  qc.advanceTime(ms - 1);
  assert.equal(qc.getMutationCache().getAll().length, 1, "still there before its gcTime");
  qc.advanceTime(1);
  assert.equal(qc.getMutationCache().getAll().length, 0);
}

function removals(qc) {
  const seen = [];
  qc.getMutationCache().subscribe((e) => {
    if (e.type === "removed") seen.push(e.mutation);
  });
  return seen;
}

test("a settled, unobserved mutation leaves the cache after its gcTime, with a removed event", async () => {
  const qc = await client();
  const removed = removals(qc);
  await settledMutation(qc, { gcTime: 1000 });
  const [m] = qc.getMutationCache().getAll();
  assert.equal(m.state.status, "success");
  leavesAt(qc, 1000);
  assert.deepEqual(removed, [m]);
});

test("without a gcTime a mutation stays five minutes; gcTime Infinity keeps it until cleared", async () => {
  const qc = await client();
  await settledMutation(qc);
  await settledMutation(qc, { gcTime: Infinity, mutationKey: ["kept"] });
  qc.advanceTime(5 * 60 * 1000 - 1);
  assert.equal(qc.getMutationCache().getAll().length, 2);
  qc.advanceTime(1);
  const left = qc.getMutationCache().getAll();
  assert.equal(left.length, 1);
  assert.deepEqual(left[0].options.mutationKey, ["kept"]);
  qc.advanceTime(365 * 24 * 3600 * 1000);
  assert.equal(qc.getMutationCache().getAll().length, 1);
  qc.getMutationCache().clear();
  assert.equal(qc.getMutationCache().getAll().length, 0);
});

test("an observer with listeners holds its mutation; its gcTime counts from when the last listener left", async () => {
  const qc = await client();
  const observer = new MutationObserver(qc, { mutationFn: async (v) => v, gcTime: 100 });
  const unsubscribe = observer.subscribe(() => {});
  await observer.mutate("a");
  await settle();
  qc.advanceTime(10_000);
  assert.equal(qc.getMutationCache().getAll().length, 1, "held while observed");
  assert.equal(observer.getCurrentResult().data, "a");
  unsubscribe();
  leavesAt(qc, 100);
});

test("a new mutate lets the observer's previous mutation go; the current one stays", async () => {
  const qc = await client();
  const observer = new MutationObserver(qc, { mutationFn: async (v) => v, gcTime: 100 });
  observer.subscribe(() => {});
  await observer.mutate("first");
  await observer.mutate("second");
  await settle();
  qc.advanceTime(100);
  const left = qc.getMutationCache().getAll();
  assert.equal(left.length, 1);
  assert.equal(left[0].state.data, "second");
  assert.equal(observer.getCurrentResult().data, "second");
});

test("a pending mutation is never collected, and its gcTime starts when it settles", async () => {
  const qc = await client();
  let finish;
  const observer = new MutationObserver(qc, { mutationFn: () => new Promise((r) => (finish = r)), gcTime: 50 });
  const done = observer.mutate("slow");
  await settle();
  observer.reset();
  qc.advanceTime(1000);
  const [m] = qc.getMutationCache().getAll();
  assert.equal(m.state.status, "pending");
  finish("ok");
  await done;
  await settle();
  leavesAt(qc, 50);
});

test("a failed mutation is collected like a successful one", async () => {
  const qc = await client();
  const observer = new MutationObserver(qc, {
    mutationFn: async () => {
      throw new Error("500");
    },
    gcTime: 10,
  });
  await assert.rejects(observer.mutate(1), /500/);
  await settle();
  observer.reset();
  assert.equal(qc.getMutationCache().getAll()[0].state.status, "error");
  qc.advanceTime(10);
  assert.equal(qc.getMutationCache().getAll().length, 0);
});

test("a thousand mutations run and let go leave nothing behind", async () => {
  const qc = await client();
  const observer = new MutationObserver(qc, { mutationFn: async (v) => v, gcTime: 0 });
  for (let i = 0; i < 1000; i++) {
    await observer.mutate(i);
    observer.reset();
  }
  await settle();
  qc.advanceTime(0);
  assert.equal(qc.getMutationCache().getAll().length, 0);
});

test("each client has its own mutations: a new client starts with none", async () => {
  const a = await client();
  await settledMutation(a, { gcTime: Infinity });
  const b = await client();
  assert.equal(a.getMutationCache().getAll().length, 1);
  assert.equal(b.getMutationCache().getAll().length, 0);
});

test("in a host, an app's mutations leave the shared cache on the host's clock, even after the app unmounts", async () => {
  const { host } = await testHost();
  const app = host.mount("profile");
  await settledMutation(app.queryClient, { gcTime: 1000 });
  assert.equal(host.queryClient.getMutationCache().getAll().length, 1);
  app.unmount();
  host.advanceTime(1000);
  assert.equal(host.queryClient.getMutationCache().getAll().length, 0);
  host.dispose();
});

test("disposing a host with mutations waiting for their gcTime ends their timers", async () => {
  const { host, errors } = await testHost();
  const app = host.mount("profile");
  await settledMutation(app.queryClient, { gcTime: 1000 });
  host.dispose();
  assert.deepEqual(errors, []);
  // A second host (handles reused or not) starts with an empty cache.
  const { host: next } = await testHost();
  assert.equal(next.queryClient.getMutationCache().getAll().length, 0);
  next.dispose();
});

test("however many mutations an app runs, at most MAX_GC_TIMERS settled ones wait for their gcTime; the longest waiting leave first", async () => {
  const { MAX_GC_TIMERS } = await import("../lib/query/core.js");
  const qc = await client();
  const removed = removals(qc);
  const observer = new MutationObserver(qc, { mutationFn: async (v) => v, gcTime: 60_000 });
  const n = MAX_GC_TIMERS + 10;
  for (let i = 0; i < n; i++) {
    await observer.mutate(i);
    observer.reset();
  }
  await settle();
  assert.equal(qc.getMutationCache().getAll().length, MAX_GC_TIMERS);
  assert.deepEqual(
    removed.map((m) => m.state.data),
    Array.from({ length: 10 }, (_, i) => i),
  );
  qc.advanceTime(60_000);
  assert.equal(qc.getMutationCache().getAll().length, 0);
});
