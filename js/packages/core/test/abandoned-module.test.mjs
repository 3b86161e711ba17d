// A call into the module that runs out of stack inside it abandons its C++ frames (WebAssembly
// cannot catch a stack overflow, so no destructor runs): what they were changing stays half-changed.
// An app can do that on purpose. The module is then not used again, and says so: no app's messages
// are lost silently. Alone in its file: the module it stops is this process's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fromTheStackEdge, testHost } from "./helpers.mjs";

test("a call that runs out of stack inside the module stops it for every app, loudly, never silently", async () => {
  const { host, errors } = await testHost();
  const attacker = host.mount("attacker");
  const victim = host.mount("victim");
  // Messages on a topic with a schema, and a store with middleware: both go through the module.
  attacker.declare("attacker/x", { schema: { type: "integer" } });
  const own = attacker.createStore({ n: 0 }, (s, a) => (a.type === "inc" ? { n: s.n + 1 } : s), [() => (next) => (a) => next(a)]);
  attacker.on("attacker/x", () => own.dispatch({ type: "inc" }));
  // From the stack's limit up, one frame higher each time, until 200 calls got through.
  fromTheStackEdge(() => attacker.emit("attacker/x", 1), 200);
  await Promise.resolve();
  const heard = [];
  let refused;
  try {
    victim.declare("victim/checked", { schema: { type: "integer" } });
    victim.on("victim/checked", (p) => heard.push(p));
    victim.emit("victim/checked", 7);
  } catch (e) {
    refused = e;
  }
  // On this machine the attack does abandon frames (before the module stopped, the victim's
  // message was lost without a word): the module must have stopped.
  assert.deepEqual(heard, []);
  assert.equal(refused?.code, "internal");
  assert.match(refused.message, /mfstate's module stopped: a call ran out of stack inside it/);
  assert.throws(() => host.mount("another"), (e) => e.code === "internal");
  // The shell hears it once, even if no app calls in again.
  const stops = errors.filter((e) => e.code === "internal" && /module stopped/.test(e.message));
  assert.equal(stops.length, 1);
  assert.ok(stops[0].cause !== undefined, "the first failure, as its cause");
});
