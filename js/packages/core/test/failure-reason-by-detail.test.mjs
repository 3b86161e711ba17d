// A query's or mutation's failure reason between retries is what its own function threw, found by
// the failure's detail (the id of the thrown value the module carries), never by its message: a
// hostile app throwing an object with the same message, from its own query or mutation, while the
// other app waits for its retry, is never that app's `failureReason` (nor what its `retry` and
// `retryDelay` functions are called with). One object per failure: every read of one failure hands
// the same object, and the last one is also the `error`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mfstate, settle, testHost } from "./helpers.mjs";

/** An object another app throws to pass for `message`'s failure. */
const forgery = (message) => Object.assign(new Error(message), { forged: true });

test("a query's failure reason between retries is its own thrown object, not another app's with the same message", async () => {
  const { host } = await testHost();
  const [mallory, profile] = ["mallory", "profile"].map((name) => host.mount(name));
  const own = [new Error("down"), new Error("down")];
  let calls = 0;
  const retriedWith = [];
  const observer = new mfstate.QueryObserver(profile.queryClient, { queryKey: ["p"], enabled: false });
  const reasons = [];
  const stop = observer.subscribe((r) => reasons.push(r.failureReason));
  const fetched = profile.queryClient
    .fetchQuery({
      queryKey: ["p"],
      retry: (count, error) => (retriedWith.push(error), count < 1),
      retryDelay: (count, error) => (retriedWith.push(error), 10),
      queryFn: () => Promise.reject(own[calls++]),
    })
    .catch((e) => e);
  await settle();
  // profile waits for its retry: mallory fails with the same message, from a query and a mutation.
  const forged = [forgery("down"), forgery("down")];
  await mallory.queryClient.fetchQuery({ queryKey: ["m"], retry: false, queryFn: () => Promise.reject(forged[0]) }).catch(() => {});
  await new mfstate.MutationObserver(mallory.queryClient, { mutationFn: () => Promise.reject(forged[1]) }).mutate().catch(() => {});
  await settle();

  const late = new mfstate.QueryObserver(profile.queryClient, { queryKey: ["p"], enabled: false });
  const stopLate = late.subscribe(() => {});
  assert.equal(profile.queryClient.getQueryState(["p"]).fetchFailureReason, own[0], "the state's failure reason");
  assert.equal(observer.getCurrentResult().failureReason, own[0], "the observer's");
  assert.equal(late.getCurrentResult().failureReason, own[0], "an observer made since");
  assert.equal(mallory.queryClient.getQueryState(["p"]).fetchFailureReason, own[0], "another app's read of it");

  host.advanceTime(10); // the retry is due
  await settle();
  assert.equal(await fetched, own[1]);
  assert.deepEqual(retriedWith, [own[0], own[0], own[1]], "retry and retryDelay get profile's own objects");
  assert.equal(profile.queryClient.getQueryState(["p"]).fetchFailureReason, own[1], "the last failure's reason is its error");
  assert.equal(late.getCurrentResult().failureReason, own[1]);
  assert.equal(late.getCurrentResult().error, own[1]);
  for (const reason of reasons) assert.ok(reason === null || own.includes(reason), "never mallory's");
  stop();
  stopLate();
  host.dispose();
});

test("a mutation's failure reason between retries is its own thrown object, not another app's with the same message", async () => {
  const { host } = await testHost();
  const [mallory, profile] = ["mallory", "profile"].map((name) => host.mount(name));
  const own = [new Error("down"), new Error("down")];
  let calls = 0;
  const retriedWith = [];
  const results = [];
  const observer = new mfstate.MutationObserver(profile.queryClient, {
    retry: (count, error) => (retriedWith.push(error), count < 1),
    retryDelay: (count, error) => (retriedWith.push(error), 10),
    mutationFn: () => Promise.reject(own[calls++]),
  });
  const stop = observer.subscribe((r) => results.push([r.failureReason, r.isPaused]));
  const mutated = observer.mutate().catch((e) => e);
  await settle();
  assert.equal(observer.getCurrentResult().failureCount, 1);
  // profile waits for its retry: mallory fails with the same message, from a mutation and a query.
  const forged = [forgery("down"), forgery("down")];
  await new mfstate.MutationObserver(mallory.queryClient, { mutationFn: () => Promise.reject(forged[0]) }).mutate().catch(() => {});
  await mallory.queryClient.fetchQuery({ queryKey: ["m"], retry: false, queryFn: () => Promise.reject(forged[1]) }).catch(() => {});
  // Offline when the retry is due: the mutation pauses, and the module tells its failure again.
  host.setOnline(false);
  host.advanceTime(10);
  await settle();
  assert.equal(observer.getCurrentResult().isPaused, true);
  assert.equal(observer.getCurrentResult().failureReason, own[0], "profile's failure reason is its own object");
  host.setOnline(true);
  await settle();
  assert.equal(await mutated, own[1]);
  assert.equal(observer.getCurrentResult().failureReason, own[1], "the last failure's reason is its error");
  assert.deepEqual(retriedWith, [own[0], own[0], own[1]], "retry and retryDelay get profile's own objects");
  for (const [reason] of results) assert.ok(reason === null || own.includes(reason), "never mallory's");
  assert.ok(results.some(([, paused]) => paused), "it was told while paused");
  stop();
  host.dispose();
});
