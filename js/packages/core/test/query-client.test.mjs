// QueryClient with query-core's semantics: data, fetching, filters, time on the manual clock.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tanstack from "@tanstack/query-core";
import { mfstate, testHost, settle, deferred } from "./helpers.mjs";

const { QueryClient, QueryObserver, hashKey, partialMatchKey, CancelledError, isCancelledError } = mfstate;

async function client(config = {}) {
  await mfstate.loadMfstate();
  return new QueryClient({ clock: "manual", now: 1_000_000, ...config });
}

test("setQueryData / getQueryData: frozen, stable identity, structural sharing, updaters", async () => {
  const qc = await client();
  assert.equal(qc.getQueryData(["user", 1]), undefined);
  const set = qc.setQueryData(["user", 1], { id: 1, roles: ["a", "b"], profile: { city: "Oslo" } });
  const got = qc.getQueryData(["user", 1]);
  assert.deepEqual(got, { id: 1, roles: ["a", "b"], profile: { city: "Oslo" } });
  assert.equal(set, got);
  assert.ok(Object.isFrozen(got) && Object.isFrozen(got.roles));
  assert.equal(qc.getQueryData(["user", 1]), got, "an unchanged read is the same object");
  const next = qc.setQueryData(["user", 1], (old) => ({ ...old, id: 2 }));
  assert.equal(next.id, 2);
  assert.equal(next.roles, got.roles, "untouched parts keep their identity");
  const same = qc.setQueryData(["user", 1], { id: 2, roles: ["a", "b"], profile: { city: "Oslo" } });
  assert.equal(same, next, "equal data keeps the cached object");
  assert.equal(qc.setQueryData(["user", 1], () => undefined), undefined);
  assert.equal(qc.getQueryData(["user", 1]), next);
  assert.throws(() => qc.getQueryData("user"), (e) => e.code === "invalid_key");
  // Object member order never matters in a key.
  qc.setQueryData(["user", { id: 3, page: 1 }], "x");
  assert.equal(qc.getQueryData(["user", { page: 1, id: 3 }]), "x");
  const state = qc.getQueryState(["user", 1]);
  assert.equal(state.status, "success");
  assert.equal(state.dataUpdatedAt, 1_000_000);
  qc.clear();
});

test("a new entry's data: read once, a frozen copy as the module holds it, unchanged by the caller's edits", async () => {
  const qc = await client();
  let reads = 0;
  const data = {
    get n() {
      reads++;
      return reads;
    },
    nested: { list: [1, { deep: true }] },
    ["k\uD800"]: "lone \uDC00 surrogates",
  };
  const set = qc.setQueryData(["fresh"], data);
  assert.equal(reads, 1, "each member is read once");
  assert.notEqual(set, data);
  assert.deepEqual(set, { n: 1, nested: { list: [1, { deep: true }] }, ["k\uFFFD"]: "lone \uFFFD surrogates" }, "strings as the module holds them");
  assert.ok(Object.isFrozen(set) && Object.isFrozen(set.nested) && Object.isFrozen(set.nested.list) && Object.isFrozen(set.nested.list[1]));
  data.nested.list.push(2);
  assert.equal(qc.getQueryData(["fresh"]), set, "the same object, unchanged by the caller's edits");
  assert.deepEqual(set.nested.list, [1, { deep: true }]);
  // Every container written is tied to the module's node: an update sharing them keeps them.
  const next = qc.setQueryData(["fresh"], (old) => ({ ...old, n: 2 }));
  assert.equal(next.nested, set.nested);
  assert.equal(next.nested.list[1], set.nested.list[1]);
  // The same copy reaches another app of a host through the shared cache.
  const { host } = await testHost();
  const a = host.mount("a");
  const b = host.mount("b");
  const mine = a.queryClient.setQueryData(["shared"], { v: [1] });
  assert.equal(b.queryClient.getQueryData(["shared"]), mine);
  host.dispose();
  qc.clear();
});

