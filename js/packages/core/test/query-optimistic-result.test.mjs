// What getOptimisticResult gave (what a render showed) is the observer's result, as query-core
// assigns it: the fetch a subscription then starts, already shown, notifies nobody; only its end
// does. Each sequence runs on both libraries.
import { test } from "node:test";
import assert from "node:assert/strict";
import { settle, deferred, sameOnBothLibraries } from "./helpers.mjs";

const shown = (r) => [r.status, r.fetchStatus, r.data];

test("the fetch a render predicted is not heard again when the subscription starts it", async () => {
  const steps = await sameOnBothLibraries(async ({ client, QueryObserver }, record) => {
    const answer = deferred();
    const observer = new QueryObserver(client, { queryKey: ["todos"], queryFn: () => answer.promise });
    // As useQuery renders: the defaulted options with _optimisticResults.
    const rendered = observer.getOptimisticResult({ ...client.defaultQueryOptions(observer.options), _optimisticResults: "optimistic" });
    record("rendered", shown(rendered));
    const heard = [];
    const un = observer.subscribe((r) => heard.push(shown(r)));
    await settle();
    record("heard after subscribing", heard.slice());
    answer.resolve(["a"]);
    await settle();
    record("heard", heard);
    un();
  });
  assert.deepEqual(steps[2][1], [["success", "idle", ["a"]]]);
});

test("a render predicting a new key's fetch: moving the observer there is not heard until the fetch ends", async () => {
  await sameOnBothLibraries(async ({ client, QueryObserver }, record) => {
    const queryFn = async ({ queryKey }) => `todo ${queryKey[1]}`;
    const observer = new QueryObserver(client, { queryKey: ["todo", 1], queryFn });
    const heard = [];
    const un = observer.subscribe((r) => heard.push(shown(r)));
    await settle();
    const next = { ...client.defaultQueryOptions({ queryKey: ["todo", 2], queryFn }), _optimisticResults: "optimistic" };
    record("rendered", shown(observer.getOptimisticResult(next)));
    observer.setOptions(next);
    await settle();
    record("heard", heard);
    un();
  });
});
