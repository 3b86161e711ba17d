// QueryObserver, MutationObserver and InfiniteQueryObserver, as a TanStack user drives them.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tanstack from "@tanstack/query-core";
import { mfstate, settle, deferred, testHost } from "./helpers.mjs";

const { QueryClient, QueryObserver, MutationObserver, InfiniteQueryObserver, keepPreviousData, skipToken } = mfstate;

async function client() {
  await mfstate.loadMfstate();
  return new QueryClient({ clock: "manual", now: 1_000_000 });
}

test("an observer's results: pending, then success; one frozen object per change, the same while unchanged", async () => {
  const qc = await client();
  const d = deferred();
  const observer = new QueryObserver(qc, { queryKey: ["user"], queryFn: () => d.promise });
  const before = observer.getCurrentResult();
  assert.equal(before.status, "pending");
  assert.equal(before.fetchStatus, "idle");
  const results = [];
  const un = observer.subscribe((r) => results.push(r));
  const loading = observer.getCurrentResult();
  assert.equal(loading.isLoading, true);
  assert.equal(loading.isFetching, true);
  assert.equal(loading.isPending, true);
  assert.equal(observer.getCurrentResult(), loading, "the same object while nothing changed");
  d.resolve({ name: "John" });
  await settle();
  const done = observer.getCurrentResult();
  assert.ok(Object.isFrozen(done));
  assert.equal(done.status, "success");
  assert.equal(done.isSuccess, true);
  assert.equal(done.isFetching, false);
  assert.equal(done.isStale, true);
  assert.deepEqual(done.data, { name: "John" });
  assert.equal(done.dataUpdatedAt, 1_000_000);
  assert.equal(results.at(-1), done);
  assert.equal(typeof done.refetch, "function");
  un();
  qc.clear();
});

test("select is memoised on the data's identity and the function; new inline functions do not refetch", async () => {
  const qc = await client();
  let fetches = 0;
  let selects = 0;
  const select = (data) => {
    selects++;
    return data.items.map((i) => i.id);
  };
  const observer = new QueryObserver(qc, {
    queryKey: ["list"],
    queryFn: () => {
      fetches++;
      return { items: [{ id: 1 }, { id: 2 }] };
    },
    select,
  });
  const un = observer.subscribe(() => {});
  await settle();
  const r1 = observer.getCurrentResult();
  assert.deepEqual(r1.data, [1, 2]);
  assert.equal(selects, 1);
  // React re-renders pass new inline functions: no refetch, no new result.
  observer.setOptions({ queryKey: ["list"], queryFn: () => ({ items: [] }), select });
  assert.equal(observer.getCurrentResult(), r1);
  assert.equal(fetches, 1);
  assert.equal(selects, 1);
  // The same data set again: the select output keeps its identity.
  qc.setQueryData(["list"], { items: [{ id: 1 }, { id: 2 }] });
  assert.equal(observer.getCurrentResult().data, r1.data);
  un();
  qc.clear();
});

test("placeholderData shows while pending; keepPreviousData keeps the previous key's data", async () => {
  const qc = await client();
  const pages = new Map([[1, deferred()], [2, deferred()]]);
  const observer = new QueryObserver(qc, { queryKey: ["page", 1], queryFn: ({ queryKey }) => pages.get(queryKey[1]).promise, placeholderData: { items: [] } });
  const un = observer.subscribe(() => {});
  let r = observer.getCurrentResult();
  assert.equal(r.isPlaceholderData, true);
  assert.deepEqual(r.data, { items: [] });
  assert.equal(r.status, "success");
  pages.get(1).resolve({ items: ["a"] });
  await settle();
  observer.setOptions({ queryKey: ["page", 2], queryFn: ({ queryKey }) => pages.get(queryKey[1]).promise, placeholderData: keepPreviousData });
  r = observer.getCurrentResult();
  assert.equal(r.isPlaceholderData, true);
  assert.deepEqual(r.data, { items: ["a"] });
  assert.equal(r.isFetching, true);
  pages.get(2).resolve({ items: ["b"] });
  await settle();
  r = observer.getCurrentResult();
  assert.equal(r.isPlaceholderData, false);
  assert.deepEqual(r.data, { items: ["b"] });
  un();
  qc.clear();
});

