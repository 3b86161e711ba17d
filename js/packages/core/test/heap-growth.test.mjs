// The module's memory grows geometrically (wasm/heap_growth.cpp): a heap that fills with many
// small allocations grows a handful of times, not once per few hundred KB. An engine that copies
// the memory on each growth (V8 in node here) otherwise makes filling the heap quadratic.
// Its own file: the module is instantiated once per process, and this test needs it fresh.
import { test } from "node:test";
import assert from "node:assert/strict";
import { testHost } from "./helpers.mjs";
import { memoryGrowth } from "../lib/wasm.js";

test("filling the heap with small values grows the memory by a handful of large steps", async () => {
  const { host } = await testHost();
  const client = host.queryClient;
  const start = memoryGrowth();
  // Small objects, each its own allocation in the module (~64 bytes), until the memory has grown
  // to four times its size: 48 MB or more of separate mallocs.
  const rows = Array.from({ length: 10_000 }, (_, i) => ({ i }));
  let batches = 0;
  while (memoryGrowth().bytes < 4 * start.bytes) {
    client.setQueryData(["rows", batches++], rows.map((r) => ({ ...r })));
    assert.ok(batches < 2_000, "the memory never grew to four times its size");
  }
  const end = memoryGrowth();
  const grew = end.growths - start.growths;
  // Growing by half each time: 16 -> 24 -> 36 -> 54 -> 81 MB is 4 growths. Growing by what sbrk
  // asks for took one per 64 KB-1 MB, hundreds here.
  assert.ok(grew >= 1 && grew <= 8, `${grew} growths from ${start.bytes} to ${end.bytes} bytes in ${batches} batches`);
  // Every batch is still there, whole.
  assert.equal(client.getQueryData(["rows", 0]).length, 10_000);
  assert.equal(client.getQueryData(["rows", batches - 1])[9_999].i, 9_999);
  host.dispose();
});
