// experimental_streamedQuery against a hostile app and hostile streams: what one app's stream or its
// own call of a streamed query function can do to another app's query, and what a stream that
// throws, yields what cannot cross, yields after a cancel or its app's unmount, or runs for 10^5
// chunks leaves behind. The cache is shared by design (an app may write, refetch, cancel or reset
// a key under a prefix, test/isolation and docs/query.md's "Two capabilities"); what is checked here
// is that streaming gives no power beyond those, and that a failure leaves whole data.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tanstack from "@tanstack/query-core";
import { mfstate, settle, testHost, sameOnBothLibraries, feed } from "./helpers.mjs";
import { heapUsed, liveTwins } from "../lib/wasm.js";

const streamedQuery = mfstate.experimental_streamedQuery;
const streamedQueryOf = (side) => (side.name === "mfstate" ? mfstate.experimental_streamedQuery : tanstack.experimental_streamedQuery);

const state = (client, key) => {
  const s = client.getQueryState(key);
  return s && { data: s.data, status: s.status, fetchStatus: s.fetchStatus, error: s.error?.message };
};

test("a stream or reducer that throws midway: the query fails with that error and keeps the last whole data (as query-core)", async () => {
  const cases = {
    "streamFn throws at once": { streamFn: () => { throw new Error("no stream"); } },
    "the stream throws after two chunks": {
      streamFn: async function* () {
        yield 1;
        yield 2;
        throw new Error("cut");
      },
    },
    "the reducer throws on the second chunk": {
      streamFn: async function* () {
        yield 1;
        yield 2;
        yield 3;
      },
      reducer: (acc, n) => {
        if (n === 2) throw new Error("reducer");
        return { sum: acc.sum + n, count: acc.count + 1 };
      },
      initialValue: { sum: 0, count: 0 },
    },
    "streamFn gives no AsyncIterable": { streamFn: () => 42 },
  };
  for (const [label, params] of Object.entries(cases)) {
    await sameOnBothLibraries(async (side, record) => {
      const key = ["broken", label];
      const error = await side.client.fetchQuery({ queryKey: key, retry: false, queryFn: streamedQueryOf(side)(params) }).catch((e) => e);
      record(label, { rejected: error instanceof Error, state: { ...state(side.client, key), error: undefined } });
    });
  }
});

test("a chunk that cannot cross (not JSON, a throwing getter, a Proxy calling mfstate) fails the query with a clear error; the data before it stays whole", async () => {
  const { host } = await testHost();
  const profile = host.mount("profile");
  const q = profile.queryClient;
  const chunks = {
    "a Date": [new Date(0), /JSON data: got a Date at \/1/],
    "a getter that throws": [{ get x() { throw new Error("getter ran"); } }, /getter ran/],
    "a Proxy calling mfstate from its trap": [
      new Proxy({}, { ownKeys() { q.setQueryData(["hijack"], 1); return []; } }),
      /cannot be called from there/,
    ],
  };
  for (const [label, [bad, message]] of Object.entries(chunks)) {
    const key = ["chunk", label];
    const error = await q
      .fetchQuery({
        queryKey: key,
        retry: false,
        queryFn: streamedQuery({
          streamFn: async function* () {
            yield "whole";
            yield bad;
            yield "never";
          },
        }),
      })
      .catch((e) => e);
    assert.match(error.message, message, label);
    assert.deepEqual(state(q, key), { data: ["whole"], status: "error", fetchStatus: "idle", error: error.message }, label);
  }
  assert.equal(q.getQueryData(["hijack"]), undefined, "nothing the Proxy's trap asked for was done");
  host.dispose();
});

test("an app calling a streamed query function with a context of its own cannot put another app's query back to pending with no fetch", async () => {
  const { host } = await testHost();
  const [mallory, profile] = ["mallory", "profile"].map((name) => host.mount(name));
  profile.queryClient.setQueryData(["me"], ["profile's data"]);
  const observer = new mfstate.QueryObserver(profile.queryClient, { queryKey: ["me"], queryFn: () => ["fresh"], staleTime: Infinity });
  const stop = observer.subscribe(() => {});
  await settle();

  // Its own context, or one made from a real fetch's (the signal getter found on its prototype).
  const feeds = [];
  const forged = streamedQuery({ streamFn: () => feeds[feeds.push(feed()) - 1].stream() });
  const own = forged({ client: mallory.queryClient, queryKey: ["me"], meta: undefined, signal: new AbortController().signal });
  await settle();
  const fromReal = mallory.queryClient.fetchQuery({
    queryKey: ["mallory", "own"],
    queryFn: (ctx) => forged(Object.assign(Object.create(ctx), { queryKey: ["me"] })),
  });
  await settle();
  assert.deepEqual(state(profile.queryClient, ["me"]), { data: ["profile's data"], status: "success", fetchStatus: "idle", error: undefined });
  assert.equal(observer.getCurrentResult().status, "success");

  // What it streams is a write to the shared key, as setQueryData (a power every app has).
  for (const f of feeds) {
    f.push("mallory's");
    f.end();
  }
  await own;
  await fromReal;
  assert.deepEqual(profile.queryClient.getQueryData(["me"]).slice(0, 2), ["profile's data", "mallory's"]);
  stop();
  host.dispose();
});

