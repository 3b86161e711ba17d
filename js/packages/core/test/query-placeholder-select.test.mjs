// placeholderData and select together, as query-core's QueryObserver shapes them: a placeholder
// stands for the query's data and goes through select; a placeholderData function gets the data
// and the query this observer last showed with data, and is not called again while its placeholder
// is shown; a select that throws turns the result into an error dated when it first threw. Each
// sequence runs on both libraries.
import { test } from "node:test";
import assert from "node:assert/strict";
import { settle, sameOnBothLibraries } from "./helpers.mjs";

const shown = (r) => ({ status: r.status, fetchStatus: r.fetchStatus, data: r.data, isPlaceholderData: r.isPlaceholderData, error: r.error?.message ?? null });

test("placeholder data goes through select", async () => {
  const steps = await sameOnBothLibraries(async ({ client, QueryObserver }, record) => {
    let selects = 0;
    const observer = new QueryObserver(client, {
      queryKey: ["prices"],
      queryFn: async () => ({ cents: 250 }),
      placeholderData: { cents: 100 },
      select: (d) => {
        selects++;
        return d.cents / 100;
      },
    });
    record("before subscribing", shown(observer.getCurrentResult()));
    const heard = [];
    const un = observer.subscribe((r) => heard.push(shown(r)));
    await settle();
    record("heard", heard);
    record("select calls", selects);
    un();
  });
  assert.equal(steps[0][1].data, 1, "the placeholder, selected");
});

test("a placeholderData function gets the data and the query last shown with data, once per placeholder", async () => {
  await sameOnBothLibraries(async ({ client, QueryObserver }, record) => {
    const calls = [];
    const queryFn = async ({ queryKey }) => ({ page: queryKey[1] });
    const placeholderData = (previousData, previousQuery) => {
      calls.push([previousData, previousQuery?.queryKey, previousQuery?.state.status]);
      return previousData;
    };
    const observer = new QueryObserver(client, { queryKey: ["page", 1], queryFn, placeholderData });
    const un = observer.subscribe(() => {});
    await settle();
    observer.setOptions({ queryKey: ["page", 2], queryFn, placeholderData });
    record("page 2 while fetching", shown(observer.getCurrentResult()));
    observer.getCurrentResult();
    await settle();
    record("page 2", shown(observer.getCurrentResult()));
    record("placeholderData calls", calls);
    un();
  });
});

test("a select that throws: an error result dated when it first threw, the last selected data kept", async () => {
  await sameOnBothLibraries(async ({ client, QueryObserver }, record) => {
    const observer = new QueryObserver(client, {
      queryKey: ["feed"],
      queryFn: async () => ({ items: null }),
      select: (d) => {
        if (d.items === null) throw new Error("no items");
        return d.items.length;
      },
    });
    const results = [];
    const un = observer.subscribe((r) => results.push(r));
    await settle();
    const failed = observer.getCurrentResult();
    record("failed", { ...shown(failed), isError: failed.isError, dated: failed.errorUpdatedAt > 0 });
    record("the query itself", client.getQueryState(["feed"]).status);
    client.setQueryData(["feed"], { items: [1, 2] });
    record("after good data", shown(observer.getCurrentResult()));
    un();
  });
});