test("fetchQuery shares one request, returns fresh data without fetching, rejects with what was thrown", async () => {
  const qc = await client();
  let calls = 0;
  const d = deferred();
  const fn = () => {
    calls++;
    return d.promise;
  };
  const p1 = qc.fetchQuery({ queryKey: ["todos"], queryFn: fn });
  const p2 = qc.fetchQuery({ queryKey: ["todos"], queryFn: fn });
  assert.equal(qc.isFetching(), 1);
  d.resolve([{ id: 1 }]);
  const [a, b] = await Promise.all([p1, p2]);
  assert.equal(calls, 1);
  assert.equal(a, b);
  assert.deepEqual(a, [{ id: 1 }]);
  assert.deepEqual(await qc.fetchQuery({ queryKey: ["todos"], queryFn: fn, staleTime: 1000 }), [{ id: 1 }]);
  assert.equal(calls, 1, "fresh data is not fetched again");
  class ApiError extends Error {}
  const boom = new ApiError("404");
  await assert.rejects(qc.fetchQuery({ queryKey: ["missing"], queryFn: () => Promise.reject(boom) }), (e) => e === boom);
  assert.equal(qc.getQueryState(["missing"]).status, "error");
  assert.equal(qc.getQueryState(["missing"]).error, boom);
  await assert.rejects(qc.fetchQuery({ queryKey: ["undef"], queryFn: () => undefined }), /^Error: \["undef"\] data is undefined$/);
  qc.clear();
});

test("the signal is made when the query function reads it: one read only after a cancel is already aborted", async () => {
  const qc = await client();
  let ctx;
  const never = qc.fetchQuery({
    queryKey: ["late"],
    queryFn: (c) => {
      ctx = c;
      return new Promise(() => {});
    },
  });
  assert.ok(Object.keys(ctx).includes("signal"), "signal is an enumerable field, as query-core's getter");
  await qc.cancelQueries({ queryKey: ["late"] });
  await assert.rejects(never, (e) => isCancelledError(e));
  assert.ok(ctx.signal instanceof AbortSignal);
  assert.equal(ctx.signal.aborted, true);
  assert.equal(ctx.signal.reason.name, "AbortError", "the platform's reason, as query-core's");
  assert.equal(ctx.signal, ctx.signal, "one signal per fetch");
  qc.clear();
});

test("the query function gets {queryKey, signal, meta}; cancelQueries aborts the signal and reverts", async () => {
  const qc = await client();
  qc.setQueryData(["item"], { v: 1 });
  let ctx;
  const d = deferred();
  const p = qc.fetchQuery({
    queryKey: ["item"],
    meta: { source: "test" },
    queryFn: (c) => {
      ctx = c;
      c.signal.addEventListener("abort", () => d.reject(c.signal.reason));
      return d.promise;
    },
  });
  assert.deepEqual(ctx.queryKey, ["item"]);
  assert.ok(Object.isFrozen(ctx.queryKey));
  assert.ok(ctx.signal instanceof AbortSignal);
  assert.deepEqual(ctx.meta, { source: "test" });
  assert.equal(ctx.signal.aborted, false);
  await qc.cancelQueries({ queryKey: ["item"] });
  assert.equal(ctx.signal.aborted, true);
  // As query-core 5.108: a cancelled fetch that reverts to data settles with that data...
  assert.deepEqual(await p, { v: 1 });
  assert.deepEqual(qc.getQueryData(["item"]), { v: 1 });
  assert.equal(qc.getQueryState(["item"]).status, "success");
  assert.equal(qc.getQueryState(["item"]).fetchStatus, "idle");
  // ... and one with nothing to revert to rejects with a CancelledError.
  const never = qc.fetchQuery({ queryKey: ["fresh"], queryFn: () => new Promise(() => {}) });
  await qc.cancelQueries({ queryKey: ["fresh"] });
  await assert.rejects(never, (e) => isCancelledError(e) && e instanceof CancelledError);
  assert.ok(new CancelledError() instanceof mfstate.MfstateError);
  qc.clear();
});

