// The query client's options that are functions or numbers read after each failure (retry,
// retryDelay), given what a careless or hostile app gives: a function that throws, returns NaN,
// Infinity, a negative or huge number, or re-enters the client; and the functions an app gave once
// it unmounted (a query's function, kept for refetches; a fetch's retry). Every fetch settles
// (query-core's retryer waits for ever, fetching, when either function throws), nothing stops the
// module, and an unmounted app's functions are never called again: its fetch under way goes on
// with a remaining observer's query function or is cancelled, and a query it fetched last is
// refetched with a remaining observer's function, the shell's default, or none.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mfstate, settle, testHost } from "./helpers.mjs";

/** Errors the package reports as uncaught (queueMicrotask(() => { throw e })), caught instead while `run` lasts. */
async function catchingUncaught(run) {
  const caught = [];
  const original = globalThis.queueMicrotask;
  globalThis.queueMicrotask = (task) =>
    original(() => {
      try {
        task();
      } catch (e) {
        caught.push(e);
      }
    });
  try {
    await run(caught);
  } finally {
    globalThis.queueMicrotask = original;
  }
  return caught;
}

/** Lets the host's manual clock run `steps` times `ms`, the page's tasks between. */
async function advance(host, ms, steps = 1) {
  for (let i = 0; i < steps; i++) {
    host.advanceTime(ms);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A fetch of a query function failing with a new Error each call; `calls()` counts them. */
function failing(client, key, options) {
  let calls = 0;
  const settled = { done: false, value: undefined };
  const promise = client
    .fetchQuery({ queryKey: key, queryFn: () => Promise.reject(new Error(`failure ${++calls}`)), ...options })
    .then(
      (data) => ({ data }),
      (error) => ({ error }),
    )
    .then((v) => Object.assign(settled, { done: true, value: v }));
  return { promise, settled, calls: () => calls };
}

test("a retry function that throws: no retry, the fetch fails with what the query function threw, the throw is reported", async () => {
  const { host } = await testHost();
  const q = host.mount("profile").queryClient;
  const boom = new Error("retry is broken");
  const caught = await catchingUncaught(async () => {
    const f = failing(q, ["r"], { retry: () => { throw boom; } });
    await advance(host, 0, 2);
    assert.ok(f.settled.done, "the fetch settled (it waited for ever, fetching)");
    assert.equal(f.settled.value.error.message, "failure 1");
    assert.equal(f.calls(), 1);
    assert.equal(q.getQueryState(["r"]).status, "error");
  });
  assert.deepEqual(caught, [boom]);
  host.dispose();
});

test("a retryDelay function that throws, or gives what is not a finite number: the default delay, no wait, or never", async () => {
  const { host } = await testHost();
  const q = host.mount("profile").queryClient;
  const boom = new Error("delay is broken");
  const caught = await catchingUncaught(async () => {
    // Throws (itself, or the valueOf of what it gives): query-core's default delay, 1 s after the
    // first failure.
    for (const delay of [() => { throw boom; }, () => ({ valueOf() { throw boom; } })]) {
      const thrown = failing(q, ["d", "throws", String(delay)], { retry: 1, retryDelay: delay });
      await settle();
      await advance(host, 999);
      assert.equal(thrown.calls(), 1, "not before the default delay");
      await advance(host, 1);
      assert.equal(thrown.calls(), 2);
      assert.equal(thrown.settled.value.error.message, "failure 2");
    }

    // NaN, a negative number: no wait (as a timer reads them).
    for (const [label, delay] of [["NaN", () => NaN], ["negative", () => -100], ["NaN number", NaN], ["negative number", -100]]) {
      const f = failing(q, ["d", label], { retry: 1, retryDelay: delay });
      await advance(host, 0, 2);
      assert.equal(f.settled.value?.error.message, "failure 2", label);
    }

    // Infinity, from a function or as the option (which was refused as not JSON): never, as every
    // Infinity of the package's timers. The fetch waits, and a cancel ends it.
    for (const [label, delay] of [["function", () => Infinity], ["number", Infinity], ["huge", () => 1e300]]) {
      const key = ["d", "never", label];
      const f = failing(q, key, { retry: 1, retryDelay: delay });
      await advance(host, 2 ** 31, 2);
      assert.equal(f.calls(), 1, label);
      assert.deepEqual([q.getQueryState(key).fetchStatus, q.getQueryState(key).fetchFailureCount], ["fetching", 1], label);
      await q.cancelQueries({ queryKey: key });
      await f.promise;
      assert.equal(f.settled.value.error.code, "cancelled", label);
    }
  });
  assert.deepEqual(caught, [boom, boom]);
  host.dispose();
});

test("retry numbers read as query-core's `failureCount < retry`: none for negative or NaN, for ever for Infinity, a fraction rounded up", async () => {
  const { host } = await testHost();
  const q = host.mount("profile").queryClient;
  for (const [retry, calls] of [[-1, 1], [-1e10, 1], [NaN, 1], [0, 1], [1.5, 3], [2, 3]]) {
    const f = failing(q, ["n", String(retry)], { retry, retryDelay: 1 });
    await advance(host, 1, 6);
    assert.equal(f.calls(), calls, `retry: ${retry}`);
    assert.ok(f.settled.done, `retry: ${retry} settles`);
  }
  for (const retry of [Infinity, 2 ** 40]) {
    const key = ["n", String(retry)];
    const f = failing(q, key, { retry, retryDelay: 1 });
    await advance(host, 1, 8);
    assert.ok(f.calls() >= 8, `retry: ${retry} retries for ever (${f.calls()} calls)`);
    await q.cancelQueries({ queryKey: key });
    await f.promise;
  }
  host.dispose();
});

test("retry and retryDelay re-entering the client (setQueryData, cancelQueries, fetchQuery): every fetch settles, the module goes on", async () => {
  const { host } = await testHost();
  const [mallory, profile] = ["mallory", "profile"].map((name) => host.mount(name));
  const q = profile.queryClient;
  const written = failing(q, ["w"], { retry: (n) => (mallory.queryClient.setQueryData(["w"], "written"), n < 1), retryDelay: () => (q.setQueryData(["w2"], 1), 1) });
  const cancelled = failing(q, ["c"], { retry: () => (q.cancelQueries({ queryKey: ["c"] }), true), retryDelay: 1 });
  const fetched = failing(q, ["f"], { retry: (n) => (void q.fetchQuery({ queryKey: ["inner"], queryFn: () => "inner" }), n < 1), retryDelay: 1 });
  await advance(host, 1, 4);
  assert.equal((await written.promise).value.error.message, "failure 2");
  assert.equal(q.getQueryData(["w"]), "written");
  assert.equal((await cancelled.promise).value.error.code, "cancelled");
  assert.equal((await fetched.promise).value.error.message, "failure 2");
  assert.equal(q.getQueryData(["inner"]), "inner");
  assert.equal(host.queryClient.stats().fetching, 0);
  host.dispose();
});

test("an unmounted app's functions are not called: its fetch under way is not retried but cancelled, its state reverted", async () => {
  const { host } = await testHost();
  const profile = host.mount("profile");
  let queryFnCalls = 0;
  let retryCalls = 0;
  const f = profile.queryClient
    .fetchQuery({ queryKey: ["p"], queryFn: () => Promise.reject(new Error(`failure ${++queryFnCalls}`)), retry: () => (retryCalls++, true), retryDelay: 10 })
    .catch((e) => e);
  await settle();
  profile.unmount();
  await advance(host, 10, 3);
  assert.deepEqual([queryFnCalls, retryCalls], [1, 1], "nothing of profile's ran after its unmount");
  assert.equal((await f).code, "cancelled");
  assert.deepEqual([host.queryClient.getQueryState(["p"]).status, host.queryClient.getQueryState(["p"]).fetchStatus], ["pending", "idle"]);
  host.dispose();
});

test("a fetch under way of an unmounted app goes on with a remaining observer's query function", async () => {
  const { host } = await testHost();
  const [home, profile] = ["home", "profile"].map((name) => host.mount(name));
  let profileCalls = 0;
  const f = profile.queryClient.fetchQuery({ queryKey: ["s"], queryFn: () => Promise.reject(new Error(`failure ${++profileCalls}`)), retry: true, retryDelay: 10 });
  home.observe({ queryKey: ["s"], queryFn: () => "home's", enabled: false }, () => {});
  await settle();
  profile.unmount();
  await advance(host, 10, 2);
  assert.equal(profileCalls, 1);
  assert.equal(await f, "home's");
  assert.equal(home.queryClient.getQueryData(["s"]), "home's");
  host.dispose();
});

test("a query two apps observe, last fetched by the one that unmounts, is refetched with the other's function", async () => {
  const { host } = await testHost();
  const [home, profile] = ["home", "profile"].map((name) => host.mount(name));
  let homeCalls = 0;
  let profileCalls = 0;
  const seen = [];
  home.observe({ queryKey: ["s"], queryFn: () => `home #${++homeCalls}` }, (r) => seen.push(r.data));
  profile.observe({ queryKey: ["s"], queryFn: () => `profile #${++profileCalls}` }, () => {});
  await settle();
  assert.equal(await profile.queryClient.fetchQuery({ queryKey: ["s"], queryFn: () => `profile #${++profileCalls}`, staleTime: 0 }), `profile #${profileCalls}`);
  const before = profileCalls;
  profile.unmount();
  await home.queryClient.invalidateQueries({ queryKey: ["s"] });
  await host.queryClient.refetchQueries({ queryKey: ["s"] });
  assert.equal(profileCalls, before, "profile's function is not called after its unmount");
  assert.equal(home.queryClient.getQueryData(["s"]), `home #${homeCalls}`);
  assert.equal(seen.at(-1), `home #${homeCalls}`);
  host.dispose();
});

test("a query an unmounted app fetched, observed by no one, is refetched with no function of that app's: an error naming the missing queryFn", async () => {
  const { host } = await testHost();
  const [mallory, profile] = ["mallory", "profile"].map((name) => host.mount(name));
  let calls = 0;
  assert.equal(await profile.queryClient.fetchQuery({ queryKey: ["p"], queryFn: () => `profile #${++calls}` }), "profile #1");
  profile.unmount();
  const refetched = mallory.queryClient.refetchQueries({ queryKey: ["p"], type: "all" });
  await advance(host, 1000, 8);
  await refetched;
  assert.equal(calls, 1, "mallory cannot make profile's function run");
  const state = mallory.queryClient.getQueryState(["p"]);
  assert.equal(state.status, "error");
  assert.match(state.error.message, /Missing queryFn/);
  assert.equal(state.data, "profile #1");
  host.dispose();
});

test("the shell's default query function still serves a query an unmounted app fetched", async () => {
  const { host } = await testHost();
  let served = 0;
  host.queryClient.setQueryDefaults(["GET"], { queryFn: ({ queryKey }) => `${queryKey[1]} #${++served}` });
  const [mallory, profile] = ["mallory", "profile"].map((name) => host.mount(name));
  assert.equal(await profile.queryClient.fetchQuery({ queryKey: ["GET", "/me"] }), "/me #1");
  profile.unmount();
  await mallory.queryClient.refetchQueries({ queryKey: ["GET"], type: "all" });
  assert.equal(mallory.queryClient.getQueryData(["GET", "/me"]), "/me #2");
  host.dispose();
});

test("a failure's detail naming another app's thrown value, handed in by hydrate, never hands out that value", async () => {
  const { host } = await testHost();
  const [mallory, profile] = ["mallory", "profile"].map((name) => host.mount(name));
  const secret = Object.assign(new Error("profile's failure"), { token: "s3cr3t" });
  await profile.queryClient.fetchQuery({ queryKey: ["p"], retry: false, queryFn: () => Promise.reject(secret) }).catch(() => {});
  for (const detail of [1, 2, 3, 4].flatMap((id) => [{ jsError: id }, { serial: id }])) {
    const key = ["forged", JSON.stringify(detail)];
    const failed = { message: "x", detail };
    const state = { data: undefined, dataUpdateCount: 0, dataUpdatedAt: 0, error: failed, errorUpdateCount: 1, errorUpdatedAt: 1, fetchFailureCount: 1, fetchFailureReason: failed, fetchMeta: null, isInvalidated: false, status: "error", fetchStatus: "idle" };
    mfstate.hydrate(host.queryClient, { mutations: [], queries: [{ queryKey: key, queryHash: JSON.stringify(key), state }] });
    const read = mallory.queryClient.getQueryState(key);
    assert.notEqual(read.error, secret);
    assert.notEqual(read.fetchFailureReason, secret);
    assert.equal(read.error.token, undefined);
  }
  assert.equal(mallory.queryClient.getQueryState(["p"]).error, secret, "the shared query's own error is shared, as designed");
  host.dispose();
});
