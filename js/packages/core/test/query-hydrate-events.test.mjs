// The cache events hydrate tells, as query-core's: a new query is built with its dehydrated state
// (one `added`, the data already there), an existing one older than the dehydrated data is told
// `updated` (setState). Each sequence runs on both libraries.
import { test } from "node:test";
import * as tanstack from "@tanstack/query-core";
import { mfstate, settle, sameOnBothLibraries } from "./helpers.mjs";

test("hydrate: a new query is only added, an existing older one is updated", async () => {
  await sameOnBothLibraries(async ({ name, client }, record) => {
    const lib = name === "mfstate" ? mfstate : tanstack;
    client.setQueryData(["old"], "older", { updatedAt: 1 });
    const source = name === "mfstate" ? new mfstate.QueryClient({ clock: "manual", now: 2_000_000 }) : new tanstack.QueryClient();
    source.setQueryData(["k"], { n: 1 }, { updatedAt: 2_000_000 });
    source.setQueryData(["old"], "newer", { updatedAt: 2_000_000 });
    const state = lib.dehydrate(source);
    const events = [];
    const stop = client.getQueryCache().subscribe((e) => {
      if (e.type === "added" || e.type === "updated") events.push([e.type, e.query.queryHash, e.action?.type ?? null, e.query.state.data]);
    });
    lib.hydrate(client, state);
    await settle();
    stop();
    events.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    record("events", events);
    source.clear();
  });
});