test("invalidateQueries marks matches stale and refetches only the active ones", async () => {
  const qc = await client();
  const calls = { a: 0, b: 0 };
  const observer = new QueryObserver(qc, { queryKey: ["user", "a"], queryFn: () => ({ n: ++calls.a }), staleTime: Infinity });
  const seen = [];
  const unsubscribe = observer.subscribe((r) => seen.push(r.data?.n));
  await settle();
  qc.setQueryData(["user", "b"], { n: 0 });
  qc.setQueryData(["other"], { n: 0 });
  await qc.invalidateQueries({ queryKey: ["user"] });
  assert.equal(calls.a, 2);
  assert.equal(qc.getQueryState(["user", "b"]).isInvalidated, true);
  assert.equal(qc.getQueryState(["other"]).isInvalidated, false);
  assert.equal(observer.getCurrentResult().data.n, 2);
  assert.deepEqual([...new Set(seen.filter((x) => x !== undefined))], [1, 2]);
  assert.equal(qc.getQueryCache().findAll({ queryKey: ["user"], stale: true }).length, 1);
  unsubscribe();
  qc.clear();
});

test("retries back off on the clock; failureCount and failureReason say so", async () => {
  const qc = await client();
  let calls = 0;
  const errors = [new Error("e1"), new Error("e2")];
  const observer = new QueryObserver(qc, {
    queryKey: ["flaky"],
    retry: 2,
    retryDelay: 1000,
    queryFn: () => (calls <= 1 ? Promise.reject(errors[calls++]) : Promise.resolve({ ok: ++calls })),
  });
  const results = [];
  const un = observer.subscribe((r) => results.push(r));
  await settle();
  assert.equal(calls, 1);
  assert.equal(observer.getCurrentResult().failureCount, 1);
  assert.equal(observer.getCurrentResult().failureReason, errors[0]);
  assert.equal(observer.getCurrentResult().fetchStatus, "fetching");
  qc.advanceTime(999);
  await settle();
  assert.equal(calls, 1);
  qc.advanceTime(1);
  await settle();
  assert.equal(calls, 2);
  qc.advanceTime(1000);
  await settle();
  assert.equal(calls, 3);
  const last = observer.getCurrentResult();
  assert.equal(last.status, "success");
  assert.deepEqual(last.data, { ok: 3 });
  assert.equal(last.failureCount, 0);
  un();
  qc.clear();
});

test("unobserved entries are collected gcTime after they were last used", async () => {
  const qc = await client();
  const observer = new QueryObserver(qc, { queryKey: ["gc"], queryFn: () => 1, gcTime: 5000 });
  const un = observer.subscribe(() => {});
  await settle();
  un();
  qc.advanceTime(4999);
  assert.equal(qc.getQueryData(["gc"]), 1);
  qc.advanceTime(1);
  assert.equal(qc.getQueryData(["gc"]), undefined);
  qc.clear();
});

test("refetchInterval polls on the clock", async () => {
  const qc = await client();
  let n = 0;
  const observer = new QueryObserver(qc, { queryKey: ["poll"], queryFn: () => ++n, refetchInterval: 100 });
  const un = observer.subscribe(() => {});
  await settle();
  assert.equal(n, 1);
  qc.advanceTime(100);
  await settle();
  qc.advanceTime(100);
  await settle();
  assert.equal(n, 3);
  un();
  qc.advanceTime(1000);
  assert.equal(n, 3);
  qc.clear();
});

