// fetchNextPage with cancelRefetch: false while the query is fetching keeps that fetch and fetches
// no page (query-core returns the fetch under way). The page it asked for must not wait for the
// query's next fetch: a later refetch refetches the pages, as in query-core, and adds none.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mfstate, settle } from "./helpers.mjs";
import * as tanstack from "@tanstack/query-core";

async function scenario(lib, client) {
  let release;
  const observer = new lib.InfiniteQueryObserver(client, {
    queryKey: ["pages"],
    initialPageParam: 0,
    queryFn: ({ pageParam }) => (release ? new Promise((resolve) => (release = () => resolve(`p${pageParam}`))) : `p${pageParam}`),
    getNextPageParam: (_last, pages) => pages.length,
  });
  const stop = observer.subscribe(() => {});
  await settle();
  release = () => {};
  const refetching = observer.refetch();
  await settle();
  const next = observer.fetchNextPage({ cancelRefetch: false });
  release();
  await Promise.all([refetching, next]);
  release = undefined;
  const afterKept = client.getQueryData(["pages"]).pages;
  await observer.refetch();
  await settle();
  const afterRefetch = client.getQueryData(["pages"]).pages;
  stop();
  return { afterKept, afterRefetch };
}

test("a next page asked for while a fetch is kept is not fetched by the query's next refetch (as query-core)", async () => {
  await mfstate.loadMfstate();
  const ours = await scenario(mfstate, new mfstate.QueryClient({ clock: "manual", now: 1_000_000 }));
  const theirs = new tanstack.QueryClient();
  theirs.mount();
  const expected = await scenario(tanstack, theirs);
  theirs.unmount();
  assert.deepEqual(expected, { afterKept: ["p0"], afterRefetch: ["p0"] });
  assert.deepEqual(ours, expected);
});