test("another app's cancel, refetch or reset of a streamed query: the stream it replaced writes nothing more", async () => {
  const { host } = await testHost();
  const [mallory, profile] = ["mallory", "profile"].map((name) => host.mount(name));
  const feeds = [];
  const observer = new mfstate.QueryObserver(profile.queryClient, {
    queryKey: ["chat"],
    queryFn: streamedQuery({ streamFn: () => feeds[feeds.push(feed()) - 1].stream(), refetchMode: "append" }),
  });
  const stop = observer.subscribe(() => {});
  await settle();
  feeds[0].push("a");
  await settle();
  await mallory.queryClient.cancelQueries({ queryKey: ["chat"] });
  feeds[0].push("after cancel");
  await settle();
  assert.deepEqual(profile.queryClient.getQueryData(["chat"]), ["a"]);

  void mallory.queryClient.refetchQueries({ queryKey: ["chat"] });
  await settle();
  feeds[1].push("b");
  await settle();
  void mallory.queryClient.resetQueries({ queryKey: ["chat"] });
  await settle();
  feeds[1].push("after reset");
  feeds[2].push("c");
  await settle();
  assert.deepEqual(profile.queryClient.getQueryData(["chat"]), ["c"], "reset: the new stream's chunks only");
  assert.equal(feeds.length, 3);
  stop();
  host.dispose();
});

test("a stream that yields after its app unmounted, or after the host was disposed, writes nothing and breaks nothing", async () => {
  const { host } = await testHost();
  const [reader, profile] = ["reader", "profile"].map((name) => host.mount(name));
  const f = feed();
  const observer = new mfstate.QueryObserver(profile.queryClient, { queryKey: ["live"], queryFn: streamedQuery({ streamFn: () => f.stream() }) });
  observer.subscribe(() => {});
  f.push(1);
  await settle();
  profile.unmount();
  f.push(2);
  await settle(20);
  const after = reader.queryClient.getQueryState(["live"]);
  assert.deepEqual(after.data, [1], "the chunk yielded after the unmount is not written");
  assert.equal(after.fetchStatus, "idle", "the fetch ended");

  const g = feed();
  const other = host.mount("other");
  void other.queryClient.fetchQuery({ queryKey: ["late"], queryFn: streamedQuery({ streamFn: () => g.stream() }) }).catch(() => {});
  g.push(1);
  await settle();
  host.dispose();
  g.push(2);
  g.end();
  await settle(20); // an unhandled rejection or uncaught error here fails the test
});

test("10^5 chunks, and a query reset 10^5 times by refetches, keep the module's memory bounded", async () => {
  const { host } = await testHost();
  const profile = host.mount("profile");
  const N = 100_000;
  const marks = [];
  const mark = () => marks.push({ heap: heapUsed(), twins: liveTwins() });
  async function* chunks() {
    for (let i = 0; i < N; i++) {
      yield { i, text: `chunk ${i}` };
      if (i % 10_000 === 0) mark();
    }
  }
  const total = await profile.queryClient.fetchQuery({
    queryKey: ["long"],
    queryFn: streamedQuery({ streamFn: chunks, reducer: (acc, c) => ({ count: acc.count + 1, last: c }), initialValue: { count: 0, last: null } }),
  });
  assert.equal(total.count, N);

  let n = 0;
  const observer = new mfstate.QueryObserver(profile.queryClient, {
    queryKey: ["reset"],
    queryFn: streamedQuery({
      streamFn: async function* () {
        yield n++;
      },
    }),
  });
  const stop = observer.subscribe(() => {});
  await settle();
  for (let i = 0; i < N; i++) {
    await observer.refetch();
    if (i % 10_000 === 0) mark();
  }
  assert.deepEqual(observer.getCurrentResult().data, [N]);
  // Twins are released in sweeps, so the heap saws; what grew with history would climb past it.
  const early = Math.max(...marks.slice(1, 5).map((m) => m.heap));
  const late = Math.max(...marks.slice(-5).map((m) => m.heap));
  assert.ok(late <= early + 256 * 1024, `module heap ${late} B late, ${early} B early: ${JSON.stringify(marks)}`);
  assert.ok(Math.max(...marks.map((m) => m.twins)) <= 8192, `live twins ${JSON.stringify(marks.map((m) => m.twins))}`);
  const stats = host.queryClient.stats();
  assert.equal(stats.entries, 2);
  assert.equal(stats.fetching, 0);
  stop();
  host.dispose();
});