test("enabled: false and skipToken never fetch by themselves; refetch() does", async () => {
  const qc = await client();
  let n = 0;
  const observer = new QueryObserver(qc, { queryKey: ["lazy"], queryFn: () => ++n, enabled: false });
  const un = observer.subscribe(() => {});
  await settle();
  assert.equal(n, 0);
  assert.equal(observer.getCurrentResult().fetchStatus, "idle");
  const r = await observer.refetch();
  assert.equal(n, 1);
  assert.equal(r.data, 1);
  const skip = new QueryObserver(qc, { queryKey: ["skip"], queryFn: skipToken });
  const un2 = skip.subscribe(() => {});
  await settle();
  assert.equal(skip.getCurrentResult().status, "pending");
  assert.equal(skip.getCurrentResult().isEnabled, false);
  un();
  un2();
  qc.clear();
});

test("notifyOnChangeProps: listeners hear only changes of the props they name", async () => {
  const qc = await client();
  const d = deferred();
  const observer = new QueryObserver(qc, { queryKey: ["n"], queryFn: () => d.promise, notifyOnChangeProps: ["data"] });
  const heard = [];
  const un = observer.subscribe((r) => heard.push(r.data));
  d.resolve(7);
  await settle();
  assert.deepEqual(heard, [7], "fetchStatus changes alone were not told");
  un();
  qc.clear();
});

test("a mutation with an optimistic update rolls back on error, and invalidates when settled", async () => {
  const qc = await client();
  qc.setQueryData(["user"], { name: "John Doe" });
  const gate = deferred();
  const calls = [];
  const observer = new MutationObserver(qc, {
    mutationKey: ["rename"],
    mutationFn: (vars) => {
      calls.push(["fn", vars.name]);
      return gate.promise;
    },
    onMutate: async (vars) => {
      await qc.cancelQueries({ queryKey: ["user"] });
      const previous = qc.getQueryData(["user"]);
      qc.setQueryData(["user"], { name: vars.name });
      return { previous };
    },
    onError: (error, vars, context) => {
      calls.push(["onError", error.message]);
      qc.setQueryData(["user"], context.previous);
    },
    onSettled: () => {
      calls.push(["onSettled"]);
    },
  });
  const states = [];
  observer.subscribe((r) => states.push(r.status));
  const p = observer.mutate({ name: "Jane Roe" }, { onError: () => calls.push(["mutate onError"]) });
  await settle();
  assert.deepEqual(qc.getQueryData(["user"]), { name: "Jane Roe" }, "the optimistic value shows at once");
  assert.equal(observer.getCurrentResult().isPending, true);
  assert.deepEqual(observer.getCurrentResult().variables, { name: "Jane Roe" });
  assert.equal(qc.isMutating(), 1);
  assert.equal(qc.getMutationCache().findAll({ mutationKey: ["rename"] }).length, 1);
  gate.reject(new Error("500"));
  await assert.rejects(p, /500/);
  assert.deepEqual(qc.getQueryData(["user"]), { name: "John Doe" }, "rolled back");
  assert.equal(observer.getCurrentResult().status, "error");
  assert.equal(observer.getCurrentResult().error.message, "500");
  assert.deepEqual(calls, [["fn", "Jane Roe"], ["onError", "500"], ["onSettled"], ["mutate onError"]]);
  // As query-core's observer: nothing is heard of the new mutation before "pending" (test/mutation-progress).
  assert.deepEqual(states.filter((s, i) => s !== states[i - 1]), ["pending", "error"]);
  observer.reset();
  assert.equal(observer.getCurrentResult().status, "idle");
  assert.equal(qc.isMutating(), 0);
  qc.clear();
});

test("mutations in one scope run one at a time, in order", async () => {
  const qc = await client();
  const order = [];
  const gates = [deferred(), deferred()];
  const m = (i) =>
    new MutationObserver(qc, {
      scope: { id: "user" },
      mutationFn: () => {
        order.push(`start ${i}`);
        return gates[i].promise.then(() => order.push(`end ${i}`));
      },
    }).mutate();
  const p0 = m(0);
  const p1 = m(1);
  await settle();
  assert.deepEqual(order, ["start 0"]);
  gates[0].resolve();
  await settle(10);
  assert.deepEqual(order, ["start 0", "end 0", "start 1"]);
  gates[1].resolve();
  await Promise.all([p0, p1]);
  qc.clear();
});

