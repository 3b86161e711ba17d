// The page's clock as the module reads it (hosts not on a manual clock): one call into the module
// reads it at most once (wasm.ts, `clockRead`), so what the module reads must still follow the
// page's time between calls and across a callback that takes time.
import { mock, test } from "node:test";
import assert from "node:assert/strict";
import { mfstate } from "./helpers.mjs";

async function pageClockHost() {
  const host = await mfstate.createHost({ listenToPage: false, validation: "always" });
  return { host, client: host.mount("home").queryClient };
}

test("each call into the module reads the page's time anew", async (t) => {
  mock.timers.enable({ apis: ["Date"], now: 1_000_000 });
  t.after(() => mock.timers.reset());
  const { host, client } = await pageClockHost();
  client.setQueryData(["user", 1], { v: 1 });
  mock.timers.tick(2_500);
  client.setQueryData(["user", 2], { v: 2 });
  mock.timers.tick(1_000);
  client.setQueryData(["user", 1], { v: 3 });
  assert.equal(client.getQueryState(["user", 2]).dataUpdatedAt, 1_002_500);
  assert.equal(client.getQueryState(["user", 1]).dataUpdatedAt, 1_003_500);
  host.dispose();
});

test("a query function that takes time: its error is stamped at the time it ended", async (t) => {
  mock.timers.enable({ apis: ["Date"], now: 1_000_000 });
  t.after(() => mock.timers.reset());
  const { host, client } = await pageClockHost();
  // fetchQuery builds the entry (reading the clock) and calls the query function, which takes 5 s
  // and throws; the error is stamped when the fetch completes (a later call into the module, which
  // reads the clock anew): the stamp shows the 5 s.
  const failed = client.fetchQuery({
    queryKey: ["slow", 1],
    retry: false,
    queryFn: () => {
      mock.timers.tick(5_000);
      throw new Error("down");
    },
  });
  await assert.rejects(failed, /down/);
  const state = client.getQueryState(["slow", 1]);
  assert.equal(state.status, "error");
  assert.equal(state.errorUpdatedAt, 1_005_000);
  host.dispose();
});
