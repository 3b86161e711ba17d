// QueryClient.defaultQueryOptions as query-core's: the client's defaults, then the key's, then the
// options; marked `_defaulted`, with the key's `queryHash`, `refetchOnReconnect` and `throwOnError`
// filled in, and a skipToken query disabled. Compared with query-core's on the same inputs.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tanstack from "@tanstack/query-core";
import { mfstate } from "./helpers.mjs";

const fields = ["staleTime", "retry", "gcTime", "queryHash", "_defaulted", "refetchOnReconnect", "throwOnError", "networkMode", "enabled"];

test("defaultQueryOptions: merged defaults and query-core's filled-in fields", async () => {
  await mfstate.loadMfstate();
  const out = [];
  for (const lib of [mfstate, tanstack]) {
    const client = new lib.QueryClient({ defaultOptions: { queries: { staleTime: 100, retry: 1 } } });
    client.setQueryDefaults(["todos"], { staleTime: 500 });
    client.setQueryDefaults(["todos", "done"], { gcTime: 9 });
    const pick = (o) => Object.fromEntries(fields.map((f) => [f, o[f]]));
    out.push([
      pick(client.defaultQueryOptions({ queryKey: ["todos", "done"], retry: 2 })),
      pick(client.defaultQueryOptions({ queryKey: ["user", { id: 1 }], networkMode: "always", suspense: true })),
      pick(client.defaultQueryOptions({ queryKey: ["skipped"], queryFn: lib.skipToken })),
    ]);
    client.clear();
  }
  assert.deepEqual(out[0], out[1]);
  assert.equal(out[0][0].queryHash, '["todos","done"]');
});

test("a queryHash carried over from other options is replaced by the key's own (no custom hashes here)", async () => {
  await mfstate.loadMfstate();
  const client = new mfstate.QueryClient();
  const first = client.defaultQueryOptions({ queryKey: ["a"] });
  assert.equal(client.defaultQueryOptions({ ...first, queryKey: ["b"] }).queryHash, '["b"]');
  client.clear();
});
