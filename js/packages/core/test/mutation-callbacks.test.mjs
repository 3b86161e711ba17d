// A mutation's callbacks and its cache's events as query-core's Mutation and MutationObserver
// give them: the function context every callback gets last, a throwing onError reported while the
// mutation fails with its own error, mutate's per-call callbacks only while the observer has
// listeners (and before them), onMutate's context heard, a new mutationKey resetting the observer,
// and the MutationCache's events with their action types and observers. Each sequence runs on both
// libraries and the two are compared.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tanstack from "@tanstack/query-core";
import { mfstate, settle } from "./helpers.mjs";

async function sameOnBoth(sequence) {
  await mfstate.loadMfstate();
  const out = [];
  for (const lib of [mfstate, tanstack]) {
    const client = lib === mfstate ? new lib.QueryClient({ clock: "manual", now: 1_000_000 }) : new lib.QueryClient();
    const steps = [];
    await sequence({ lib, client }, (label, value) => steps.push([label, value]));
    out.push(steps);
    client.clear();
  }
  assert.deepEqual(out[0], out[1]);
  return out[0];
}

test("the mutation function and every callback get the function context: the client, meta, mutationKey", async () => {
  const steps = await sameOnBoth(async ({ lib, client }, record) => {
    const seen = [];
    const context = (c) => [c?.client === client, c?.meta, c?.mutationKey];
    const observer = new lib.MutationObserver(client, {
      mutationKey: ["save"],
      meta: { form: "profile" },
      mutationFn: async (v, c) => (seen.push(["mutationFn", ...context(c)]), v),
      onMutate: (v, c) => (seen.push(["onMutate", ...context(c)]), "snapshot"),
      onSuccess: (d, v, r, c) => seen.push(["onSuccess", r, ...context(c)]),
      onSettled: (d, e, v, r, c) => seen.push(["onSettled", r, ...context(c)]),
    });
    const un = observer.subscribe(() => {});
    await observer.mutate(1, { onSuccess: (d, v, r, c) => seen.push(["mutate's onSuccess", r, ...context(c)]) });
    record("seen", seen);
    un();
  });
  assert.deepEqual(steps[0][1][1], ["mutationFn", true, { form: "profile" }, ["save"]]);
});

test("a throwing onError is reported, the callbacks after it still run, and the mutation fails with its own error", async () => {
  await sameOnBoth(async ({ lib, client }, record) => {
    const seen = [];
    const reported = [];
    const report = (e) => reported.push(e.message);
    // The report is an unhandled rejection (query-core's): heard here instead of by the test runner.
    const runners = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    process.on("unhandledRejection", report);
    try {
      const observer = new lib.MutationObserver(client, {
        mutationFn: async () => Promise.reject(new Error("conflict")),
        onError: () => {
          seen.push("onError");
          throw new Error("onError broke");
        },
        onSettled: () => seen.push("onSettled"),
      });
      const failed = await observer.mutate(1).catch((e) => e.message);
      await new Promise((resolve) => setImmediate(resolve));
      record("rejected with", failed);
      record("callbacks", seen);
      record("state", [observer.getCurrentResult().status, observer.getCurrentResult().error?.message]);
      record("reported", reported);
    } finally {
      process.off("unhandledRejection", report);
      for (const l of runners) process.on("unhandledRejection", l);
    }
  });
});

test("mutate's callbacks run only while the observer has listeners, before the listeners hear the outcome", async () => {
  const steps = await sameOnBoth(async ({ lib, client }, record) => {
    const seen = [];
    const observer = new lib.MutationObserver(client, { mutationFn: async (v) => v });
    await observer.mutate(1, { onSuccess: () => seen.push("onSuccess without listeners") });
    const un = observer.subscribe((r) => seen.push(`listener: ${r.status}`));
    await observer.mutate(2, { onSuccess: () => seen.push("onSuccess"), onSettled: () => seen.push("onSettled") });
    record("seen", seen);
    un();
  });
  assert.deepEqual(steps[0][1], ["listener: pending", "onSuccess", "onSettled", "listener: success"]);
});

test("the context onMutate gives is heard while pending; a new mutationKey resets the observer", async () => {
  await sameOnBoth(async ({ lib, client }, record) => {
    const heard = [];
    const observer = new lib.MutationObserver(client, {
      mutationKey: ["todo"],
      mutationFn: async (v) => v,
      onMutate: async (v) => (v === 1 ? { previous: [] } : undefined),
    });
    const un = observer.subscribe((r) => heard.push([r.status, r.context]));
    await observer.mutate(1);
    await observer.mutate(2);
    record("heard", heard);
    observer.setOptions({ mutationKey: ["todo"], mutationFn: async (v) => v });
    record("same key", observer.getCurrentResult().status);
    observer.setOptions({ mutationKey: ["note"], mutationFn: async (v) => v });
    record("new key", observer.getCurrentResult().status);
    un();
  });
});

test("MutationCache events: observers added and removed, options updated, updates with their action", async () => {
  const steps = await sameOnBoth(async ({ lib, client }, record) => {
    const events = [];
    const stop = client
      .getMutationCache()
      .subscribe((e) => events.push([e.type, e.action?.type ?? null, e.mutation?.options.mutationKey ?? null, e.observer instanceof lib.MutationObserver]));
    let attempts = 0;
    const observer = new lib.MutationObserver(client, {
      mutationKey: ["upload"],
      retry: 1,
      retryDelay: 0,
      mutationFn: async (v) => {
        if (++attempts === 1) throw new Error("busy");
        return v;
      },
    });
    const un = observer.subscribe(() => {});
    const done = observer.mutate(1);
    for (let i = 0; i < 5; i++) {
      await settle();
      if (lib === mfstate) client.advanceTime(1);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await done;
    un();
    stop();
    record("events", events);
  });
  assert.deepEqual(
    steps[0][1].map((e) => e[0] + (e[1] ? `:${e[1]}` : "")),
    ["observerOptionsUpdated", "added", "observerAdded", "updated:pending", "updated:failed", "updated:success", "observerRemoved"],
  );
});
