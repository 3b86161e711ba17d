// dehydrate's and hydrate's options, as query-core's: serializeData / deserializeData, the
// mutations a dehydrated state lists, the options of the queries hydrate creates, and the client's
// defaultOptions.dehydrate / .hydrate under the call's. Where query-core can run the same steps,
// it does, and the two are compared.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tanstack from "@tanstack/query-core";
import { mfstate, settle } from "./helpers.mjs";

const { QueryClient, MutationObserver } = mfstate;

async function client(config = {}) {
  await mfstate.loadMfstate();
  return new QueryClient({ clock: "manual", now: 1_000_000, ...config });
}

const wrap = (data) => ({ wrapped: data });
const unwrap = (data) => data.wrapped;
const dataOf = (state) => state.queries.map((q) => [q.queryHash, q.state.data]);

test("serializeData transforms each dehydrated query's data, as query-core's does", async () => {
  const qc = await client();
  const peer = new tanstack.QueryClient();
  for (const c of [qc, peer]) {
    c.setQueryData(["user", 1], { name: "John" });
    c.setQueryData(["user", 2], { name: "Jane" });
  }
  const ours = mfstate.dehydrate(qc, { serializeData: wrap });
  const theirs = tanstack.dehydrate(peer, { serializeData: wrap });
  assert.deepEqual(dataOf(ours).sort(), dataOf(theirs).sort());
  assert.deepEqual(qc.getQueryData(["user", 1]), { name: "John" }, "the cache keeps its data");
  peer.clear();
  qc.clear();
});

test("deserializeData reverses it on the way in: query-core's state hydrates here, ours there", async () => {
  const peer = new tanstack.QueryClient();
  peer.setQueryData(["user", 1], { name: "John" });
  const fromPeer = JSON.parse(JSON.stringify(tanstack.dehydrate(peer, { serializeData: wrap })));
  const qc = await client();
  mfstate.hydrate(qc, fromPeer, { defaultOptions: { deserializeData: unwrap } });
  assert.deepEqual(qc.getQueryData(["user", 1]), { name: "John" });
  assert.deepEqual(fromPeer.queries[0].state.data, { wrapped: { name: "John" } }, "the caller's state is not touched");
  const ours = JSON.parse(JSON.stringify(mfstate.dehydrate(qc, { serializeData: wrap })));
  const back = new tanstack.QueryClient();
  tanstack.hydrate(back, ours, { defaultOptions: { deserializeData: unwrap } });
  assert.deepEqual(back.getQueryData(["user", 1]), { name: "John" });
  peer.clear();
  back.clear();
  qc.clear();
});

test("hydrate reads a frozen state without writing to it", async () => {
  const qc = await client();
  const deepFreeze = (o) => {
    if (typeof o === "object" && o !== null) {
      Object.values(o).forEach(deepFreeze);
      Object.freeze(o);
    }
    return o;
  };
  const state = deepFreeze({
    mutations: [],
    queries: [{ queryKey: ["k"], queryHash: '["k"]', state: { data: { wrapped: 7 }, dataUpdatedAt: 5, status: "success" } }],
  });
  mfstate.hydrate(qc, state, { defaultOptions: { deserializeData: unwrap } });
  assert.equal(qc.getQueryData(["k"]), 7);
  qc.clear();
});

test("the client's defaultOptions.dehydrate and .hydrate apply when the call names none, and the call's win", async () => {
  const qc = await client({ defaultOptions: { dehydrate: { serializeData: wrap }, hydrate: { deserializeData: unwrap } } });
  qc.setQueryData(["a"], 1);
  const state = mfstate.dehydrate(qc);
  assert.deepEqual(dataOf(state), [['["a"]', { wrapped: 1 }]]);
  assert.deepEqual(dataOf(mfstate.dehydrate(qc, { serializeData: (d) => [d] })), [['["a"]', [1]]]);
  const other = await client({ defaultOptions: { hydrate: { deserializeData: unwrap } } });
  mfstate.hydrate(other, JSON.parse(JSON.stringify(state)));
  assert.equal(other.getQueryData(["a"]), 1);
  const third = await client({ defaultOptions: { hydrate: { deserializeData: () => "default" } } });
  mfstate.hydrate(third, JSON.parse(JSON.stringify(state)), { defaultOptions: { deserializeData: unwrap } });
  assert.equal(third.getQueryData(["a"]), 1, "the call's deserializeData, not the client's");
  // The client's shouldDehydrateQuery too.
  const picky = await client({ defaultOptions: { dehydrate: { shouldDehydrateQuery: (q) => q.queryKey[0] === "b" } } });
  picky.setQueryData(["a"], 1);
  picky.setQueryData(["b"], 2);
  assert.deepEqual(dataOf(mfstate.dehydrate(picky)), [['["b"]', 2]]);
  for (const c of [qc, other, third, picky]) c.clear();
});

