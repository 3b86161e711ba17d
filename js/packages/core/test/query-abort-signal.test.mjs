// A fetch's AbortSignal as query-core hands it out: made when the query function reads it, and
// only a fetch whose signal was read counts as one that uses it (query-core's abortSignalConsumed).
// When the last observer leaves during a fetch, query-core cancels (and reverts) a fetch that uses
// its signal, and lets any other complete and be cached without retrying. Each test runs one
// sequence against @mfstate/core and against @tanstack/query-core and asserts the same steps.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tanstack from "@tanstack/query-core";
import { mfstate, deferred, settle, sameOnBothLibraries } from "./helpers.mjs";

const state = (client, key) => {
  const s = client.getQueryState(key);
  return { data: s?.data, status: s?.status, fetchStatus: s?.fetchStatus };
};

test("the last observer leaving a fetch that never read its signal: the fetch completes and is cached", async () => {
  const steps = await sameOnBothLibraries(async ({ client, QueryObserver }, record) => {
    const d = deferred();
    let calls = 0;
    const observer = new QueryObserver(client, {
      queryKey: ["profile"],
      queryFn: () => {
        calls++;
        return d.promise;
      },
    });
    const stop = observer.subscribe(() => {});
    await settle();
    record("fetching", state(client, ["profile"]));
    stop();
    await settle();
    record("after the last observer left", state(client, ["profile"]));
    d.resolve({ name: "Ada" });
    await settle(10);
    record("after the fetch resolved", state(client, ["profile"]));
    record("query function calls", calls);
  });
  assert.deepEqual(steps.at(-2)[1], { data: { name: "Ada" }, status: "success", fetchStatus: "idle" });
});

test("the last observer leaving a fetch that read its signal: the signal aborts and the query reverts", async () => {
  const steps = await sameOnBothLibraries(async ({ client, QueryObserver }, record) => {
    client.setQueryData(["profile"], { name: "cached" });
    const d = deferred();
    let signal;
    const observer = new QueryObserver(client, {
      queryKey: ["profile"],
      queryFn: (ctx) => {
        signal = ctx.signal;
        return d.promise;
      },
    });
    const stop = observer.subscribe(() => {});
    await settle();
    record("fetching", state(client, ["profile"]));
    record("aborted before", signal.aborted);
    stop();
    await settle();
    record("aborted after the last observer left", signal.aborted);
    record("state", state(client, ["profile"]));
    d.resolve({ name: "late" });
    await settle(10);
    record("a result after the abort is dropped", state(client, ["profile"]));
  });
  assert.equal(steps.find(([l]) => l === "aborted after the last observer left")[1], true);
  assert.deepEqual(steps.at(-1)[1], { data: { name: "cached" }, status: "success", fetchStatus: "idle" });
});

test("a signal first read after an await still hears the cancel, and counts as used from then on", async () => {
  await sameOnBothLibraries(async ({ client }, record) => {
    const gate = deferred();
    const d = deferred();
    let ctx;
    const p = client.fetchQuery({
      queryKey: ["slow"],
      queryFn: async (c) => {
        ctx = c;
        await gate.promise;
        c.signal.addEventListener("abort", () => d.reject(c.signal.reason));
        return d.promise;
      },
    });
    gate.resolve();
    await settle();
    record("read, not aborted", ctx.signal.aborted);
    await client.cancelQueries({ queryKey: ["slow"] });
    record("aborted by the cancel", ctx.signal.aborted);
    const outcome = await p.then(
      () => "resolved",
      (e) => (e instanceof (client instanceof tanstack.QueryClient ? tanstack.CancelledError : mfstate.CancelledError) ? "cancelled" : String(e)),
    );
    record("the fetch", outcome);
  });
});

test("a signal read after its fetch settled: not aborted, nothing thrown, and a later cancel leaves it", async () => {
  await sameOnBothLibraries(async ({ client }, record) => {
    let ctx;
    await client.fetchQuery({
      queryKey: ["done"],
      queryFn: (c) => {
        ctx = c;
        return 1;
      },
    });
    record("aborted", ctx.signal.aborted);
    await client.cancelQueries({ queryKey: ["done"] });
    record("still not aborted", ctx.signal.aborted);
    record("data", client.getQueryData(["done"]));
  });
});

