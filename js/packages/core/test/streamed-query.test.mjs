// experimental_streamedQuery: a query function writing each chunk of an AsyncIterable into the cache
// as it arrives. Each test runs one sequence against @mfstate/core and @tanstack/query-core (the
// stream fed by hand, step by step) and asserts the same states at every step.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tanstack from "@tanstack/query-core";
import { mfstate, settle, sameOnBothLibraries, feed } from "./helpers.mjs";

const streamedQueryOf = (side) => (side.name === "mfstate" ? mfstate.experimental_streamedQuery : tanstack.experimental_streamedQuery);

const state = (client, key) => {
  const s = client.getQueryState(key);
  return { data: s?.data, status: s?.status, fetchStatus: s?.fetchStatus, dataUpdateCount: s?.dataUpdateCount };
};

test("a first fetch: pending until the first chunk, then the chunks so far, fetching until the stream ends", async () => {
  const steps = await sameOnBothLibraries(async (side, record) => {
    const { client, QueryObserver } = side;
    const f = feed();
    const observer = new QueryObserver(client, { queryKey: ["chat"], queryFn: streamedQueryOf(side)({ streamFn: () => f.stream() }) });
    const stop = observer.subscribe(() => {});
    await settle(10);
    record("started", state(client, ["chat"]));
    for (const chunk of ["a", "b"]) {
      f.push(chunk);
      await settle(10);
      record(`after ${chunk}`, state(client, ["chat"]));
    }
    f.end();
    await settle(10);
    record("ended", state(client, ["chat"]));
    const r = observer.getCurrentResult();
    record("observer", { data: r.data, status: r.status, isFetching: r.isFetching });
    stop();
  });
  assert.deepEqual(steps[0][1], { data: undefined, status: "pending", fetchStatus: "fetching", dataUpdateCount: 0 });
  assert.deepEqual(steps.at(-2)[1].data, ["a", "b"]);
  assert.equal(steps.at(-2)[1].fetchStatus, "idle");
});

for (const refetchMode of ["reset", "append", "replace"]) {
  test(`a refetch in "${refetchMode}" mode`, async () => {
    const steps = await sameOnBothLibraries(async (side, record) => {
      const { client, QueryObserver } = side;
      let f = feed();
      const observer = new QueryObserver(client, {
        queryKey: ["chat", refetchMode],
        queryFn: streamedQueryOf(side)({ streamFn: () => f.stream(), refetchMode }),
      });
      const stop = observer.subscribe(() => {});
      f.push(1);
      f.push(2);
      f.end();
      await settle(20);
      record("first stream", state(client, ["chat", refetchMode]));
      f = feed();
      const done = observer.refetch();
      await settle(10);
      record("refetch started", state(client, ["chat", refetchMode]));
      f.push(3);
      await settle(10);
      record("after 3", state(client, ["chat", refetchMode]));
      f.end();
      await done;
      await settle(10);
      record("ended", state(client, ["chat", refetchMode]));
      stop();
    });
    const expected = { reset: [undefined, [3], [3]], append: [[1, 2], [1, 2, 3], [1, 2, 3]], replace: [[1, 2], [1, 2], [3]] }[refetchMode];
    assert.deepEqual(steps.slice(1).map(([, s]) => s.data), expected);
  });
}

test("a reducer and its initial value make the data from the chunks", async () => {
  await sameOnBothLibraries(async (side, record) => {
    const { client } = side;
    const f = feed();
    const fetched = client.fetchQuery({
      queryKey: ["sum"],
      queryFn: streamedQueryOf(side)({ streamFn: () => f.stream(), reducer: (sum, n) => sum + n, initialValue: 0 }),
    });
    for (const n of [1, 2, 3]) {
      f.push(n);
      await settle(10);
      record(`after ${n}`, state(client, ["sum"]));
    }
    f.end();
    record("fetchQuery", await fetched);
    record("ended", state(client, ["sum"]));
  });
});

