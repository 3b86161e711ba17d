// A query's error is one object per failure, as query-core's `state.error`: the fetch rejects with
// it, getQueryState, every observer's result and the cache's events hand that very object (React
// code compares it; an error boundary rethrows it), and a new failure gives a new one. For what
// the query function threw, for a cancellation that is kept (`revert: false`), and for the
// missing-queryFn error. Each sequence runs on both libraries.
import { test } from "node:test";
import assert from "node:assert/strict";
import { settle, sameOnBothLibraries } from "./helpers.mjs";

/** Fails the query of `key` once by `fail(client, key)`; records which reads are the rejection's object. */
async function oneFailure({ client, QueryObserver }, record, label, key, options, fail) {
  const events = [];
  const stopEvents = client.getQueryCache().subscribe((e) => {
    if (e.type === "updated" && e.action.type === "error") events.push(e.query.state.error);
  });
  const observers = [0, 1].map(() => new QueryObserver(client, { queryKey: key, enabled: false, retry: false }));
  const stops = observers.map((o) => o.subscribe(() => {}));
  const rejected = await fail(client, key, options).then(
    () => "resolved",
    (e) => e,
  );
  await settle();
  const reads = {
    state: client.getQueryState(key).error,
    "state again": client.getQueryState(key).error,
    "observer 1": observers[0].getCurrentResult().error,
    "observer 2": observers[1].getCurrentResult().error,
    "cache event": events.at(-1),
  };
  record(label, [rejected?.constructor?.name, Object.entries(reads).map(([read, e]) => [read, e === rejected])]);
  for (const stop of [...stops, stopEvents]) stop();
  return rejected;
}

const sequences = {
  thrown: (client, key) => client.fetchQuery({ queryKey: key, retry: false, queryFn: () => Promise.reject(new TypeError("down")) }),
  cancelled: async (client, key) => {
    const fetched = client.fetchQuery({ queryKey: key, queryFn: () => new Promise(() => {}) });
    await settle();
    await client.cancelQueries({ queryKey: key }, { revert: false });
    return fetched;
  },
  "missing queryFn": (client, key) => client.fetchQuery({ queryKey: key, retry: false }),
};

for (const [label, fail] of Object.entries(sequences)) {
  test(`${label}: one failure is one object, for the rejection, the state, every observer and the cache's event; a new failure a new one`, async () => {
    const steps = await sameOnBothLibraries(async (side, record) => {
      const first = await oneFailure(side, record, "first", [label], {}, fail);
      const second = await oneFailure(side, record, "second", [label], {}, fail);
      record("a new failure, a new object", first !== second);
      record("the first is not handed out again", side.client.getQueryState([label]).error !== first);
    });
    assert.ok(steps[0][1][1].every(([, same]) => same));
  });
}