test("members an app planted on Object.prototype neither fail a fetch nor reach its context's signal", async () => {
  await mfstate.loadMfstate();
  const client = new mfstate.QueryClient({ clock: "manual", now: 1_000_000 });
  const seen = [];
  Object.defineProperties(Object.prototype, {
    value: { value: "planted", configurable: true, writable: true },
    set: { value: (v) => seen.push(v), configurable: true, writable: true },
    configurable: { value: true, configurable: true, writable: true },
    // A setter for `meta` (it would be handed every context) and a read-only `client`.
    meta: { get: () => "forged", set: (v) => seen.push(v), configurable: true },
    client: { value: "planted", writable: false, configurable: true },
  });
  try {
    let ctx;
    const data = await client.fetchQuery({
      queryKey: ["planted"],
      queryFn: (c) => {
        ctx = c;
        return { ok: true };
      },
    });
    assert.deepEqual(data, { ok: true });
    assert.ok(ctx.signal instanceof AbortSignal);
    const own = Object.getOwnPropertyDescriptor(ctx, "signal");
    assert.equal(own.set, undefined, "no setter taken from the prototype");
    assert.equal(own.configurable, false);
    assert.deepEqual(seen, []);
    assert.ok(Object.hasOwn(ctx, "meta") && Object.hasOwn(ctx, "client"), "meta and client are the context's own");
    assert.equal(ctx.meta, undefined);
  } finally {
    delete Object.prototype.meta;
    delete Object.prototype.client;
    delete Object.prototype.value;
    delete Object.prototype.set;
    delete Object.prototype.configurable;
    client.clear();
  }
});

test("an infinite query's page function that never reads its signal: the last observer leaving lets the fetch complete and be cached", async () => {
  const steps = await sameOnBothLibraries(async ({ client, InfiniteQueryObserver }, record) => {
    const d = deferred();
    const observer = new InfiniteQueryObserver(client, {
      queryKey: ["feed"],
      queryFn: ({ pageParam }) => d.promise.then((items) => ({ items, pageParam })),
      initialPageParam: 0,
      getNextPageParam: () => undefined,
    });
    const stop = observer.subscribe(() => {});
    await settle();
    stop();
    await settle();
    d.resolve(["a"]);
    await settle(20);
    const s = client.getQueryState(["feed"]);
    record("after the fetch resolved", { data: s?.data, status: s?.status, fetchStatus: s?.fetchStatus });
  });
  assert.deepEqual(steps.at(-1)[1].data, { pages: [{ items: ["a"], pageParam: 0 }], pageParams: [0] });
});

test("a context's signal read through an object made from it (Object.create) is the fetch's", async () => {
  await mfstate.loadMfstate();
  const client = new mfstate.QueryClient({ clock: "manual", now: 1_000_000 });
  let ctx;
  const never = client.fetchQuery({ queryKey: ["derived"], queryFn: (c) => ((ctx = c), new Promise(() => {})) });
  const derived = Object.create(ctx);
  assert.equal(derived.signal, ctx.signal);
  await client.cancelQueries({ queryKey: ["derived"] });
  await never.catch(() => {});
  assert.equal(ctx.signal.aborted, true);
  client.clear();
});

test("an attempt that does not read its signal, after one that did: the last observer leaving lets it complete", async () => {
  // query-core marks the signal unused at each attempt (fetchFn): what the leaving observer decides
  // depends on the attempt under way.
  const steps = await sameOnBothLibraries(async ({ client, QueryObserver }, record) => {
    const second = deferred();
    let calls = 0;
    const observer = new QueryObserver(client, {
      queryKey: ["retried"],
      retry: 1,
      retryDelay: 0,
      queryFn: (ctx) => {
        calls++;
        if (calls === 1) {
          record("first attempt's signal aborted", ctx.signal.aborted);
          throw new Error("first attempt fails");
        }
        return second.promise;
      },
    });
    const stop = observer.subscribe(() => {});
    // The retry waits for a timer (retryDelay 0 is still a timeout, on both): @mfstate/core's
    // client here runs on a manual clock, query-core's on the event loop's; wait for the second
    // attempt itself, within a bound.
    for (let i = 0; i < 200 && calls < 2; i++) {
      await settle();
      if (client.advanceTime) client.advanceTime(0);
      else await new Promise((r) => setTimeout(r, 1));
    }
    await settle();
    record("attempts before the observer leaves", calls);
    stop();
    await settle();
    record("after the last observer left", state(client, ["retried"]));
    second.resolve({ done: true });
    await settle(10);
    record("after the second attempt resolved", state(client, ["retried"]));
  });
  assert.equal(steps.find(([l]) => l === "attempts before the observer leaves")[1], 2);
  assert.deepEqual(steps.at(-1)[1], { data: { done: true }, status: "success", fetchStatus: "idle" });
});
