// A query or mutation function may throw anything: a revoked Proxy, an object whose `message`
// getter or `toString` throws, or one whose getter answers differently at each read. The package
// reads a thrown value's message once, when it is thrown (to carry it through the module and to
// find the value again by it): such a value still settles its fetch, with that very value, and
// the package never runs the thrower's code again while serving another app's call.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mfstate, settle, testHost } from "./helpers.mjs";

function revokedProxy() {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

const hostile = {
  "a revoked Proxy": revokedProxy,
  "a throwing message getter": () =>
    Object.create(Error.prototype, {
      message: {
        get() {
          throw new Error("no message for you");
        },
      },
    }),
  "a throwing toString": () => ({
    toString() {
      throw new Error("no string for you");
    },
  }),
};

for (const [label, make] of Object.entries(hostile)) {
  test(`a query function throwing ${label} fails its fetch with that value, and the query is in error`, async () => {
    const { host } = await testHost();
    const app = host.mount("app");
    const thrown = make();
    const failed = await Promise.race([
      app.queryClient.fetchQuery({ queryKey: ["q"], retry: false, queryFn: () => Promise.reject(thrown) }).then(
        () => "resolved",
        (e) => ({ rejectedWith: e }), // wrapped: resolving with a revoked Proxy would look up its `then`
      ),
      settle(20).then(() => "never settled"),
    ]);
    assert.equal(failed.rejectedWith, thrown);
    const state = app.queryClient.getQueryState(["q"]);
    assert.equal(state.status, "error");
    assert.equal(state.fetchStatus, "idle");
    assert.equal(state.error, thrown);
    host.dispose();
  });

  test(`a mutation function throwing ${label} fails the mutation with that value`, async () => {
    const { host } = await testHost();
    const app = host.mount("app");
    const thrown = make();
    const failed = await Promise.race([
      new mfstate.MutationObserver(app.queryClient, { mutationFn: () => Promise.reject(thrown), retry: false }).mutate(1).then(
        () => "resolved",
        (e) => ({ rejectedWith: e }), // wrapped: resolving with a revoked Proxy would look up its `then`
      ),
      settle(20).then(() => "never settled"),
    ]);
    assert.equal(failed.rejectedWith, thrown);
    host.dispose();
  });
}

test("a getter of a thrown value is read once, when thrown: another app's failure is not matched against it", async () => {
  const { host } = await testHost();
  const [mallory, profile] = ["mallory", "profile"].map((name) => host.mount(name));
  let reads = 0;
  const shifty = Object.create(Error.prototype, {
    message: {
      get() {
        reads += 1;
        return reads === 1 ? "mallory's failure" : "down";
      },
    },
  });
  await mallory.queryClient.fetchQuery({ queryKey: ["m"], retry: false, queryFn: () => Promise.reject(shifty) }).catch(() => {});
  const readsWhenThrown = reads;
  const own = new Error("down");
  const observer = new mfstate.QueryObserver(profile.queryClient, { queryKey: ["p"], enabled: false });
  const reasons = [];
  const stop = observer.subscribe((r) => reasons.push(r.failureReason));
  const fetched = profile.queryClient
    .fetchQuery({ queryKey: ["p"], retry: 1, retryDelay: 10, queryFn: () => Promise.reject(own) })
    .catch((e) => e);
  await settle();
  host.advanceTime(10); // the manual clock: the retry is due
  await settle();
  const failed = await fetched;
  assert.equal(failed, own);
  assert.ok(reasons.length > 0);
  for (const reason of reasons) assert.ok(reason === null || reason === own, "profile's failure reason is its own error");
  assert.equal(observer.getCurrentResult().error, own);
  assert.equal(reads, readsWhenThrown);
  stop();
  host.dispose();
});