test("infinite queries: next and previous pages, hasNextPage, maxPages, refetch of every page in order", async () => {
  const qc = await client();
  const fetched = [];
  const observer = new InfiniteQueryObserver(qc, {
    queryKey: ["feed"],
    initialPageParam: 0,
    queryFn: ({ pageParam }) => {
      fetched.push(pageParam);
      return { items: [pageParam * 10, pageParam * 10 + 1], next: pageParam < 3 ? pageParam + 1 : null };
    },
    getNextPageParam: (last) => last.next,
    getPreviousPageParam: (first, all, firstParam) => (firstParam > 0 ? firstParam - 1 : null),
  });
  const un = observer.subscribe(() => {});
  await settle();
  let r = observer.getCurrentResult();
  assert.deepEqual(r.data.pageParams, [0]);
  assert.equal(r.hasNextPage, true);
  assert.equal(r.hasPreviousPage, false);
  r = await r.fetchNextPage();
  r = await observer.fetchNextPage();
  assert.deepEqual(r.data.pageParams, [0, 1, 2]);
  assert.deepEqual(r.data.pages[2].items, [20, 21]);
  fetched.length = 0;
  await observer.refetch();
  assert.deepEqual(fetched, [0, 1, 2], "a refetch fetches every page again, in order");
  r = await observer.fetchNextPage();
  assert.equal(r.hasNextPage, false);
  const first = await qc.fetchInfiniteQuery({
    queryKey: ["feed2"],
    initialPageParam: 5,
    queryFn: ({ pageParam }) => ({ p: pageParam }),
    getNextPageParam: (last) => last.p + 1,
    pages: 3,
  });
  assert.deepEqual(first.pageParams, [5, 6, 7]);
  const capped = new InfiniteQueryObserver(qc, {
    queryKey: ["capped"],
    initialPageParam: 0,
    maxPages: 2,
    queryFn: ({ pageParam }) => ({ p: pageParam }),
    getNextPageParam: (last) => last.p + 1,
  });
  const un2 = capped.subscribe(() => {});
  await settle();
  await capped.fetchNextPage();
  const c = await capped.fetchNextPage();
  assert.deepEqual(c.data.pageParams, [1, 2]);
  un();
  un2();
  qc.clear();
});

test("the shell's per-key and client-wide defaults apply to every app's queries, as they are now", async () => {
  const { host } = await testHost();
  const app = host.mount("profile");
  host.queryClient.setQueryDefaults(["GET"], { queryFn: ({ queryKey }) => ({ url: queryKey[1] }), staleTime: 5000 });
  const seen = [];
  const stop = app.observe({ queryKey: ["GET", "/api/users/me"] }, (r) => seen.push(r));
  await settle();
  const last = seen[seen.length - 1];
  assert.equal(last.status, "success");
  assert.deepEqual(last.data, { url: "/api/users/me" });
  assert.equal(last.isStale, false, "the key's staleTime applies too");
  assert.equal(app.queryClient.getQueryDefaults(["GET", "/x"]).staleTime, 5000);
  // Changed later: an app's face reads them at the time of use.
  host.queryClient.setDefaultOptions({ queries: { retry: false } });
  assert.equal(app.queryClient.defaultQueryOptions({ queryKey: ["other"] }).retry, false);
  stop();
  host.dispose();
});

test("a query with no queryFn anywhere fails with query-core's \"Missing queryFn\", after its retries, never hangs", async () => {
  const { host } = await testHost();
  const app = host.mount("home");
  const now = [];
  const stopNow = app.observe({ queryKey: ["GET", "/nowhere"], retry: false }, (r) => now.push(r));
  await settle();
  const failed = now[now.length - 1];
  assert.equal(failed.status, "error");
  assert.equal(failed.fetchStatus, "idle");
  assert.equal(failed.error.message, `Missing queryFn: '["GET","/nowhere"]'`);
  stopNow();
  const seen = [];
  const stop = app.observe({ queryKey: ["GET", "/retried"] }, (r) => seen.push(r));
  for (let i = 0; i < 6; i++) {
    await settle();
    host.advanceTime(10_000);
  }
  await settle();
  const last = seen[seen.length - 1];
  assert.equal(last.status, "error");
  assert.equal(last.failureCount, 4, "three retries, as query-core");
  stop();
  host.dispose();
});

