// An observer's new result is told only when it differs from the last one in some member: the
// compare (query/observer.ts, sameResult) names each member of a result, so a member it missed
// would make a change of only that member tell nobody, and a component show a stale result.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mfstate, settle, deferred } from "./helpers.mjs";
import { sameResult } from "../lib/query/observer.js";

const { QueryClient, QueryObserver } = mfstate;

async function results() {
  await mfstate.loadMfstate();
  const qc = new QueryClient({ clock: "manual", now: 1_000_000 });
  const d = deferred();
  const observer = new QueryObserver(qc, { queryKey: ["user"], queryFn: () => d.promise });
  const seen = [];
  const un = observer.subscribe((r) => seen.push(r));
  d.resolve({ name: "John" });
  await settle();
  return { seen, done: () => (un(), qc.clear()) };
}

test("the compare of two results looks at every member a result has", async () => {
  const { seen, done } = await results();
  const result = seen.at(-1);
  assert.equal(result.status, "success");
  assert.ok(Object.keys(result).length >= 25, "a whole result");
  assert.equal(sameResult(result, { ...result }), true, "a copy is the same result");
  for (const key of Object.keys(result)) {
    const changed = { ...result, [key]: { changed: key } };
    assert.equal(sameResult(result, changed), false, `a result differing only in ${key}`);
    assert.equal(sameResult(changed, result), false, `a result differing only in ${key}, the other way`);
  }
  done();
});

test("a refetch of the same data is told as it starts and as it ends (only the fetch's flags change)", async () => {
  await mfstate.loadMfstate();
  const qc = new QueryClient({ clock: "manual", now: 1_000_000 });
  let calls = 0;
  const observer = new QueryObserver(qc, { queryKey: ["again"], queryFn: () => (calls++, { name: "John" }) });
  const told = [];
  const un = observer.subscribe((r) => told.push(r));
  await settle();
  const first = told.at(-1);
  assert.equal(first.status, "success");
  const settled = told.length;
  await observer.refetch();
  await settle();
  const after = told.slice(settled);
  assert.ok(after.some((r) => r.isRefetching && r.fetchStatus === "fetching" && r.data === first.data), "the refetch's start is told");
  assert.equal(after.at(-1).fetchStatus, "idle");
  assert.equal(after.at(-1).data, first.data, "the same data kept");
  assert.equal(calls, 2);
  un();
  qc.clear();
});
