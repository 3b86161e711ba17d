// A query's error is one object per failure, as query-core's `state.error`: the fetch rejects with
// it, getQueryState, every observer's result and the cache's events hand that very object (React
// code compares it; an error boundary rethrows it), and a new failure gives a new one. For what
// the query function threw, for a cancellation that is kept (`revert: false`), and for the
// missing-queryFn error. Each sequence runs on both libraries; then, this package's alone: the
// error is frozen, so no app can change what another sees.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mfstate, settle, sameOnBothLibraries, testHost } from "./helpers.mjs";

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

test("a cached error is frozen: one app cannot change what another app sees of it", async () => {
  const { host } = await testHost();
  const [mallory, profile] = ["mallory", "profile"].map((name) => host.mount(name));
  const key = ["shared"];
  const failures = [
    () => profile.queryClient.fetchQuery({ queryKey: key, retry: false, queryFn: () => Promise.reject(new Error("down")) }),
    async () => {
      const fetched = profile.queryClient.fetchQuery({ queryKey: key, queryFn: () => new Promise(() => {}) });
      await settle();
      await profile.queryClient.cancelQueries({ queryKey: key }, { revert: false });
      return fetched;
    },
    () => profile.queryClient.fetchQuery({ queryKey: ["missing"], retry: false }),
  ];
  for (const fail of failures) {
    const seen = await fail().catch((e) => e);
    const k = seen.message.startsWith("Missing") ? ["missing"] : key;
    const e = mallory.queryClient.getQueryState(k).error;
    assert.equal(e, seen);
    assert.ok(Object.isFrozen(e));
    assert.throws(() => {
      "use strict";
      e.message = "all is well";
    }, TypeError);
    assert.throws(() => Object.defineProperty(e, "retry", { value: true }), TypeError);
    assert.equal(profile.queryClient.getQueryState(k).error.message, seen.message);
    assert.equal(profile.queryClient.getQueryState(k).error.retry, undefined);
  }
  // A mutation's error too: the shell's MutationCache is handed the app's.
  const mutation = new mfstate.MutationObserver(profile.queryClient, { mutationFn: () => Promise.reject(new Error("refused")), retry: false });
  const seen = await mutation.mutate(1).catch((e) => e);
  assert.equal(host.queryClient.getMutationCache().getAll()[0].state.error, seen);
  assert.ok(Object.isFrozen(seen));
  host.dispose();
});
