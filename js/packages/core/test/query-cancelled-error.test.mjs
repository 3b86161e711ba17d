// The error a cancelled fetch rejects with, as query-core's: a CancelledError whose `revert` and
// `silent` are the options the cancellation was asked with (cancelQueries defaults revert to
// true), with query-core's message; kept as the query's error when it was not reverted. Each
// sequence runs on both libraries.
import { test } from "node:test";
import assert from "node:assert/strict";
import { settle, sameOnBothLibraries } from "./helpers.mjs";

const shape = (e) => [e.constructor.name, e.message, e.revert, e.silent];

/** Starts a fetch that never answers, cancels it with `options`, and records what it rejected with. */
async function cancelled(client, record, label, options, setUp = () => {}) {
  const key = [label];
  setUp(key);
  const fetched = client.fetchQuery({ queryKey: key, queryFn: () => new Promise(() => {}) }).then((data) => ({ data }), (e) => e);
  await settle();
  await client.cancelQueries({ queryKey: key }, options);
  const outcome = await fetched;
  const s = client.getQueryState(key);
  record(label, { outcome: "data" in outcome ? outcome : shape(outcome), status: s.status, fetchStatus: s.fetchStatus, error: s.error && shape(s.error) });
}

test("cancelQueries: the CancelledError carries revert and silent as asked", async () => {
  const steps = await sameOnBothLibraries(async ({ client }, record) => {
    await cancelled(client, record, "default", undefined);
    await cancelled(client, record, "silent", { silent: true });
    await cancelled(client, record, "not reverted", { revert: false });
    await cancelled(client, record, "reverted to data", {}, (key) => client.setQueryData(key, "kept"));
  });
  assert.deepEqual(steps[0][1].outcome, ["CancelledError", "CancelledError", true, undefined]);
  assert.deepEqual(steps[2][1].error, ["CancelledError", "CancelledError", false, undefined]);
  assert.deepEqual(steps[3][1].outcome, { data: "kept" });
});

test("a fetch cancelled by removeQueries rejects with a silent CancelledError", async () => {
  await sameOnBothLibraries(async ({ client }, record) => {
    const fetched = client.fetchQuery({ queryKey: ["gone"], queryFn: () => new Promise(() => {}) }).catch((e) => e);
    await settle();
    client.removeQueries({ queryKey: ["gone"] });
    const e = await fetched;
    record("rejected with", [e.constructor.name, e.message, e.silent]);
  });
});

test("the cache's own cancels carry what query-core's pass: removal and reset {silent: true} (revert undefined), a last observer leaving {revert: true}", async () => {
  await sameOnBothLibraries(async ({ client, QueryObserver }, record) => {
    const options = (e) => [e.constructor.name, "revert" in e, e.revert, e.silent];
    const hanging = () => new Promise(() => {});
    const removed = client.fetchQuery({ queryKey: ["removed"], queryFn: hanging }).catch((e) => e);
    const reset = client.fetchQuery({ queryKey: ["reset"], queryFn: hanging }).catch((e) => e);
    await settle();
    client.removeQueries({ queryKey: ["removed"] });
    void client.resetQueries({ queryKey: ["reset"] });
    record("removeQueries", options(await removed));
    record("resetQueries", options(await reset));

    // The fetch's function read its signal: the last observer leaving cancels it.
    const observer = new QueryObserver(client, { queryKey: ["left"], queryFn: ({ signal }) => (signal, hanging()) });
    const stop = observer.subscribe(() => {});
    await settle();
    const shared = client.fetchQuery({ queryKey: ["left"], queryFn: hanging }).catch((e) => e);
    stop();
    record("last observer left", options(await shared));
  });
});

test("the aborted signal's reason is the platform's AbortError, as query-core's (a fetch given the signal rejects with it)", async () => {
  await sameOnBothLibraries(async ({ client }, record) => {
    let signal;
    const fetched = client
      .fetchQuery({
        queryKey: ["aborted"],
        queryFn: ({ signal: s }) => {
          signal = s;
          // What fetch(url, { signal }) does: reject with the signal's reason when it aborts.
          return new Promise((_, reject) => s.addEventListener("abort", () => reject(s.reason)));
        },
      })
      .catch((e) => e);
    await settle();
    await client.cancelQueries({ queryKey: ["aborted"] });
    const e = await fetched;
    record("the fetch rejects with", [e.constructor.name, e.revert]);
    record("the reason", [signal.aborted, signal.reason?.name, signal.reason instanceof DOMException, signal.reason?.constructor?.name]);
  });
});
