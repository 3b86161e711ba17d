// A QueryCache's config callbacks (onSuccess, onError, onSettled) as query-core calls them: for
// what a query function gave or threw, not for setQueryData's manual writes nor a cancelled fetch.
// The same steps run on both libraries.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tanstack from "@tanstack/query-core";
import { mfstate } from "./helpers.mjs";

test("QueryCache callbacks: a fetch's success and error, not setQueryData / setQueriesData nor a cancel", async () => {
  await mfstate.loadMfstate();
  const out = [];
  for (const lib of [mfstate, tanstack]) {
    const calls = [];
    const queryCache = new lib.QueryCache({
      onSuccess: (data, query) => calls.push(["onSuccess", data, query.queryKey]),
      onError: (error, query) => calls.push(["onError", error.message, query.queryKey]),
      onSettled: (data, error, query) => calls.push(["onSettled", data, error?.message ?? null, query.queryKey]),
    });
    const client = lib === mfstate ? new lib.QueryClient({ clock: "manual", now: 1_000_000, queryCache }) : new lib.QueryClient({ queryCache });
    await client.fetchQuery({ queryKey: ["user"], queryFn: async () => "Ada" });
    await client.fetchQuery({ queryKey: ["team"], queryFn: async () => Promise.reject(new Error("offline")) }).catch(() => {});
    client.setQueryData(["user"], "Bob");
    client.setQueryData(["new"], 1);
    client.setQueriesData({ queryKey: ["user"] }, (old) => `${old}!`);
    const cancelled = client.fetchQuery({ queryKey: ["slow"], queryFn: ({ signal }) => new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted")))) }).catch(() => {});
    await client.cancelQueries({ queryKey: ["slow"] });
    await cancelled;
    out.push(calls);
    client.clear();
  }
  assert.deepEqual(out[0], out[1]);
  assert.deepEqual(out[0], [
    ["onSuccess", "Ada", ["user"]],
    ["onSettled", "Ada", null, ["user"]],
    ["onError", "offline", ["team"]],
    ["onSettled", undefined, "offline", ["team"]],
  ]);
});
