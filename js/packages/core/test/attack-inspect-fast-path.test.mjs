// A hostile app's own inspector against the other apps' dispatches. An app's inspect() hears the
// events it is the actor or the target of, never another app's actions; yet it counted as an
// inspector of the whole host, and while it lived every app's dispatch left its fast path for the
// module (to make events nobody may hear): one line, `app.inspect(() => {})`, made every other
// app's dispatch ~6x slower (138 -> 855 ns a dispatch to a store with one subscriber, node).
import assert from "node:assert/strict";
import { test } from "node:test";
import { counterReducer, initialUser, testHost } from "./helpers.mjs";
import { api } from "../dist/wasm.js";

/** How many of `run`'s dispatches went through the module. */
function throughModule(run) {
  const dispatch = api.mfs_app_dispatch;
  let n = 0;
  api.mfs_app_dispatch = (...args) => {
    n++;
    return dispatch(...args);
  };
  try {
    run();
  } finally {
    api.mfs_app_dispatch = dispatch;
  }
  return n;
}

test("another app's inspector keeps no app's dispatch off its fast path; its own and the shell's do", async () => {
  const { host } = await testHost();
  const victim = host.mount("victim");
  const mallory = host.mount("mallory");
  for (const app of [victim, mallory]) {
    app.createStore(initialUser(), counterReducer);
    app.subscribe(() => {});
  }
  const dispatches = (app) => throughModule(() => {
    for (let i = 0; i < 10; i++) app.dispatch({ type: "INC" });
  });
  assert.equal(dispatches(victim), 0, "no inspector: the fast path");
  const heard = [];
  const stop = mallory.inspect((e) => heard.push(`${e.kind} ${e.app} ${e.name ?? ""}`));
  assert.equal(dispatches(victim), 0, "mallory's inspector sent the victim's dispatches through the module");
  // Mallory's own dispatches make the events her inspector hears; the victim's it never hears.
  assert.ok(dispatches(mallory) >= 10, "mallory's own dispatches go through the module");
  host.advanceTime(0);
  assert.ok(heard.length >= 10 && heard.every((e) => e.includes("mallory")), heard.join("; "));
  assert.equal(victim.getState().count, 20);
  stop();
  // The shell's inspector hears every app's actions: every dispatch goes through the module.
  const shellHeard = [];
  const stopShell = host.inspector.subscribe((e) => e.kind === "action" && shellHeard.push(e.app));
  assert.ok(dispatches(victim) >= 10, "the shell's inspector keeps the victim's dispatches on the module's path");
  host.advanceTime(0);
  assert.equal(shellHeard.filter((a) => a === "victim").length, 10);
  stopShell();
  assert.equal(dispatches(victim), 0);
  host.dispose();
});