test("removeQueries, resetQueries, refetchQueries and isFetching by filter", async () => {
  const qc = await client();
  qc.setQueryData(["a", 1], 1);
  qc.setQueryData(["a", 2], 2);
  qc.setQueryData(["b"], 3);
  qc.removeQueries({ queryKey: ["a"] });
  assert.equal(qc.getQueryData(["a", 1]), undefined);
  assert.equal(qc.getQueryData(["b"]), 3);
  let n = 0;
  const observer = new QueryObserver(qc, { queryKey: ["r"], queryFn: () => ++n, staleTime: Infinity });
  const un = observer.subscribe(() => {});
  await settle();
  await qc.refetchQueries({ queryKey: ["r"] });
  assert.equal(n, 2);
  await qc.resetQueries({ queryKey: ["r"] });
  assert.equal(n, 3);
  assert.equal(qc.isFetching(), 0);
  un();
  qc.clear();
});

test("hashKey is query-core's, byte for byte; partialMatchKey agrees with query-core's", () => {
  const keys = [
    ["user", 1],
    ["user", { id: 1, include: ["profile", "roles"], page: { size: 20, n: 1 } }],
    ["user", { b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }],
    ["x", 1.5, -0, 1e21, 2 ** 53 + 2, "é", "\u2028", true, null],
    [{ 10: "a", 2: "b", x: "c" }],
    [],
  ];
  for (const k of keys) assert.equal(hashKey(k), tanstack.hashKey(k), JSON.stringify(k));
  const pairs = [
    [["user", 1], ["user"]],
    [["user", { id: 1, page: 2 }], ["user", { id: 1 }]],
    [["user", { id: 1 }], ["user", { id: 2 }]],
    [["user"], ["user", 1]],
    [["a", [1, 2, 3]], ["a", [1, 2]]],
    [["a"], []],
  ];
  for (const [a, b] of pairs) assert.equal(partialMatchKey(a, b), tanstack.partialMatchKey(a, b), JSON.stringify([a, b]));
});

test("hashKey spells every key as query-core does, on the direct path and off it", () => {
  // hashKey writes common keys out itself and leaves the rest to query-core's algorithm: each case
  // here sits on one side of that line, and both must give query-core's text or its error.
  class Point {
    constructor() {
      this.y = 2;
      this.x = 1;
    }
  }
  const nullProto = Object.assign(Object.create(null), { b: 2, a: 1 });
  const tagged = { b: 1, a: 2, [Symbol.toStringTag]: "Tagged" };
  const protoMember = JSON.parse('{"b": 1, "__proto__": {"x": 1}, "a": 2}');
  const getter = { get b() { return "got"; }, a: 1 };
  const deep = [];
  let at = deep;
  for (let i = 0; i < 40; i++) at = at[at.push([]) - 1];
  at.push({ b: 1, a: 0 });
  // One case per key: a key that leaves the direct path anywhere leaves it whole.
  const cases = [
    "quote\"and\\back", "tab\tnew\nline", "\u0000\u001f", "\ud83d\ude00", "lone \ud800", "lone \udc00 end",
    { "é": 1, "e": 2, "E": 3, "": 4, "a b": 5, "\"": 6 },
    NaN, Infinity, -Infinity, -0, 0.1 + 0.2, 1e-7, 5e-324, Number.MAX_VALUE,
    undefined, () => 1, Symbol("s"),
    { a: undefined, c: 1, b: undefined },
    { b: () => 1, a: 1 }, { b: Symbol("s"), a: 1 },
    [, 1, , 2], // holes
    new Date(0), { toJSON: () => "x" }, { toJSON: 1, b: 2, a: 1 }, Object.assign([1, 2], { toJSON: () => "array" }),
    new Point(), nullProto, tagged, protoMember, getter,
    { 1: "a", b: "c" }, { "01": "d", b: 1, a: 2 }, { "4294967295": "e", b: 1, a: 2 }, { "-1": "f", b: 1, a: 2 },
    new String("s"), new Number(1), new Boolean(false),
    new Map([[1, 2]]), new Set([1]), /re/g, new Uint8Array(2),
    deep,
  ];
  const keys = [...cases.map((c) => ["k", c]), "a plain string", 42, null, { not: "an array" }];
  for (const k of keys) assert.equal(hashKey(k), tanstack.hashKey(k), String(tanstack.hashKey(k)));
  assert.equal(hashKey(undefined), tanstack.hashKey(undefined));
  const cycle = ["c", {}];
  cycle[1].self = cycle;
  assert.throws(() => tanstack.hashKey(cycle), TypeError);
  assert.throws(() => hashKey(cycle), TypeError);
  assert.throws(() => hashKey([1n]), TypeError);
  // A thousand keys built at random from everything above.
  let seed = 7;
  const rand = (n) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  const leaves = ["", "a", "é", "\ud800", "\"", 0, -0, 1.5, -3, 1e21, NaN, true, false, null, undefined];
  const names = ["a", "b", "B", "é", "", "_", "z1", "1", "__proto__", "toJSON"];
  const build = (depth) => {
    const pick = rand(depth > 3 ? 1 : 4);
    if (pick === 0) return leaves[rand(leaves.length)];
    if (pick === 1) return Array.from({ length: rand(4) }, () => build(depth + 1));
    const o = {};
    for (let i = rand(5); i > 0; i--) Object.defineProperty(o, names[rand(names.length)], { value: build(depth + 1), enumerable: true, configurable: true, writable: true });
    return o;
  };
  for (let i = 0; i < 1000; i++) {
    const k = [build(0), build(0)];
    assert.equal(hashKey(k), tanstack.hashKey(k), String(tanstack.hashKey(k)));
  }
});

