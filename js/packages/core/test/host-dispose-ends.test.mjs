// A host's dispose ends what the host itself handed out that holds the module's handles: its
// inspector's subscriptions, its client's cache listeners and observers. Before, they stayed in the
// module's handle table after the host was gone, and a host other than the page's kept their room in
// the page's bound for all that is outside it; ending them after the dispose threw ("the host of
// this QueryClient was disposed") before giving the room back, so it was never given back: a page
// making and disposing such hosts (a test, a render on the server, an app's own host) lost room for
// good, until every standalone client of the page was refused with size_limit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mfstate } from "./helpers.mjs";
import { heldOutside } from "../lib/page_room.js";

const { createHost, QueryObserver, QueriesObserver } = mfstate;
const options = { clock: "manual", now: 1_000_000, listenToPage: false };

/** Takes, through `host`'s own client and inspector, what holds the module's handles; returns its ends. */
function handOut(host) {
  const told = [];
  const client = host.queryClient;
  client.setQueryData(["k"], 1);
  const observer = new QueryObserver(client, { queryKey: ["k"], enabled: false });
  const queries = new QueriesObserver(client, [{ queryKey: ["a"], enabled: false }, { queryKey: ["b"], enabled: false }]);
  const ends = [
    client.getQueryCache().subscribe((e) => told.push(e.type)),
    client.getQueryCache().subscribe((e) => told.push(e.type)),
    observer.subscribe(() => told.push("observer")),
    queries.subscribe(() => told.push("queries")),
    host.inspector.subscribe(() => told.push("inspector")),
  ];
  return { ends, told };
}

test("a host other than the page's gives back its room at dispose, and its ends after it are harmless", async () => {
  const page = await createHost(options);
  const start = heldOutside();
  const other = await createHost(options);
  const { ends } = handOut(other);
  assert.ok(heldOutside() > start + 2, "its handles count against the page's bound");
  other.dispose();
  assert.equal(heldOutside(), start, "all given back");
  for (const end of ends) end(); // no throw, nothing given back twice
  assert.equal(heldOutside(), start);
  page.dispose();
});

test("the page's host ends what it handed out at dispose; ending it after is harmless", async () => {
  for (let round = 0; round < 3; round++) {
    const host = await createHost(options);
    const { ends } = handOut(host);
    host.dispose();
    for (const end of ends) end();
  }
});