test("getOptimisticResult says what a subscription would do on mount: fetching on the first render, as query-core", async () => {
  const qc = await client();
  const tq = new tanstack.QueryClient();
  const cases = [
    { queryKey: ["none"], queryFn: () => 1 },
    { queryKey: ["none"], queryFn: () => 1, enabled: false },
    { queryKey: ["has"], queryFn: () => 1, staleTime: Infinity },
    { queryKey: ["has"], queryFn: () => 1 },
    { queryKey: ["has"], queryFn: () => 1, refetchOnMount: false },
    { queryKey: ["has"], queryFn: () => 1, staleTime: Infinity, refetchOnMount: "always" },
  ];
  qc.setQueryData(["has"], 1);
  tq.setQueryData(["has"], 1);
  for (const o of cases) {
    const mine = new QueryObserver(qc, o).getOptimisticResult(o);
    // As useQuery calls it (useBaseQuery sets _optimisticResults).
    const theirs = new tanstack.QueryObserver(tq, o).getOptimisticResult({ ...tq.defaultQueryOptions(o), _optimisticResults: "optimistic" });
    assert.equal(mine.fetchStatus, theirs.fetchStatus, JSON.stringify(o));
    assert.equal(mine.status, theirs.status, JSON.stringify(o));
    assert.equal(mine.isFetching, theirs.isFetching, JSON.stringify(o));
    assert.equal(mine.isLoading, theirs.isLoading, JSON.stringify(o));
    assert.equal(mine.isStale, theirs.isStale, `isStale: ${JSON.stringify(o)}`);
  }
  // Mounted: only moving to another query (or switching enabled) predicts a fetch; a render of the
  // same options after the fetch settled says idle, as query-core.
  const mounted = { queryKey: ["has"], queryFn: () => 1 };
  const mine = new QueryObserver(qc, mounted);
  const theirs = new tanstack.QueryObserver(tq, tq.defaultQueryOptions(mounted));
  const stopMine = mine.subscribe(() => {});
  const stopTheirs = theirs.subscribe(() => {});
  await settle();
  for (const o of [mounted, { queryKey: ["other"], queryFn: () => 2 }, { ...mounted, enabled: false }]) {
    const a = mine.getOptimisticResult(o);
    const b = theirs.getOptimisticResult({ ...tq.defaultQueryOptions(o), _optimisticResults: "optimistic" });
    assert.equal(a.fetchStatus, b.fetchStatus, `mounted: ${JSON.stringify(o)}`);
    assert.equal(a.status, b.status, `mounted: ${JSON.stringify(o)}`);
  }
  stopMine();
  stopTheirs();
  qc.setOnline(false);
  assert.equal(new QueryObserver(qc, cases[0]).getOptimisticResult(cases[0]).fetchStatus, "paused");
  assert.equal(new QueryObserver(qc, { ...cases[0], networkMode: "always" }).getOptimisticResult({ ...cases[0], networkMode: "always" }).fetchStatus, "fetching");
  qc.clear();
  tq.clear();
});

test("staleTime and gcTime Infinity never expire, however far the clock moves, as query-core", async () => {
  // The JavaScript face sends Infinity as Number.MAX_SAFE_INTEGER (JSON has no Infinity); the module
  // must take it as "never", not as a time 285,000 years away that a timer per observer waits for.
  const qc = await client();
  const observer = new QueryObserver(qc, { queryKey: ["forever"], queryFn: () => ({ n: 1 }), staleTime: Infinity });
  const stop = observer.subscribe(() => {});
  await settle();
  assert.equal(observer.getCurrentResult().isStale, false);
  qc.setQueryDefaults(["kept"], { gcTime: Infinity });
  qc.setQueryData(["kept"], { n: 2 });
  // Past Number.MAX_SAFE_INTEGER milliseconds from now.
  qc.advanceTime(1e16);
  await settle();
  assert.equal(observer.getCurrentResult().isStale, false, "staleTime: Infinity turned stale");
  assert.equal(observer.getCurrentResult().data.n, 1);
  assert.deepEqual(qc.getQueryData(["kept"]), { n: 2 }, "gcTime: Infinity collected an unobserved entry");
  stop();
  qc.clear();
});