test("QueryCache: find, findAll by filters, and its events", async () => {
  const qc = await client();
  const events = [];
  const cache = qc.getQueryCache();
  const un = cache.subscribe((e) => events.push([e.type, e.query.queryHash, e.action?.type]));
  qc.setQueryData(["user", 1], { n: 1 });
  qc.setQueryData(["user", 2], { n: 2 });
  qc.setQueryData(["post", 1], { n: 3 });
  assert.equal(cache.find({ queryKey: ["user", 1] }).state.data.n, 1);
  assert.equal(cache.find({ queryKey: ["user"] }), undefined, "find is exact by default");
  assert.deepEqual(cache.findAll({ queryKey: ["user"] }).map((q) => q.queryHash).sort(), ['["user",1]', '["user",2]']);
  assert.equal(cache.findAll({ predicate: (q) => q.state.data.n > 1 }).length, 2);
  assert.equal(cache.getAll().length, 3);
  assert.deepEqual(events[0], ["added", '["user",1]', undefined]);
  assert.ok(events.some((e) => e[0] === "updated" && e[2] === "success"));
  un();
  qc.clear();
});

test("a query-core dehydrated cache hydrates into mfstate, and mfstate's into query-core", async () => {
  const peer = new tanstack.QueryClient();
  peer.setQueryData(["user", { id: 1 }], { name: "John" });
  const fromPeer = JSON.parse(JSON.stringify(tanstack.dehydrate(peer)));
  const qc = await client();
  mfstate.hydrate(qc, fromPeer);
  assert.deepEqual(qc.getQueryData(["user", { id: 1 }]), { name: "John" });
  qc.setQueryData(["post", 7], { title: "t" });
  const ours = JSON.parse(JSON.stringify(mfstate.dehydrate(qc)));
  assert.deepEqual(ours.queries.map((q) => q.queryHash).sort(), ['["post",7]', '["user",{"id":1}]']);
  const back = new tanstack.QueryClient();
  tanstack.hydrate(back, ours);
  assert.deepEqual(back.getQueryData(["post", 7]), { title: "t" });
  const only = mfstate.dehydrate(qc, { shouldDehydrateQuery: (q) => q.queryKey[0] === "post" });
  assert.deepEqual(only.queries.map((q) => q.queryHash), ['["post",7]']);
  assert.throws(() => mfstate.hydrate(qc, { queries: [{ queryKey: "bad" }] }), (e) => e.code === "invalid_argument");
  peer.clear();
  back.clear();
  qc.clear();
});

