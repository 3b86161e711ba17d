// A hostile app against every app's queries at once, through the filters of its own face of the
// shared client. The cache is shared by design (docs/query.md, "Two capabilities"): an app may
// write, invalidate and refetch any query, and cancel, remove or reset the queries under a key
// prefix it names. What would stop or wipe every app's queries at once (clear, and cancel, remove
// or reset with no key prefix: an empty filter, a bare predicate, `queryKey: []`) is the shell's.
// The package's app face ran those three on the shell's client handle, where the module's
// AppQueryClient check never ran: `app.queryClient.removeQueries()` emptied every app's cache,
// which `clear()` refuses it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { testHost, settle, deferred } from "./helpers.mjs";

async function page() {
  const { host, errors } = await testHost();
  const profile = host.mount("profile");
  const mallory = host.mount("mallory");
  return { host, errors, profile, mallory };
}

// Every filter that reaches the queries of every app: no key, an empty one, or a predicate alone.
const everyApp = {
  "no filter": undefined,
  "an empty filter": {},
  "queryKey: []": { queryKey: [] },
  "a bare predicate": { predicate: () => true },
  "exact: false and a type": { exact: false, type: "all" },
};

test("an app cannot remove, cancel or reset every app's queries: without a key prefix, refused and nothing changed", async () => {
  const { host, profile, mallory } = await page();
  const q = mallory.queryClient;
  const calls = {
    removeQueries: (f) => q.removeQueries(f),
    cancelQueries: (f) => q.cancelQueries(f),
    resetQueries: (f) => q.resetQueries(f),
  };
  profile.queryClient.setQueryData(["profile", "me"], { name: "Ann" });
  const feed = deferred();
  const results = [];
  profile.observe({ queryKey: ["profile", "feed"], queryFn: () => feed.promise }, (r) => results.push(r.status + "/" + r.fetchStatus));
  await settle();
  assert.equal(host.queryClient.isFetching(), 1);
  const before = host.queryClient.getQueryState(["profile", "me"]);
  for (const [name, call] of Object.entries(calls)) {
    for (const [label, filters] of Object.entries(everyApp)) {
      assert.throws(
        () => call(filters),
        (e) => e.code === "invalid_argument" && /non-empty key prefix/.test(e.message),
        `${name}(${label}) through an app's client`,
      );
    }
  }
  assert.deepEqual(host.queryClient.getQueryState(["profile", "me"]), before, "profile's query is untouched");
  assert.deepEqual(host.queryClient.getQueryData(["profile", "me"]), { name: "Ann" });
  assert.equal(host.queryClient.isFetching(), 1, "profile's fetch was not cancelled");
  feed.resolve(["post"]);
  await settle();
  assert.deepEqual(profile.queryClient.getQueryData(["profile", "feed"]), ["post"]);
  assert.equal(results.at(-1), "success/idle");
  // Nothing was left staged by the refusals: the app's next calls act as asked.
  mallory.queryClient.setQueryData(["mallory", "draft"], 1);
  assert.equal(mallory.queryClient.getQueryData(["mallory", "draft"]), 1);
  host.dispose();
});

test("under a key prefix an app still cancels, removes and resets, its own queries or another's (the shared cache's semantics)", async () => {
  const { host, profile, mallory } = await page();
  const q = mallory.queryClient;
  q.setQueryData(["mallory", "a"], 1);
  q.setQueryData(["mallory", "b"], 2);
  profile.queryClient.setQueryData(["profile", "me"], { name: "Ann" });
  q.removeQueries({ queryKey: ["mallory"] });
  assert.equal(q.getQueryData(["mallory", "a"]), undefined);
  assert.equal(q.getQueryData(["mallory", "b"]), undefined);
  assert.deepEqual(profile.queryClient.getQueryData(["profile", "me"]), { name: "Ann" }, "another prefix is not touched");
  // A predicate under a prefix narrows it.
  q.setQueryData(["mallory", "a"], 1);
  q.setQueryData(["mallory", "b"], 2);
  q.removeQueries({ queryKey: ["mallory"], predicate: (query) => query.queryKey[1] === "a" });
  assert.equal(q.getQueryData(["mallory", "a"]), undefined);
  assert.equal(q.getQueryData(["mallory", "b"]), 2);
  // Cancel and reset under a prefix: a fetch under way is cancelled, a query reset.
  const slow = deferred();
  const fetched = q.fetchQuery({ queryKey: ["mallory", "slow"], queryFn: () => slow.promise });
  await settle();
  await q.cancelQueries({ queryKey: ["mallory", "slow"] });
  await assert.rejects(fetched, (e) => e.name === "CancelledError" || e.code === "cancelled");
  await q.resetQueries({ queryKey: ["mallory", "b"] });
  assert.equal(q.getQueryData(["mallory", "b"]), undefined);
  // Another app's prefix too: what TanStack's shared client lets a component do.
  q.removeQueries({ queryKey: ["profile", "me"], exact: true });
  assert.equal(profile.queryClient.getQueryData(["profile", "me"]), undefined);
  host.dispose();
});

test("the shell's client keeps every filter: an empty one cancels, resets and removes every app's queries (the platform app's does not)", async () => {
  const { host, profile, mallory } = await page();
  profile.queryClient.setQueryData(["profile", "me"], { name: "Ann" });
  mallory.queryClient.setQueryData(["mallory", "x"], 1);
  const slow = deferred();
  const fetched = profile.queryClient.fetchQuery({ queryKey: ["profile", "slow"], queryFn: () => slow.promise });
  await settle();
  // The platform app is an app: its client takes a prefix too.
  assert.throws(() => host.platform.queryClient.removeQueries(), (e) => e.code === "invalid_argument");
  assert.deepEqual(host.queryClient.getQueryData(["profile", "me"]), { name: "Ann" });
  await host.queryClient.cancelQueries();
  await assert.rejects(fetched);
  await host.queryClient.resetQueries();
  host.queryClient.removeQueries();
  assert.equal(host.queryClient.getQueryCache().getAll().length, 0);
  host.dispose();
});
