// A mutation's state between its attempts, as query-core's MutationObserver shows it: the failure
// count and reason after each failed attempt that is retried, the pause of a mutation waiting for
// the network, and `retry` / `retryDelay` functions called with what the mutation function threw.
// Each sequence runs on both libraries and the two are compared.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tanstack from "@tanstack/query-core";
import { mfstate, settle } from "./helpers.mjs";

async function both() {
  await mfstate.loadMfstate();
  return [
    { lib: mfstate, qc: new mfstate.QueryClient({ clock: "manual", now: 1_000_000 }), ours: true },
    { lib: tanstack, qc: new tanstack.QueryClient(), ours: false },
  ];
}

/** Lets each library's timers and promises run: the manual clock here, a real tick there. */
async function pass(side, ms = 10) {
  if (side.ours) side.qc.advanceTime(ms);
  await settle();
  await new Promise((resolve) => setTimeout(resolve, side.ours ? 0 : ms + 5));
  await settle();
}

const states = (results) => results.map((r) => [r.status, r.failureCount, r.failureReason?.status ?? null, r.isPaused]);

test("retries: the failure count and reason after each failed attempt, and retry sees the thrown object", async () => {
  const out = [];
  for (const side of await both()) {
    let calls = 0;
    const seen = [];
    const results = [];
    const observer = new side.lib.MutationObserver(side.qc, {
      retryDelay: 0,
      mutationFn: async () => {
        calls++;
        throw Object.assign(new Error("nope"), { status: calls < 3 ? 500 : 404 });
      },
      retry: (count, error) => {
        seen.push([count, error.status]);
        return error.status !== 404 && count < 5;
      },
    });
    observer.subscribe((r) => results.push(r));
    const failed = observer.mutate(1).catch((e) => e);
    for (let i = 0; i < 5; i++) await pass(side);
    const error = await failed;
    out.push({ calls, seen, states: states(results), status: error.status });
    side.qc.clear();
  }
  assert.deepEqual(out[0], out[1]);
  assert.equal(out[0].calls, 3, "the 404 is not retried");
  assert.deepEqual(out[0].states, [
    ["pending", 0, null, false],
    ["pending", 1, 500, false],
    ["pending", 2, 500, false],
    ["error", 3, 404, false],
  ]);
});

test("a retryDelay function is called with the thrown object, and its delay is the one waited", async () => {
  const out = [];
  for (const side of await both()) {
    let calls = 0;
    const delays = [];
    const observer = new side.lib.MutationObserver(side.qc, {
      retry: 1,
      retryDelay: (count, error) => {
        delays.push([count, error.status]);
        return 40;
      },
      mutationFn: async () => {
        calls++;
        if (calls === 1) throw Object.assign(new Error("busy"), { status: 503 });
        return "done";
      },
    });
    const done = observer.mutate(1);
    await pass(side, 0);
    const before = calls;
    if (side.ours) {
      await pass(side, 39);
      assert.equal(calls, 1, "not before the delay");
    }
    for (let i = 0; i < 3; i++) await pass(side, 40);
    out.push({ before, calls, delays, data: await done });
    side.qc.clear();
  }
  assert.deepEqual(out[0], out[1]);
  assert.deepEqual(out[0].delays, [[0, 503]]);
});

test("offline, a mutation is pending and paused until the network returns", async () => {
  const out = [];
  for (const side of await both()) {
    // query-core resumes paused mutations from a mounted client's onlineManager subscription.
    if (!side.ours) side.qc.mount();
    const setOnline = (online) => (side.ours ? side.qc.setOnline(online) : tanstack.onlineManager.setOnline(online));
    setOnline(false);
    const results = [];
    let calls = 0;
    const observer = new side.lib.MutationObserver(side.qc, { mutationFn: async () => ++calls });
    observer.subscribe((r) => results.push(r));
    const done = observer.mutate(1);
    await pass(side);
    const whileOffline = calls;
    setOnline(true);
    await pass(side);
    out.push({ whileOffline, data: await done, states: states(results) });
    if (!side.ours) side.qc.unmount();
    side.qc.clear();
  }
  assert.equal(out[0].whileOffline, 0);
  assert.deepEqual(out[0], out[1]);
  // Paused from its first "pending" (before onMutate), as query-core's; then its retryer's pause.
  assert.deepEqual(out[0].states, [
    ["pending", 0, null, true],
    ["pending", 0, null, true],
    ["pending", 0, null, false],
    ["success", 0, null, false],
  ]);
});

test("a mutation whose scope is busy is paused from its first pending; one freed while onMutate runs continues", async () => {
  const out = [];
  for (const side of await both()) {
    const scope = { id: "todos" };
    let release;
    /** A mutation of the scope that holds it until release() is called. */
    const holder = () => {
      const held = new Promise((resolve) => (release = resolve));
      return new side.lib.MutationObserver(side.qc, { scope, mutationFn: () => held });
    };
    let freeInOnMutate = false;
    const results = [];
    const b = new side.lib.MutationObserver(side.qc, {
      scope,
      mutationFn: async (v) => v,
      onMutate: async () => {
        if (!freeInOnMutate) return;
        release("held"); // the scope frees while this onMutate runs
        await settle();
      },
    });
    b.subscribe((r) => results.push([r.status, r.isPaused]));
    // The scope busy from before and after onMutate: paused, then its retryer's pause, then on.
    const doneA = holder().mutate(1);
    await pass(side);
    const doneB = b.mutate(2);
    await pass(side);
    release("held");
    for (let i = 0; i < 2; i++) await pass(side);
    const busy = { settled: [await doneA, await doneB], states: results.splice(0) };
    // Busy at the first pending, free once onMutate ended: paused, then continued.
    const doneC = holder().mutate(3);
    await pass(side);
    freeInOnMutate = true;
    const doneB2 = b.mutate(4);
    for (let i = 0; i < 4; i++) await pass(side);
    out.push({ busy, freed: { settled: [await doneC, await doneB2], states: results.splice(0) } });
    side.qc.clear();
  }
  assert.deepEqual(out[0], out[1]);
  assert.deepEqual(out[0].busy.states[0], ["pending", true]);
  assert.deepEqual(out[0].freed.states[0], ["pending", true]);
  assert.deepEqual(out[0].freed.states.at(-1), ["success", false]);
});

test("a second mutate is heard from pending on: no idle result in between", async () => {
  const out = [];
  for (const side of await both()) {
    const results = [];
    const observer = new side.lib.MutationObserver(side.qc, { mutationFn: async (v) => v * 2 });
    observer.subscribe((r) => results.push(r.status));
    await observer.mutate(1);
    await observer.mutate(2);
    await pass(side);
    out.push(results);
    side.qc.clear();
  }
  assert.deepEqual(out[0], out[1]);
  assert.deepEqual(out[0], ["pending", "success", "pending", "success"]);
});
