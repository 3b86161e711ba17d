// Start-up in node: loading the module from its file reads nothing it does not need. The first read
// of the global `Response` makes node load its fetch implementation (~25 ms); the module's bytes
// come from the file system there, so createHost must not touch it. Its own process (node --test
// runs each file alone), before anything else loads the package.
import { test } from "node:test";
import assert from "node:assert/strict";

const reads = [];
for (const name of ["Response", "fetch"]) {
  const original = Object.getOwnPropertyDescriptor(globalThis, name);
  Object.defineProperty(globalThis, name, {
    configurable: true,
    enumerable: original.enumerable,
    get() {
      reads.push(name);
      return original.get ? original.get.call(globalThis) : original.value;
    },
    set(v) {
      Object.defineProperty(globalThis, name, { configurable: true, writable: true, enumerable: original.enumerable, value: v });
    },
  });
}

test("createHost in node loads the module from its file without node's fetch", async () => {
  const mfstate = await import("../lib/index.js");
  const host = await mfstate.createHost({ listenToPage: false });
  host.mount("home").queryClient.setQueryData(["k"], 1);
  host.dispose();
  assert.deepEqual(reads, []);
});