test("focus and connectivity come from the shell: regaining focus refetches stale observed queries", async () => {
  const { host } = await testHost();
  const app = host.mount("home");
  let n = 0;
  const results = [];
  const stop = app.observe({ queryKey: ["me"], queryFn: () => ++n }, (r) => results.push(r.data));
  await settle();
  assert.equal(n, 1);
  host.setFocused(false);
  host.setFocused(true);
  await settle();
  assert.equal(n, 2);
  host.setOnline(false);
  host.setFocused(false);
  host.setFocused(true);
  await settle();
  const paused = app.queryClient.getQueryState(["me"]);
  assert.equal(paused.fetchStatus, "paused");
  host.setOnline(true);
  await settle();
  assert.equal(n, 3);
  assert.equal(results.at(-1), 3);
  stop();
  host.dispose();
});

test("a standalone client needs the module; its clock is its own", async () => {
  await mfstate.loadMfstate();
  const qc = new QueryClient({ clock: "manual", now: 5 });
  qc.setQueryData(["t"], 1);
  assert.equal(qc.getQueryState(["t"]).dataUpdatedAt, 5);
  qc.advanceTime(10);
  qc.setQueryData(["t"], 2);
  assert.equal(qc.getQueryState(["t"]).dataUpdatedAt, 15);
  assert.equal(qc.stats().entries, 1);
  qc.clear();
});

test("a read never serves stale data: every way an entry changes reaches getQueryData", async () => {
  const { host } = await testHost({ queries: { maxEntries: 3 } });
  const a = host.mount("a").queryClient;
  const b = host.mount("b").queryClient;
  const key = ["k"];
  a.setQueryData(key, { v: 1 });
  assert.deepEqual(a.getQueryData(key), { v: 1 });
  b.setQueryData(key, { v: 2 }); // another app's face of the same cache
  assert.deepEqual(a.getQueryData(key), { v: 2 });
  await b.fetchQuery({ queryKey: key, queryFn: () => ({ v: 3 }) });
  assert.deepEqual(a.getQueryData(key), { v: 3 }, "a fetch settling");
  let v = 4;
  const stop = host.mount("c").observe({ queryKey: key, queryFn: () => ({ v: v++ }) }, () => {});
  await settle();
  assert.deepEqual(a.getQueryData(key), { v: 4 }, "an observer's fetch");
  await b.invalidateQueries({ queryKey: key });
  assert.deepEqual(a.getQueryData(key), { v: 5 }, "an invalidation's refetch");
  stop();
  b.removeQueries({ queryKey: key });
  assert.equal(a.getQueryData(key), undefined, "removal");
  a.setQueryData(key, { v: 6 });
  mfstate.hydrate(host.queryClient, { queries: [{ queryKey: key, queryHash: '["k"]', state: { data: { v: 7 }, dataUpdatedAt: 2_000_000, status: "success" } }] });
  assert.deepEqual(a.getQueryData(key), { v: 7 }, "hydration");
  // A bounded cache evicts the least recently used unobserved entries on writes.
  for (const k of ["x", "y", "z", "w"]) b.setQueryData([k], k);
  assert.equal(a.getQueryData(key), undefined, "eviction by another write");
  // gc: an unobserved entry goes gcTime after it was last used.
  const gcKey = ["gc"];
  const o = new mfstate.QueryObserver(a, { queryKey: gcKey, queryFn: () => 1, gcTime: 100 });
  const un = o.subscribe(() => {});
  await settle();
  assert.equal(a.getQueryData(gcKey), 1);
  un();
  host.advanceTime(100);
  assert.equal(a.getQueryData(gcKey), undefined, "garbage collection");
  host.dispose();
});

