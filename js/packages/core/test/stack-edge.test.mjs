// Calls made at the edge of the stack, where a hostile app can make them on purpose: a finally
// whose own call fails there must not leave the package's counts raised for good. Alone in its
// file (a process of its own): how deep each call's frames are depends on what V8 compiled before.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fromTheStackEdge, testHost } from "./helpers.mjs";
import { idle } from "../lib/wasm.js";

test("a finally that fails at the edge of the stack cannot leave the package believing a call is under way", async () => {
  const { host } = await testHost();
  const attacker = host.mount("attacker");
  // A listener that calls into the module (a store with middleware takes the module's path) from
  // a delivery one frame higher each time: some deliveries fail in their last call, leave().
  const own = attacker.createStore({ n: 0 }, (s, a) => (a.type === "inc" ? { n: s.n + 1 } : s), [() => (next) => (a) => next(a)]);
  attacker.on("attacker/x", () => own.dispatch({ type: "inc" }));
  fromTheStackEdge(() => attacker.emit("attacker/x", 1), 60);
  await Promise.resolve();
  // Else every later call would believe itself nested: no store's fast path, no plain message, and
  // timers waiting for an outermost call that never ends.
  assert.ok(idle());
  host.dispose();
});