test("a stream that yields nothing: its initial value, cached", async () => {
  await sameOnBothLibraries(async (side, record) => {
    const { client } = side;
    const f = feed();
    f.end();
    record("array", await client.fetchQuery({ queryKey: ["empty"], queryFn: streamedQueryOf(side)({ streamFn: () => f.stream() }) }));
    record("state", state(client, ["empty"]));
  });
});

test("a cancel stops the writing even when the stream never read its signal", async () => {
  const steps = await sameOnBothLibraries(async (side, record) => {
    const { client, QueryObserver } = side;
    client.setQueryData(["feed"], ["old"]);
    const f = feed();
    const observer = new QueryObserver(client, { queryKey: ["feed"], queryFn: streamedQueryOf(side)({ streamFn: () => f.stream(), refetchMode: "append" }) });
    const stop = observer.subscribe(() => {});
    await settle(10);
    f.push("new");
    await settle(10);
    record("streaming", state(client, ["feed"]));
    await client.cancelQueries({ queryKey: ["feed"] });
    await settle(10);
    record("cancelled", state(client, ["feed"]));
    f.push("late");
    f.end();
    await settle(20);
    record("after a late chunk", state(client, ["feed"]));
    stop();
  });
  // What the stream wrote before the cancel stays (query-core reverts to data set during a fetch);
  // the late chunk is not written.
  assert.deepEqual(steps.at(-1)[1].data, ["old", "new"]);
});

test("the last observer leaving: a stream that never read its signal goes on and is cached", async () => {
  const steps = await sameOnBothLibraries(async (side, record) => {
    const { client, QueryObserver } = side;
    const f = feed();
    const observer = new QueryObserver(client, { queryKey: ["bg"], queryFn: streamedQueryOf(side)({ streamFn: () => f.stream() }) });
    const stop = observer.subscribe(() => {});
    f.push(1);
    await settle(10);
    stop();
    await settle(10);
    record("no observer", state(client, ["bg"]));
    f.push(2);
    f.end();
    await settle(20);
    record("ended", state(client, ["bg"]));
  });
  assert.deepEqual(steps.at(-1)[1].data, [1, 2]);
});

test("the last observer leaving: a stream that read its signal is aborted and writes no more", async () => {
  const steps = await sameOnBothLibraries(async (side, record) => {
    const { client, QueryObserver } = side;
    const f = feed();
    let signal;
    const observer = new QueryObserver(client, {
      queryKey: ["fg"],
      queryFn: streamedQueryOf(side)({
        streamFn: (ctx) => {
          signal = ctx.signal;
          return f.stream();
        },
      }),
    });
    const stop = observer.subscribe(() => {});
    f.push(1);
    await settle(10);
    record("streaming", state(client, ["fg"]));
    stop();
    await settle(10);
    record("aborted", signal.aborted);
    record("no observer", state(client, ["fg"]));
    f.push(2);
    f.end();
    await settle(20);
    record("after a late chunk", state(client, ["fg"]));
  });
  assert.equal(steps.find(([label]) => label === "aborted")[1], true);
});

test("called with a caller's own context: its signal is passed on, and its abort stops the writing", async () => {
  const steps = await sameOnBothLibraries(async (side, record) => {
    const { client } = side;
    const f = feed();
    const controller = new AbortController();
    const queryFn = streamedQueryOf(side)({
      streamFn: (ctx) => {
        record("the caller's signal", ctx.signal === controller.signal);
        return f.stream();
      },
    });
    const done = queryFn({ client, queryKey: ["own"], signal: controller.signal, meta: undefined });
    f.push(1);
    await settle(10);
    record("one chunk", client.getQueryData(["own"]));
    controller.abort();
    f.push(2);
    f.end();
    record("returned", await done);
    record("after the abort", client.getQueryData(["own"]));
  });
  assert.deepEqual(steps.at(-1)[1], [1]);
});
