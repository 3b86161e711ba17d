// An app that unmounted runs no more code through the mutation cache: its pending mutation is not
// retried (an attempt the module had already scheduled fails with app_unmounted, its function not
// called), and neither its functions (mutationFn, retry, retryDelay) nor its callbacks (onMutate,
// onError, onSettled) are called again; the shell still hears of the mutation's end through the
// cache. An answer to an attempt under way still settles it (test/mutation-late-answer). Another
// app's mutation goes on. (Its queries: test/attack-retry-options.)
import { test } from "node:test";
import assert from "node:assert/strict";
import * as mfstate from "../lib/index.js";
import { testHost } from "./helpers.mjs";

/** Lets the host's manual clock run `steps` times `ms`, the page's tasks between. */
async function advance(host, ms, steps = 1) {
  for (let i = 0; i < steps; i++) {
    host.advanceTime(ms);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** An observed mutation of `client` failing each attempt and retried for ever every 10 ms; `calls` counts what ran. */
function retryingForEver(client, succeedAt = Infinity) {
  const calls = { fn: 0, retry: 0, retryDelay: 0, onError: 0, onSettled: 0 };
  const observer = new mfstate.MutationObserver(client, {
    mutationFn: () => (++calls.fn >= succeedAt ? Promise.resolve("done") : Promise.reject(new Error(`attempt ${calls.fn}`))),
    retry: () => (calls.retry++, true),
    retryDelay: () => (calls.retryDelay++, 10),
    onError: () => void calls.onError++,
    onSettled: () => void calls.onSettled++,
  });
  observer.subscribe(() => {});
  const settled = observer.mutate(1).then(
    (data) => ({ data }),
    (error) => ({ error }),
  );
  return { calls, observer, settled };
}

test("an unmounted app's pending mutation is not retried and none of its functions or callbacks runs again", async () => {
  const { host } = await testHost();
  const heard = [];
  host.queryClient.getMutationCache().subscribe((e) => {
    if (e.type === "updated" && e.action.type === "error") heard.push(e.mutation.state.status);
  });
  const profile = host.mount("profile");
  const { calls, settled } = retryingForEver(profile.queryClient);
  await advance(host, 10, 3);
  assert.ok(calls.fn >= 2, `retried while mounted (${calls.fn} attempts)`);
  const before = { ...calls };
  profile.unmount();
  await advance(host, 10, 5);
  assert.deepEqual(calls, before, "nothing of profile's ran after its unmount");
  const { error } = await settled;
  assert.equal(error?.code, "app_unmounted");
  assert.deepEqual(heard, ["error"], "the shell's cache heard the mutation end");
  assert.equal(host.queryClient.isMutating(), 0);
  host.dispose();
});

test("another app's mutation goes on when an app unmounts", async () => {
  const { host } = await testHost();
  const [home, profile] = ["home", "profile"].map((name) => host.mount(name));
  const gone = retryingForEver(profile.queryClient);
  const staying = retryingForEver(home.queryClient, 4);
  await advance(host, 10, 1);
  profile.unmount();
  await advance(host, 10, 5);
  assert.deepEqual(await staying.settled, { data: "done" });
  assert.equal(staying.calls.fn, 4);
  assert.equal(staying.calls.onSettled, 1);
  assert.equal((await gone.settled).error?.code, "app_unmounted");
  host.dispose();
});

test("a retry number of an unmounted app's mutation starts no attempt of its function", async () => {
  const { host } = await testHost();
  const profile = host.mount("profile");
  let attempts = 0;
  const observer = new mfstate.MutationObserver(profile.queryClient, {
    mutationFn: () => Promise.reject(new Error(`attempt ${++attempts}`)),
    retry: 5,
    retryDelay: 10,
  });
  const settled = observer.mutate(1).catch((e) => e);
  await advance(host, 10, 2);
  const before = attempts;
  assert.ok(before >= 2 && before < 6, `retried while mounted (${before} attempts)`);
  profile.unmount();
  await advance(host, 10, 6);
  assert.equal(attempts, before, "no attempt after the unmount");
  assert.equal((await settled).code, "app_unmounted");
  host.dispose();
});
