// An observer's initialData before the cache holds its query, as query-core's QueryObserver shows
// it (query-core builds the query, with its initial data, when the observer is made): the result
// before subscribing, its staleness by initialDataUpdatedAt on the client's clock, no notification
// when subscribing changes nothing, the function called once. Each sequence runs on both libraries.
import { test } from "node:test";
import assert from "node:assert/strict";
import { settle, sameOnBothLibraries } from "./helpers.mjs";

const shown = (r) => ({ status: r.status, fetchStatus: r.fetchStatus, data: r.data, isStale: r.isStale, isFetched: r.isFetched });

test("initialData is the result before subscribing; subscribing to it fresh notifies nobody and calls it once", async () => {
  const steps = await sameOnBothLibraries(async ({ client, QueryObserver }, record) => {
    let calls = 0;
    const observer = new QueryObserver(client, {
      queryKey: ["settings"],
      queryFn: async () => ({ theme: "light" }),
      staleTime: Infinity,
      initialData: () => {
        calls++;
        return { theme: "dark", tabs: [1, 2] };
      },
    });
    const before = observer.getCurrentResult();
    record("before subscribing", shown(before));
    const heard = [];
    const un = observer.subscribe((r) => heard.push(shown(r)));
    await settle();
    record("heard", heard);
    record("the same result object", observer.getCurrentResult() === before);
    record("the cache's data", client.getQueryData(["settings"]));
    record("initialData calls", calls);
    un();
  });
  assert.deepEqual(steps[0][1], { status: "success", fetchStatus: "idle", data: { theme: "dark", tabs: [1, 2] }, isStale: false, isFetched: false });
});

test("initialDataUpdatedAt decides the staleness shown before the entry exists", async () => {
  await sameOnBothLibraries(async ({ name, client, QueryObserver }, record) => {
    const now = name === "mfstate" ? 1_000_000 : Date.now();
    for (const [label, at] of [["old", now - 5000], ["recent (a function)", () => now - 500]]) {
      const observer = new QueryObserver(client, { queryKey: ["rates", label], queryFn: async () => 2, initialData: 1, initialDataUpdatedAt: at, staleTime: 1000 });
      const r = observer.getCurrentResult();
      record(label, { ...shown(r), age: now - r.dataUpdatedAt });
    }
  });
});

test("an unsubscribed observer judges fresh data on the client's clock (a manual one too): subscribing notifies nobody", async () => {
  await sameOnBothLibraries(async ({ client, QueryObserver }, record) => {
    client.setQueryData(["profile"], { name: "Ada" });
    const observer = new QueryObserver(client, { queryKey: ["profile"], queryFn: async () => ({ name: "Bob" }), staleTime: 60_000 });
    record("before subscribing", shown(observer.getCurrentResult()));
    const heard = [];
    const un = observer.subscribe((r) => heard.push(shown(r)));
    await settle();
    record("heard", heard);
    un();
  });
});

test("resetQueries restores the initial data the observer's query was made with (the function is not called again)", async () => {
  await sameOnBothLibraries(async ({ client, QueryObserver }, record) => {
    let calls = 0;
    const observer = new QueryObserver(client, { queryKey: ["draft"], staleTime: Infinity, queryFn: async () => "fetched", initialData: () => `initial ${++calls}` });
    const un = observer.subscribe(() => {});
    await settle();
    client.setQueryData(["draft"], "edited");
    await client.resetQueries({ queryKey: ["draft"] });
    record("after reset", client.getQueryData(["draft"]));
    record("initialData calls", calls);
    un();
  });
});

test("resetQueries restores the initial data the query was built with, not what later options give", async () => {
  const steps = await sameOnBothLibraries(async ({ client }, record) => {
    const queryFn = async () => "fetched";
    const state = (key) => {
      const s = client.getQueryState(key);
      return { status: s.status, data: s.data, dataUpdatedAt: s.data === undefined ? undefined : s.dataUpdatedAt };
    };
    await client.prefetchQuery({ queryKey: ["doc"], queryFn, staleTime: Infinity, initialData: "first", initialDataUpdatedAt: 1234 });
    await client.fetchQuery({ queryKey: ["doc"], queryFn, staleTime: 0, initialData: "second", initialDataUpdatedAt: 5678 });
    record("fetched", client.getQueryData(["doc"]));
    // Built by setQueryData, without initial data: later options' initial data is not its own.
    client.setQueryData(["plain"], "set");
    await client.fetchQuery({ queryKey: ["plain"], queryFn, staleTime: 0, initialData: "ignored" });
    void client.resetQueries({ queryKey: ["doc"] });
    void client.resetQueries({ queryKey: ["plain"] });
    record("after reset", [state(["doc"]), state(["plain"])]);
  });
  assert.deepEqual(steps.at(-1)[1], [{ status: "success", data: "first", dataUpdatedAt: 1234 }, { status: "pending", data: undefined, dataUpdatedAt: undefined }]);
});