test("a read inside a callback from the module sees what the operation changed before calling it", async () => {
  const { host } = await testHost();
  const a = host.mount("a").queryClient;
  const key = ["inside"];
  a.setQueryData(key, { v: 1 });
  assert.deepEqual(a.getQueryData(key), { v: 1 }); // cached now
  const gate = deferred();
  const seen = [];
  const stop = host.mount("c").observe({ queryKey: key, queryFn: () => gate.promise }, (result) => {
    seen.push([result.data, a.getQueryData(key)]);
  });
  assert.deepEqual(a.getQueryData(key), { v: 1 }); // cached again, after the subscription's operation
  gate.resolve({ v: 2 }); // settles in a later run of the runtime, which notifies the listener
  await settle();
  const [data, read] = seen[seen.length - 1];
  assert.deepEqual(data, { v: 2 });
  assert.equal(read, data, "the listener's read is the settled data, not the cached { v: 1 }");
  stop();
  host.dispose();
});

test("findAll snapshots carry the cache's observer counts and staleness (by the observers' staleTime)", async () => {
  const { host } = await testHost();
  const app = host.mount("a");
  const stopFresh = app.observe({ queryKey: ["fresh"], queryFn: () => 1, staleTime: 60_000 }, () => {});
  const other = new QueryObserver(app.queryClient, { queryKey: ["fresh"], queryFn: () => 1, staleTime: 60_000 });
  const stopOther = other.subscribe(() => {});
  const stopStale = app.observe({ queryKey: ["stale"], queryFn: () => 2 }, () => {});
  await settle();
  host.queryClient.setQueryData(["unobserved"], 3);
  const byHash = new Map(host.queryClient.getQueryCache().findAll().map((q) => [q.queryHash, q]));
  assert.equal(byHash.get('["fresh"]').getObserversCount(), 2);
  assert.equal(byHash.get('["fresh"]').isStale(), false, "within its observers' staleTime");
  assert.equal(byHash.get('["stale"]').getObserversCount(), 1);
  assert.equal(byHash.get('["stale"]').isStale(), true, "staleTime 0");
  assert.equal(byHash.get('["unobserved"]').getObserversCount(), 0);
  assert.equal(byHash.get('["unobserved"]').isStale(), false, "query-core: unobserved with data and not invalidated");
  host.advanceTime(60_000);
  assert.equal(host.queryClient.getQueryCache().find({ queryKey: ["fresh"] }).isStale(), true);
  const snap = host.inspect().queries.find((q) => q.queryHash === '["fresh"]');
  assert.equal(snap.observers, 2);
  assert.equal(snap.isStale, true);
  stopFresh();
  stopOther();
  stopStale();
  host.dispose();
});

