// A NaN in a query key: `["k", NaN]` is its own key, found by an equal key built anew on every
// path (getQueryData, setQueryData, getQueryState, observers, filters, defaults), as the module
// holds it (every NaN one NaN: docs/keys.md), and never the key `["k", null]` — the one query-core
// makes of it, whose hashKey (JSON) writes NaN as null. Keys holding ±Infinity likewise. A
// dehydrated state, which is JSON's shape, leaves such a query out rather than write its key as
// null or fail whole; hydrate refuses such a key with a clear error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mfstate, settle, testHost } from "./helpers.mjs";

const { QueryClient, QueryObserver, MutationObserver, hashKey, partialMatchKey, matchQuery, matchMutation } = mfstate;

async function client() {
  await mfstate.loadMfstate();
  return new QueryClient({ clock: "manual", now: 1_000_000 });
}

// A NaN with other bits than the literal's (the module keeps every NaN as one; a Float64Array may
// keep the bits it is given).
const otherNaN = new Float64Array(new Uint32Array([0x1234, 0xfff80000]).buffer)[0];

// The shapes a key takes in the package's key table: a flat key of primitives, a shaped one (an
// object of primitives), a nested one kept whole.
const shapes = {
  "top level": (x) => ["k", x],
  "in an object": (x) => ["k", { x, y: 1 }],
  "in an array": (x) => ["k", [1, [x]]],
  "after an integer": (x) => ["k", 7, x],
};

for (const [name, shape] of Object.entries(shapes)) {
  test(`NaN ${name}: a key built anew finds the entry; repeated sets keep one`, async () => {
    const qc = await client();
    assert.equal(otherNaN !== otherNaN, true);
    for (let i = 0; i < 12; i++) qc.setQueryData(shape(i + 0.5), "sibling");
    qc.setQueryData(shape(NaN), 1);
    assert.equal(qc.getQueryData(shape(NaN)), 1);
    assert.equal(qc.getQueryData(shape(otherNaN)), 1);
    assert.equal(qc.getQueryState(shape(0 / 0)).data, 1);
    assert.equal(qc.getQueryData(shape(null)), undefined, "NaN is not null");
    assert.equal(qc.getQueryData(shape(Infinity)), undefined);
    for (let i = 2; i < 8; i++) qc.setQueryData(shape(i % 2 ? NaN : otherNaN), i);
    assert.equal(qc.getQueryData(shape(NaN)), 7);
    assert.equal(qc.getQueryCache().findAll({ queryKey: shape(NaN), exact: true }).length, 1);
    assert.equal(qc.getQueryCache().findAll({ queryKey: ["k"] }).length, 13, "one entry for every NaN");
    qc.setQueryData(shape(null), "null");
    assert.equal(qc.getQueryData(shape(NaN)), 7);
    assert.equal(qc.getQueryData(shape(null)), "null");
    assert.equal(qc.getQueryCache().findAll({ queryKey: shape(null), exact: true }).length, 1);
    qc.clear();
  });

  test(`NaN ${name}: filters holding NaN match it, exactly and by prefix`, async () => {
    const qc = await client();
    qc.setQueryData(shape(NaN), 1);
    qc.setQueryData([...shape(NaN), "more"], 2);
    qc.setQueryData(shape(null), 3);
    const exact = qc.getQueryCache().findAll({ queryKey: shape(otherNaN), exact: true });
    assert.equal(exact.length, 1);
    assert.equal(exact[0].state.data, 1);
    assert.ok(matchQuery({ queryKey: shape(NaN), exact: true }, exact[0]));
    assert.ok(!matchQuery({ queryKey: shape(null), exact: true }, exact[0]), "same hashKey text, another key");
    assert.equal(qc.getQueryCache().findAll({ queryKey: shape(NaN) }).length, 2);
    await qc.invalidateQueries({ queryKey: shape(otherNaN), exact: true });
    assert.equal(qc.getQueryState(shape(NaN)).isInvalidated, true);
    assert.equal(qc.getQueryState([...shape(NaN), "more"]).isInvalidated, false);
    assert.equal(qc.getQueryState(shape(null)).isInvalidated, false);
    qc.removeQueries({ queryKey: shape(NaN) });
    assert.equal(qc.getQueryData(shape(NaN)), undefined);
    assert.equal(qc.getQueryData([...shape(NaN), "more"]), undefined);
    assert.equal(qc.getQueryData(shape(null)), 3);
    qc.clear();
  });
}

