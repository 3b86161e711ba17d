// A subscribed observer's errorUpdateCount is the query's, as query-core's result gives it: it
// counts every error the query had, not just whether it had one. Runs on both libraries.
import { test } from "node:test";
import assert from "node:assert/strict";
import { settle, sameOnBothLibraries } from "./helpers.mjs";

test("errorUpdateCount counts each failed fetch, through a success in between", async () => {
  const steps = await sameOnBothLibraries(async ({ client, QueryObserver }, record) => {
    let calls = 0;
    const observer = new QueryObserver(client, {
      queryKey: ["flaky"],
      retry: false,
      queryFn: async () => {
        calls++;
        if (calls !== 2) throw new Error(`failure ${calls}`);
        return "ok";
      },
    });
    const heard = [];
    const un = observer.subscribe((r) => heard.push([r.status, r.fetchStatus, r.errorUpdateCount]));
    await settle();
    for (let i = 0; i < 3; i++) await observer.refetch();
    record("heard", heard);
    record("the query's count", client.getQueryState(["flaky"]).errorUpdateCount);
    un();
  });
  assert.equal(steps[0][1].at(-1)[2], 3);
});