test("query-core's helpers that user code imports: matchQuery, matchMutation, shouldThrowError, the dehydrate defaults, noop, isServer", async () => {
  const qc = await client();
  const tq = new tanstack.QueryClient();
  // The same cache on both sides: two observed, one invalidated, one pending.
  for (const c of [qc, tq]) {
    c.setQueryData(["todos", { page: 1 }], [1]);
    c.setQueryData(["todos", { page: 2 }], [2]);
    c.setQueryData(["user", 7], { id: 7 });
  }
  await qc.invalidateQueries({ queryKey: ["user"], refetchType: "none" });
  await tq.invalidateQueries({ queryKey: ["user"], refetchType: "none" });
  const watch = (c, Observer) => new Observer(c, { queryKey: ["todos", { page: 1 }], queryFn: () => [1], staleTime: Infinity }).subscribe(() => {});
  const stops = [watch(qc, QueryObserver), watch(tq, tanstack.QueryObserver)];
  await settle();
  const filters = [
    {},
    { queryKey: ["todos"] },
    { queryKey: ["todos", { page: 1 }], exact: true },
    { queryKey: ["todos"], exact: true },
    { type: "active" },
    { type: "inactive" },
    { stale: true },
    { stale: false },
    { fetchStatus: "idle" },
    { queryKey: ["user"], predicate: (q) => q.state.data?.id === 7 },
  ];
  for (const f of filters) {
    const mine = qc.getQueryCache().getAll().filter((q) => mfstate.matchQuery(f, q)).map((q) => q.queryHash).sort();
    const theirs = tq.getQueryCache().getAll().filter((q) => tanstack.matchQuery(f, q)).map((q) => q.queryHash).sort();
    assert.deepEqual(mine, theirs, JSON.stringify(f));
  }
  for (const stop of stops) stop();

  // Mutations: by key (prefix or exact), status and predicate.
  const mutations = [
    { options: { mutationKey: ["todos", "add"] }, state: { status: "success", isPaused: false } },
    { options: { mutationKey: ["todos"] }, state: { status: "pending", isPaused: true } },
    { options: {}, state: { status: "idle", isPaused: false } },
  ];
  const mutationFilters = [{}, { mutationKey: ["todos"] }, { mutationKey: ["todos"], exact: true }, { status: "pending" }, { predicate: (m) => m.state.isPaused }];
  for (const f of mutationFilters) {
    assert.deepEqual(
      mutations.map((m) => mfstate.matchMutation(f, m)),
      mutations.map((m) => tanstack.matchMutation(f, m)),
      JSON.stringify(f),
    );
  }
  assert.deepEqual(mutations.map(mfstate.defaultShouldDehydrateMutation), mutations.map(tanstack.defaultShouldDehydrateMutation));
  const snapshots = qc.getQueryCache().getAll();
  assert.deepEqual(snapshots.map(mfstate.defaultShouldDehydrateQuery), snapshots.map(tanstack.defaultShouldDehydrateQuery));

  for (const [throwOnError, params] of [[true, []], [false, []], [undefined, []], [(e) => e.message === "x", [new Error("x")]], [() => false, [new Error("y")]]]) {
    assert.equal(mfstate.shouldThrowError(throwOnError, params), tanstack.shouldThrowError(throwOnError, params));
  }
  assert.equal(mfstate.noop(), undefined);
  assert.equal(mfstate.isServer, tanstack.isServer);
  qc.clear();
  tq.clear();
});

test("getQueryData after invalidating or refetching: what the cache holds, as the fetch goes", async () => {
  const qc = await client();
  qc.setQueryData(["sync"], { v: 0 });
  qc.setQueryData(["async"], { v: 0 });
  qc.setQueryData(["idle"], { v: 0 });
  const readSync = qc.getQueryData(["sync"]);
  qc.getQueryData(["async"]);
  const idle = qc.getQueryData(["idle"]);
  let n = 0;
  const pending = deferred();
  const a = new QueryObserver(qc, { queryKey: ["sync"], queryFn: () => ({ v: ++n }), staleTime: Infinity });
  const b = new QueryObserver(qc, { queryKey: ["async"], queryFn: () => pending.promise, staleTime: Infinity });
  const offA = a.subscribe(() => {});
  const offB = b.subscribe(() => {});
  await settle();
  assert.deepEqual(qc.getQueryData(["sync"]), qc.getQueryState(["sync"]).data);
  const invalidated = qc.invalidateQueries();
  // A query function answering at once may have settled inside the call: the read says what the
  // cache says, whichever it is.
  assert.deepEqual(qc.getQueryData(["sync"]), qc.getQueryState(["sync"]).data);
  assert.deepEqual(qc.getQueryData(["async"]), { v: 0 }, "in flight: the data it had");
  assert.equal(qc.getQueryData(["idle"]), idle, "no observer: marked stale, data unchanged, same object");
  pending.resolve({ v: 42 });
  await invalidated;
  assert.deepEqual(qc.getQueryData(["async"]), { v: 42 });
  assert.notDeepEqual(qc.getQueryData(["sync"]), readSync);
  assert.deepEqual(qc.getQueryData(["sync"]), qc.getQueryState(["sync"]).data);
  await qc.refetchQueries({ queryKey: ["sync"] });
  assert.deepEqual(qc.getQueryData(["sync"]), qc.getQueryState(["sync"]).data);
  assert.equal(qc.getQueryData(["sync"]).v, n);
  offA();
  offB();
});
