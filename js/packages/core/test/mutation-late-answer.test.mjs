// A mutation function's answer that comes late (after its app unmounted, after the host was
// disposed) or that cannot cross (not JSON) settles the mutation; none of them is an unhandled
// rejection (node ends the process on one; a page logs it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mfstate, settle } from "./helpers.mjs";

/** Runs `body`, then lets promises and timers run, and returns the unhandled rejections seen. */
async function unhandledDuring(body) {
  const seen = [];
  const onUnhandled = (e) => seen.push(e);
  process.on("unhandledRejection", onUnhandled);
  try {
    await body();
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
  return seen;
}

/**
 * Starts a mutation of app "home" whose function answers only when told, runs `between(host, app)`
 * while it is pending, then answers it; returns the unhandled rejections seen and the outcome.
 */
async function answerLate(between) {
  const host = await mfstate.createHost({ clock: "manual" });
  const app = host.mount("home");
  let open;
  const answer = new Promise((resolve) => (open = resolve));
  let outcome;
  const seen = await unhandledDuring(async () => {
    const observer = new mfstate.MutationObserver(app.queryClient, { mutationFn: () => answer });
    const done = observer.mutate(1).then((v) => (outcome = ["resolved", v]), (e) => (outcome = ["rejected", e.code]));
    await settle();
    between(host, app);
    open({ saved: true });
    await done;
  });
  return { host, seen, outcome };
}

test("an answer after its app unmounted settles the mutation (the shared client's)", async () => {
  const { host, seen, outcome } = await answerLate((_host, app) => app.unmount());
  assert.deepEqual(seen, []);
  assert.deepEqual(outcome, ["resolved", { saved: true }]);
  host.dispose();
});

test("an answer after the host was disposed: the mutation was cancelled, the answer goes nowhere", async () => {
  const { seen, outcome } = await answerLate((host) => host.dispose());
  assert.deepEqual(seen, []);
  assert.deepEqual(outcome, ["rejected", "cancelled"]);
});

test("an answer that is not JSON fails the mutation with the reason", async () => {
  await mfstate.loadMfstate();
  const qc = new mfstate.QueryClient({ clock: "manual", now: 1_000_000 });
  let error;
  const seen = await unhandledDuring(async () => {
    const observer = new mfstate.MutationObserver(qc, { mutationFn: async () => ({ at: 1n }) });
    await observer.mutate(1).catch((e) => (error = e));
  });
  assert.deepEqual(seen, []);
  assert.ok(error instanceof Error, String(error));
  assert.equal(qc.getMutationCache().getAll()[0].state.status, "error");
  qc.clear();
});