test("options that are functions of the query (staleTime, enabled, refetchInterval, refetchOn*) and staleTime 'static', as query-core", async () => {
  const qc = await client();
  const tq = new tanstack.QueryClient();
  // staleTime as a function of the query: fresh while the data says so; called with the query's
  // key and state, and the function the options hold now is the one called.
  const seen = { mine: [], theirs: [] };
  const staleTimeFor = (calls) => (query) => {
    calls.push(query.queryKey[0]);
    return query.state.data?.fresh ? Infinity : 0;
  };
  const pairs = [];
  for (const c of [qc, tq]) {
    c.setQueryData(["doc"], { fresh: true });
    const staleTime = staleTimeFor(c === qc ? seen.mine : seen.theirs);
    const o = new (c === qc ? QueryObserver : tanstack.QueryObserver)(c, { queryKey: ["doc"], queryFn: () => ({ fresh: true }), staleTime });
    const stop = o.subscribe(() => {});
    const fresh = o.getCurrentResult().isStale;
    c.setQueryData(["doc"], { fresh: false });
    await settle();
    pairs.push([fresh, o.getCurrentResult().isStale]);
    stop();
  }
  assert.deepEqual(pairs[0], [false, true]);
  assert.deepEqual(pairs[0], pairs[1], "the same staleness as query-core");
  assert.ok(seen.mine.length > 0 && seen.mine.every((k) => k === "doc"), `our staleTime function saw ${JSON.stringify(seen.mine)}`);

  // staleTime "static": never stale, and invalidation does not refetch it.
  let calls = 0;
  const st = new QueryObserver(qc, { queryKey: ["static"], queryFn: () => ++calls, staleTime: "static" });
  const stopStatic = st.subscribe(() => {});
  await settle();
  await qc.invalidateQueries({ queryKey: ["static"] });
  await settle();
  assert.equal(calls, 1, "an invalidated static query is not refetched");
  assert.equal(st.getCurrentResult().isStale, false);
  stopStatic();

  // enabled as a function of the query, resolved again by setOptions (query-core compares the
  // resolved values): turning true starts the fetch.
  let allowed = false;
  let fetched = 0;
  const options = { queryKey: ["gated"], queryFn: () => ++fetched, enabled: () => allowed };
  const gated = new QueryObserver(qc, options);
  const stopGated = gated.subscribe(() => {});
  await settle();
  assert.equal(fetched, 0);
  assert.equal(gated.getCurrentResult().fetchStatus, "idle");
  allowed = true;
  gated.setOptions({ ...options, enabled: () => allowed });
  await settle();
  assert.equal(fetched, 1, "enabled turning true fetched");
  assert.equal(gated.getCurrentResult().data, 1);
  stopGated();

  // refetchInterval as a function of the query: polls while it gives a number, stops at false.
  let polled = 0;
  const poll = new QueryObserver(qc, { queryKey: ["poll"], queryFn: () => ++polled, refetchInterval: (query) => (query.state.data < 3 ? 1000 : false) });
  const stopPoll = poll.subscribe(() => {});
  await settle();
  for (let i = 0; i < 5; i++) {
    qc.advanceTime(1000);
    await settle();
  }
  assert.equal(polled, 3, "polled until the function said false");
  stopPoll();

  // refetchOnMount as a function of the query.
  let mounted = 0;
  qc.setQueryData(["mount"], 1);
  const m = new QueryObserver(qc, { queryKey: ["mount"], queryFn: () => ++mounted, refetchOnMount: (query) => (query.state.data === 1 ? "always" : false) });
  const stopMount = m.subscribe(() => {});
  await settle();
  assert.equal(mounted, 1, "refetchOnMount 'always' from a function refetched fresh data");
  stopMount();

  // A value of the wrong kind is a clear error, not ignored.
  assert.throws(() => new QueryObserver(qc, { queryKey: ["bad"], queryFn: () => 1, staleTime: "soon" }).subscribe(() => {}), /staleTime must be a number, "static" or a function/);
  qc.clear();
});
