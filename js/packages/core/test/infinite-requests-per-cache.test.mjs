// An infinite query's fetchNextPage / fetchPreviousPage is a request the query's next fetch reads
// (query-core's fetchMeta). The requests were kept in one page-wide map keyed by the query key
// alone, so a request made on one client was read by the next fetch of that key in another cache:
// a hostile app's own standalone client (or a second client on a server) turned another app's
// refetch of all its pages into a fetch of one page more, the pages it should have refetched kept
// as they were. Within one cache the request is anyone's, as in query-core (an observer of another
// app on the shell's cache asking for a next page extends the query every app sees).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mfstate, testHost, settle } from "./helpers.mjs";

function feed(client, calls, tag) {
  return new mfstate.InfiniteQueryObserver(client, {
    queryKey: ["feed"],
    initialPageParam: 0,
    getNextPageParam: (_last, _all, param) => param + 1,
    queryFn: ({ pageParam }) => {
      calls.push(pageParam);
      return { page: pageParam, by: tag };
    },
  });
}

/** `feed` subscribed to, its first page fetched. */
async function watchedFeed(client, calls, tag) {
  const observer = feed(client, calls, tag);
  observer.subscribe(() => {});
  await settle();
  return observer;
}

/** A next page of ["feed"] asked for on `client`, where nothing fetches it: the request stays out. */
function askNextPageOn(client) {
  const asking = new mfstate.InfiniteQueryObserver(client, { queryKey: ["feed"], initialPageParam: 0, getNextPageParam: () => 1, queryFn: () => ({}), enabled: false });
  return asking.fetchNextPage();
}

test("a next page asked for on another client is not read by a refetch of the shell's cache", async () => {
  const { host } = await testHost();
  const profile = host.mount("profile");
  const mallory = host.mount("mallory");
  const calls = [];
  const observer = await watchedFeed(profile.queryClient, calls, "profile");
  await observer.fetchNextPage();
  assert.deepEqual(observer.getCurrentResult().data.pageParams, [0, 1]);
  calls.length = 0;
  // Mallory's own client asks for a next page of the same key (it has no such query: nothing
  // fetches there), and while that request is out, refetches profile's query on the shared cache.
  const own = new mfstate.QueryClient({ clock: "manual" });
  const pending = askNextPageOn(own);
  await mallory.queryClient.refetchQueries({ queryKey: ["feed"] });
  await pending;
  assert.deepEqual(calls, [0, 1], "profile's refetch fetched its pages again, in order");
  assert.deepEqual(observer.getCurrentResult().data.pageParams, [0, 1]);
  host.dispose();
});

test("two standalone clients: one's fetchNextPage does not change the other's refetch", async () => {
  await mfstate.loadMfstate();
  const a = new mfstate.QueryClient({ clock: "manual" });
  const b = new mfstate.QueryClient({ clock: "manual" });
  const callsB = [];
  const onB = await watchedFeed(b, callsB, "b");
  await onB.fetchNextPage();
  callsB.length = 0;
  const pending = askNextPageOn(a);
  await b.refetchQueries({ queryKey: ["feed"] });
  await pending;
  assert.deepEqual(callsB, [0, 1]);
  assert.deepEqual(onB.getCurrentResult().data.pageParams, [0, 1]);
  onB.destroy();
});

test("within one cache a next page asked for by another app's observer is the query's, as in query-core", async () => {
  const { host } = await testHost();
  const profile = host.mount("profile");
  const mallory = host.mount("mallory");
  const calls = [];
  const observer = await watchedFeed(profile.queryClient, calls, "profile");
  const other = feed(mallory.queryClient, calls, "mallory");
  other.subscribe(() => {});
  await other.fetchNextPage();
  assert.deepEqual(observer.getCurrentResult().data.pageParams, [0, 1]);
  host.dispose();
});