test("an observer of a NaN key is told of a set through a key built anew, and keeps its query", async () => {
  const qc = await client();
  const observer = new QueryObserver(qc, { queryKey: ["k", { x: NaN }], queryFn: () => "fetched", enabled: false });
  const seen = [];
  const stop = observer.subscribe((r) => seen.push(r.data));
  qc.setQueryData(["k", { x: otherNaN }], "one");
  await settle();
  assert.equal(observer.getCurrentResult().data, "one");
  observer.setOptions({ queryKey: ["k", { x: 0 / 0 }], queryFn: () => "fetched", enabled: false });
  qc.setQueryData(["k", { x: NaN }], "two");
  await settle();
  assert.equal(observer.getCurrentResult().data, "two");
  assert.equal(seen.at(-1), "two");
  // A switch to ["k", {x: null}] is a switch to another query, though hashKey's text is the same.
  observer.setOptions({ queryKey: ["k", { x: null }], queryFn: () => "fetched", enabled: false });
  await settle();
  assert.equal(observer.getCurrentResult().data, undefined);
  assert.equal(observer.getOptimisticResult({ queryKey: ["k", { x: NaN }], queryFn: () => "fetched", enabled: false }).data, "two");
  stop();
  assert.equal(qc.getQueryCache().findAll({ queryKey: ["k"] }).length, 2);
  qc.clear();
});

test("partialMatchKey and matchMutation take NaN as NaN, and not as null", async () => {
  await mfstate.loadMfstate();
  assert.ok(partialMatchKey(["k", { x: NaN, y: 1 }], ["k", { x: NaN }]));
  assert.ok(partialMatchKey(["k", [NaN, 2]], ["k", [NaN]]));
  assert.ok(!partialMatchKey(["k", NaN], ["k", null]));
  assert.ok(!partialMatchKey(["k", null], ["k", NaN]));
  const mutation = { options: { mutationKey: ["m", NaN] }, state: { status: "idle" } };
  assert.ok(matchMutation({ mutationKey: ["m", NaN], exact: true }, mutation));
  assert.ok(!matchMutation({ mutationKey: ["m", null], exact: true }, mutation));
  assert.ok(!matchMutation({ mutationKey: ["m", Infinity], exact: true }, mutation));
  // hashKey stays query-core's text: JSON, which has no NaN.
  assert.equal(hashKey(["k", NaN]), '["k",null]');
});

test("a mutation observer given its NaN key again keeps its mutation", async () => {
  const qc = await client();
  const observer = new MutationObserver(qc, { mutationKey: ["m", NaN], mutationFn: async (v) => v });
  await observer.mutate(1);
  assert.equal(observer.getCurrentResult().status, "success");
  observer.setOptions({ mutationKey: ["m", 0 / 0], mutationFn: async (v) => v });
  assert.equal(observer.getCurrentResult().status, "success", "the same key: not reset");
  observer.setOptions({ mutationKey: ["m", null], mutationFn: async (v) => v });
  assert.equal(observer.getCurrentResult().status, "idle", "another key: reset");
});

test("query defaults for a NaN key are that key's, not null's", async () => {
  const qc = await client();
  qc.setQueryDefaults(["k", NaN], { staleTime: 1234 });
  assert.equal(qc.getQueryDefaults(["k", NaN]).staleTime, 1234);
  assert.equal(qc.getQueryDefaults(["k", null]).staleTime, undefined);
});

test("infinities are keys too, each its own", async () => {
  const qc = await client();
  qc.setQueryData(["k", Infinity], "inf");
  qc.setQueryData(["k", -Infinity], "-inf");
  assert.equal(qc.getQueryData(["k", Infinity]), "inf");
  assert.equal(qc.getQueryData(["k", -Infinity]), "-inf");
  assert.equal(qc.getQueryData(["k", null]), undefined);
});

test("data still may not hold NaN (JSON has none): only keys may", async () => {
  const qc = await client();
  assert.throws(() => qc.setQueryData(["k", NaN], { v: NaN }), (e) => e.code === "invalid_argument" && /NaN at \/v/.test(e.message));
  assert.equal(qc.getQueryData(["k", NaN]), undefined, "nothing half written");
  assert.throws(() => qc.setQueryData(["k", 1], [Infinity]), (e) => e.code === "invalid_argument");
});

test("dehydrate leaves a NaN key's query out rather than write it as null or fail; hydrate refuses one", async () => {
  const qc = await client();
  qc.setQueryData(["plain"], 1);
  qc.setQueryData(["k", NaN], 2);
  // One app's key JSON cannot spell neither stops the shell's dehydrate nor turns into ["k", null].
  const state = mfstate.dehydrate(qc);
  assert.deepEqual(state.queries.map((q) => q.queryKey), [["plain"]]);
  assert.deepEqual(mfstate.dehydrate(qc, { shouldDehydrateQuery: () => true }).queries.map((q) => q.queryKey), [["plain"]]);
  const other = await client();
  const forged = { mutations: [], queries: [{ ...state.queries[0], queryKey: ["k", NaN] }] };
  assert.throws(() => mfstate.hydrate(other, forged), (e) => e.code === "invalid_argument" && /NaN/.test(e.message));
  assert.equal(other.getQueryData(["k", NaN]), undefined);
  assert.equal(other.getQueryData(["k", null]), undefined, "nothing merged with null");
});

test("apps share the NaN key's entry", async () => {
  const { host } = await testHost();
  const a = host.mount("a").queryClient;
  const b = host.mount("b").queryClient;
  a.setQueryData(["shared", { id: NaN }], "v");
  assert.equal(b.getQueryData(["shared", { id: otherNaN }]), "v");
  host.dispose();
});
