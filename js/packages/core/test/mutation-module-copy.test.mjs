// The module runs each mutation (retries, scopes, network mode) while the package keeps it (its
// MutationCache, with the mutation's gcTime on the package's own timer). Nothing reads the module's
// copy once it settled, so it leaves the module then. Before, the package never passed gcTime and
// the module kept every settled mutation query-core's default 5 minutes: an app running mutations
// with gcTime 0 (or many of them) grew the module's memory with the last 5 minutes of its history.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mfstate, settle } from "./helpers.mjs";
import { api } from "../lib/wasm.js";
import { moduleMutationCount } from "../lib/query/mutation.js";

const { createHost, QueryClient, MutationObserver } = mfstate;

/** Runs `n` mutations through `client`, `options` theirs, each settled before the next. */
async function runMany(client, n, options) {
  const observer = new MutationObserver(client, { mutationFn: async (v) => v, ...options });
  for (let i = 0; i < n; i++) await observer.mutate(i);
  observer.reset();
  await settle();
}

test("settled mutations with gcTime 0 leave the module before query-core's 5 minutes: its count and heap are back where they started", async () => {
  const host = await createHost({ clock: "manual", listenToPage: false });
  const app = host.mount("editor");
  await runMany(app.queryClient, 10, { gcTime: 0 }); // the module's allocator warmed
  host.advanceTime(1);
  const before = moduleMutationCount(host.queryClient);
  const heapBefore = api.mfs_heap_used();
  await runMany(app.queryClient, 2000, { gcTime: 0, scope: { id: "save" } });
  host.advanceTime(1);
  await settle();
  assert.equal(host.queryClient.getMutationCache().getAll().length, 0, "the package let them go");
  assert.deepEqual(moduleMutationCount(host.queryClient), before, "and so did the module");
  // Kept, they held ~650 bytes each (1.3 MB); what stays is the cache's vector and scope map capacity.
  const grown = api.mfs_heap_used() - heapBefore;
  assert.ok(grown < 128 * 1024, `2,000 settled mutations left ${grown} bytes in the module`);
  host.dispose();
});

test("the module holds a mutation while it is under way, and lets it go once settled whatever the package keeps", async () => {
  await mfstate.loadMfstate();
  const qc = new QueryClient({ clock: "manual", now: 1_000_000 });
  const answers = [];
  const observer = new MutationObserver(qc, { mutationFn: () => new Promise((resolve) => answers.push(resolve)), gcTime: Infinity });
  const base = moduleMutationCount(qc);
  const outcomes = [observer.mutate(1), observer.mutate(2), observer.mutate(3)];
  await settle();
  assert.equal(moduleMutationCount(qc).mutations, base.mutations + 3, "pending: in the module");
  for (const answer of answers) answer("done");
  await Promise.all(outcomes);
  await settle();
  qc.advanceTime(0);
  // The package keeps them (gcTime Infinity: until cleared); the module, nothing.
  assert.equal(qc.getMutationCache().getAll().length, 3);
  assert.deepEqual(
    qc.getMutationCache().getAll().map((m) => m.state.data),
    ["done", "done", "done"],
  );
  assert.deepEqual(moduleMutationCount(qc), base);
});

test("an app's settled mutations leave the module after its unmount too, and a failed one like a successful one", async () => {
  const host = await createHost({ clock: "manual", listenToPage: false });
  const app = host.mount("editor");
  const base = moduleMutationCount(host.queryClient);
  let fail;
  const observer = new MutationObserver(app.queryClient, { mutationFn: () => new Promise((_, reject) => (fail = reject)), gcTime: 60_000 });
  const outcome = observer.mutate(1).catch((e) => e);
  await settle();
  app.unmount();
  fail(new Error("offline"));
  assert.equal((await outcome).message, "offline");
  await settle();
  host.advanceTime(1);
  assert.equal(host.queryClient.getMutationCache().getAll()[0].state.status, "error", "the package keeps it for its gcTime");
  assert.deepEqual(moduleMutationCount(host.queryClient), base);
  host.dispose();
});
