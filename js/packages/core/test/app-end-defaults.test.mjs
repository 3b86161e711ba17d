// What an app's end stops, and what it leaves running: the functions an app gave (its query
// function, retry, select, ...) are never called after it unmounted, through any other app's
// action; the shell's functions (its defaults: `defaultOptions.queries`, setDefaultOptions,
// setQueryDefaults) are the shell's, even when an app's options carry them, and a fetch running one
// goes on after that app's end, for the apps that joined it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { deferred, mfstate, settle, testHost } from "./helpers.mjs";

/** Lets the host's manual clock run `steps` times `ms`, the page's tasks between. */
async function advance(host, ms, steps = 1) {
  for (let i = 0; i < steps; i++) {
    host.advanceTime(ms);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A query function the test answers by hand: `calls` counts its calls, `answer(i)` its i-th. */
function manual() {
  const pending = [];
  const f = () => {
    const d = deferred();
    pending.push(d);
    return d.promise;
  };
  return { f, pending, calls: () => pending.length };
}

test("a fetch an app started with the shell's setQueryDefaults function goes on after the app's end, for an app that joined it", async () => {
  const { host } = await testHost();
  const served = manual();
  host.queryClient.setQueryDefaults(["GET"], { queryFn: served.f });
  const [home, profile] = ["home", "profile"].map((name) => host.mount(name));
  const started = profile.queryClient.fetchQuery({ queryKey: ["GET", "/me"] }).catch((e) => e);
  const joined = home.queryClient.fetchQuery({ queryKey: ["GET", "/me"] }).catch((e) => e);
  await settle();
  assert.equal(served.calls(), 1, "one fetch, home joined it");
  profile.unmount();
  await settle();
  assert.equal(host.queryClient.getQueryState(["GET", "/me"]).fetchStatus, "fetching", "not cancelled: the function is the shell's");
  served.pending[0].resolve("me");
  assert.equal(await joined, "me");
  assert.equal(await started, "me");
  assert.equal(home.queryClient.getQueryData(["GET", "/me"]), "me");
  host.dispose();
});

test("an observer's fetch with the host's defaultOptions.queries function goes on after its app's end", async () => {
  const served = manual();
  const { host } = await testHost({ queries: { defaultOptions: { queries: { queryFn: served.f, retry: false } } } });
  const [home, profile] = ["home", "profile"].map((name) => host.mount(name));
  const seen = [];
  profile.observe({ queryKey: ["user"] }, () => {});
  await settle();
  assert.equal(served.calls(), 1);
  const joined = home.queryClient.fetchQuery({ queryKey: ["user"] }).catch((e) => e);
  profile.unmount();
  await settle();
  assert.equal(host.queryClient.getQueryState(["user"]).fetchStatus, "fetching", "not cancelled (reverted)");
  home.observe({ queryKey: ["user"], enabled: false }, (r) => seen.push(r.data));
  served.pending[0].resolve({ name: "Ada" });
  assert.deepEqual(await joined, { name: "Ada" });
  assert.equal(served.calls(), 1, "the same fetch, not another");
  await settle();
  assert.deepEqual(seen.at(-1), { name: "Ada" });
  // A fetch after profile's end runs the shell's function still.
  const refetched = home.queryClient.fetchQuery({ queryKey: ["user"], staleTime: 0 });
  await settle();
  assert.equal(served.calls(), 2);
  served.pending[1].resolve({ name: "Ada 2" });
  assert.deepEqual(await refetched, { name: "Ada 2" });
  host.dispose();
});

test("setDefaultOptions' query function is the shell's too; an app's own function still stops with it", async () => {
  const { host } = await testHost();
  const served = manual();
  host.queryClient.setDefaultOptions({ queries: { queryFn: served.f, retry: false } });
  const profile = host.mount("profile");
  const shells = profile.queryClient.fetchQuery({ queryKey: ["a"] });
  let own = 0;
  const owned = profile.queryClient.fetchQuery({ queryKey: ["b"], queryFn: () => (own++, new Promise(() => {})) }).catch((e) => e);
  await settle();
  profile.unmount();
  served.pending[0].resolve("shell's");
  assert.equal(await shells, "shell's");
  assert.equal((await owned).code, "cancelled", "profile's own function is profile's: cancelled");
  assert.equal(own, 1);
  host.dispose();
});

test("an observer that changes from the shell's query function to its own fetches with its own", async () => {
  const { host } = await testHost();
  const served = manual();
  host.queryClient.setQueryDefaults(["k"], { queryFn: served.f });
  const home = host.mount("home");
  const observer = new mfstate.QueryObserver(home.queryClient, { queryKey: ["k"], retry: false });
  const unsubscribe = observer.subscribe(() => {});
  await settle();
  assert.equal(served.calls(), 1);
  served.pending[0].resolve(1);
  await settle();
  let own = 0;
  // Refetched by the module's observer (an invalidation), not by observer.refetch(), which sends
  // the options it has now.
  observer.setOptions({ queryKey: ["k"], retry: false, queryFn: () => `own #${++own}` });
  await home.queryClient.invalidateQueries({ queryKey: ["k"] });
  assert.deepEqual([own, served.calls()], [2, 1], "its own, on remount (stale) and on invalidation");
  assert.equal(observer.getCurrentResult().data, "own #2");
  observer.setOptions({ queryKey: ["k"], retry: false });
  const back = home.queryClient.invalidateQueries({ queryKey: ["k"] });
  await settle();
  assert.equal(own, 2);
  assert.ok(served.calls() > 1, "the shell's again");
  for (const d of served.pending.slice(1)) d.resolve(2);
  await back;
  unsubscribe();
  host.dispose();
});

test("an app cannot set the shared client's defaults (its functions would outlive it)", async () => {
  const { host } = await testHost();
  const mallory = host.mount("mallory");
  const q = mallory.queryClient;
  for (const call of [
    () => q.setDefaultOptions({ queries: { queryFn: () => "mallory's" } }),
    () => q.setQueryDefaults(["GET"], { queryFn: () => "mallory's" }),
    () => q.setMutationDefaults(["save"], { retry: () => true }),
  ]) {
    assert.throws(call, /the shell's power/);
  }
  host.dispose();
});

test("none of an unmounted app's option functions is called again, whatever another app or the host does with its key", async () => {
  const { host } = await testHost();
  const [mallory, profile] = ["mallory", "profile"].map((name) => host.mount(name));
  const calls = {};
  const count = (name, value) => (...args) => {
    calls[name] = (calls[name] ?? 0) + 1;
    return typeof value === "function" ? value(...args) : value;
  };
  const options = {
    queryKey: ["p"],
    queryFn: count("queryFn", () => "profile's"),
    select: count("select", (d) => d),
    placeholderData: count("placeholderData", "placeholder"),
    initialData: count("initialData", undefined),
    staleTime: count("staleTime", 0),
    enabled: count("enabled", true),
    refetchInterval: count("refetchInterval", 50),
    refetchOnWindowFocus: count("refetchOnWindowFocus", true),
    refetchOnReconnect: count("refetchOnReconnect", true),
    retry: count("retry", false),
    retryDelay: count("retryDelay", 1),
    structuralSharing: count("structuralSharing", (a, b) => b),
    queryKeyHashFn: count("queryKeyHashFn", () => "p"),
  };
  profile.observe(options, () => {});
  await profile.queryClient.fetchQuery({ ...options, queryKey: ["p", "fetched"] });
  await profile.queryClient.fetchInfiniteQuery({
    queryKey: ["p", "pages"],
    queryFn: count("pageFn", ({ pageParam }) => `page ${pageParam}`),
    initialPageParam: 0,
    getNextPageParam: count("getNextPageParam", (_, __, p) => p + 1),
    getPreviousPageParam: count("getPreviousPageParam", (_, __, p) => p - 1),
  });
  await advance(host, 50, 2);
  profile.unmount();
  const before = { ...calls };
  const q = mallory.queryClient;
  // Nothing awaited alone: a refetch with no query function left fails after the retries' delays,
  // which the clock below runs.
  const asked = [];
  for (const key of [["p"], ["p", "fetched"], ["p", "pages"]]) {
    q.setQueryData(key, key[1] === "pages" ? { pages: ["x"], pageParams: [9] } : "mallory's");
    asked.push(q.invalidateQueries({ queryKey: key }), q.refetchQueries({ queryKey: key, type: "all" }), q.resetQueries({ queryKey: key }));
    q.getQueryCache().find({ queryKey: key });
  }
  const observer = new mfstate.InfiniteQueryObserver(q, { queryKey: ["p", "pages"], initialPageParam: 0, queryFn: () => "mallory's page", getNextPageParam: () => undefined });
  const unsubscribe = observer.subscribe(() => {});
  await settle();
  asked.push(observer.fetchNextPage());
  asked.push(q.fetchInfiniteQuery({ queryKey: ["p", "pages"], initialPageParam: 0, queryFn: () => "mallory's page", getNextPageParam: () => 1, pages: 2 }));
  host.setFocused(false);
  host.setFocused(true);
  host.setOnline(false);
  host.setOnline(true);
  await advance(host, 1000, 12);
  await Promise.allSettled(asked);
  unsubscribe();
  assert.deepEqual(calls, before, "nothing of profile's ran after its unmount");
  host.dispose();
});
