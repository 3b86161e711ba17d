// refetchQueries / invalidateQueries / resetQueries with throwOnError, and a static query reset to
// no data, as query-core's. Each sequence runs on both libraries and the two are compared.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tanstack from "@tanstack/query-core";
import { mfstate, settle } from "./helpers.mjs";

async function both() {
  await mfstate.loadMfstate();
  return [
    { lib: mfstate, qc: new mfstate.QueryClient({ clock: "manual", now: 1_000_000 }) },
    { lib: tanstack, qc: new tanstack.QueryClient() },
  ];
}

const outcome = (p) => p.then(() => "resolved", (e) => `rejected: ${e.message}`);

test("throwOnError: refetchQueries, invalidateQueries and resetQueries reject with a refetch's error", async () => {
  const out = [];
  for (const side of await both()) {
    const observer = new side.lib.QueryObserver(side.qc, {
      queryKey: ["bad"],
      retry: false,
      queryFn: async () => {
        throw new Error("bad");
      },
    });
    const un = observer.subscribe(() => {});
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const seen = {};
    for (const [name, call] of [
      ["refetch", (o) => side.qc.refetchQueries({ queryKey: ["bad"] }, o)],
      ["invalidate", (o) => side.qc.invalidateQueries({ queryKey: ["bad"] }, o)],
      ["reset", (o) => side.qc.resetQueries({ queryKey: ["bad"] }, o)],
    ]) {
      seen[name] = [await outcome(call({ throwOnError: true })), await outcome(call({}))];
    }
    out.push(seen);
    un();
    side.qc.clear();
  }
  assert.deepEqual(out[0], out[1]);
  assert.deepEqual(out[0].refetch, ["rejected: bad", "resolved"]);
});

test("a query observed with staleTime 'static' is refetched by resetQueries (without data it is not static yet)", async () => {
  const out = [];
  for (const side of await both()) {
    let calls = 0;
    const observer = new side.lib.QueryObserver(side.qc, { queryKey: ["s"], staleTime: "static", queryFn: async () => ++calls });
    const results = [];
    const un = observer.subscribe((r) => results.push(r.status));
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await side.qc.resetQueries({ queryKey: ["s"] });
    await settle();
    const afterReset = calls;
    await side.qc.refetchQueries({ queryKey: ["s"] });
    out.push({ afterReset, afterRefetch: calls, data: side.qc.getQueryData(["s"]), last: results.at(-1) });
    un();
    side.qc.clear();
  }
  assert.deepEqual(out[0], out[1]);
  assert.deepEqual(out[0], { afterReset: 2, afterRefetch: 2, data: 2, last: "success" });
});