test("shouldDehydrateMutation lists the client's mutations in query-core's shape; by default none (none is paused)", async () => {
  const qc = await client();
  const peer = new tanstack.QueryClient();
  const options = { mutationKey: ["rename"], mutationFn: async (v) => ({ name: v }), meta: { from: "profile" }, scope: { id: "user" } };
  await new MutationObserver(qc, options).mutate("Jane");
  await new tanstack.MutationObserver(peer, options).mutate("Jane");
  await settle();
  assert.deepEqual(mfstate.dehydrate(qc).mutations, []);
  assert.deepEqual(tanstack.dehydrate(peer).mutations, []);
  const pick = (m) => ({
    mutationKey: m.mutationKey,
    meta: m.meta,
    scope: m.scope,
    status: m.state.status,
    data: m.state.data,
    variables: m.state.variables,
    isPaused: m.state.isPaused,
  });
  const ours = mfstate.dehydrate(qc, { shouldDehydrateMutation: () => true }).mutations.map(pick);
  const theirs = tanstack.dehydrate(peer, { shouldDehydrateMutation: () => true }).mutations.map(pick);
  assert.equal(ours.length, 1);
  assert.deepEqual(ours, theirs);
  peer.clear();
  qc.clear();
});

test("defaultOptions.queries: a created query's gcTime and queryFn are hydrate's", async () => {
  const state = (key) => ({
    mutations: [],
    queries: [{ queryKey: key, queryHash: JSON.stringify(key), state: { data: 1, dataUpdatedAt: 10, dataUpdateCount: 1, errorUpdateCount: 0, status: "success" } }],
  });
  // The query's own function is the one hydrate gave it: a refetch of every matching query runs it.
  const qc = await client();
  const peer = new tanstack.QueryClient();
  const fetched = { ours: 0, theirs: 0 };
  mfstate.hydrate(qc, state(["short"]), { defaultOptions: { queries: { gcTime: 1000, queryFn: () => ++fetched.ours } } });
  tanstack.hydrate(peer, state(["short"]), { defaultOptions: { queries: { gcTime: 1000, queryFn: () => ++fetched.theirs } } });
  await qc.refetchQueries({ queryKey: ["short"], type: "all" });
  await peer.refetchQueries({ queryKey: ["short"], type: "all" });
  await settle();
  assert.deepEqual(fetched, { ours: 1, theirs: 1 });
  assert.equal(qc.getQueryData(["short"]), 1);
  // gcTime: on the manual clock here (query-core's is a setTimeout).
  mfstate.hydrate(qc, state(["long"]));
  qc.advanceTime(1000);
  assert.equal(qc.getQueryData(["short"]), undefined, "gone gcTime after its last use");
  assert.equal(qc.getQueryData(["long"]), 1, "the default gcTime (5 minutes) keeps the other");
  // The client's defaultOptions.hydrate.queries, when the call names none.
  const other = await client({ defaultOptions: { hydrate: { queries: { gcTime: 10 } } } });
  mfstate.hydrate(other, state(["k"]));
  other.advanceTime(10);
  assert.equal(other.getQueryData(["k"]), undefined);
  peer.clear();
  qc.clear();
  other.clear();
});

test("bad hydrate options are an error that changes nothing", async () => {
  const qc = await client();
  const state = { queries: [{ queryKey: ["k"], queryHash: '["k"]', state: { data: 1, dataUpdatedAt: 5, status: "success" } }] };
  assert.throws(() => mfstate.hydrate(qc, state, { defaultOptions: { queries: { gcTime: "soon" } } }), (e) => e.code === "invalid_argument");
  assert.equal(qc.getQueryData(["k"]), undefined);
  assert.throws(
    () => mfstate.hydrate(qc, state, { defaultOptions: { deserializeData: () => new Map() } }),
    (e) => e.code !== undefined,
    "data deserializeData made that is not JSON is refused",
  );
  assert.equal(qc.getQueryData(["k"]), undefined);
  qc.clear();
});

test("an app's client cannot hydrate: it would write every app's query states", async () => {
  const host = await mfstate.createHost({ clock: "manual" });
  const app = host.mount("home");
  const state = { queries: [{ queryKey: ["k"], queryHash: '["k"]', state: { data: 1, dataUpdatedAt: 5, status: "success" } }] };
  assert.throws(() => mfstate.hydrate(app.queryClient, state), (e) => e.code === "refused");
  assert.throws(() => mfstate.hydrate(app.queryClient, state, { defaultOptions: { queries: { gcTime: 1 } } }), (e) => e.code === "refused");
  assert.equal(host.queryClient.getQueryData(["k"]), undefined);
  mfstate.hydrate(host.queryClient, state);
  assert.equal(app.queryClient.getQueryData(["k"]), 1, "the shell's hydration reaches the app");
});
