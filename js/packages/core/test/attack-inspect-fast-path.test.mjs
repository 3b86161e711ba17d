// A hostile app's own inspector against the other apps' dispatches, emits and broadcasts. An app's
// inspect() hears the events it is the actor or the target of, never another app's actions,
// messages or commands; yet it counted as an inspector of the whole host, and while it lived every
// app's dispatch, emit and broadcast left its fast path for the module (to make events nobody may
// hear): one line, `app.inspect(() => {})`, made every other app's dispatch ~6x slower (138 -> 855
// ns a dispatch to a store with one subscriber, node), and their emits and broadcasts with it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { counterApps, counterReducer, initialUser, testHost, throughModule } from "./helpers.mjs";

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

test("another app's inspector keeps no app's emit or broadcast off its fast path; the sender's, a receiver's and the shell's do", async () => {
  const { host } = await testHost();
  const [victim, friend] = counterApps(host, ["victim", "friend"], ["INC"]);
  const mallory = host.mount("mallory");
  const heard = [];
  friend.on("victim/said", (p) => heard.push(p.n));
  let n = 0;
  const emits = (app) => throughModule(() => {
    for (let i = 0; i < 10; i++) app.emit("victim/said", { n: n++ });
  }, "mfs_app_emit");
  const broadcasts = (app) => throughModule(() => {
    for (let i = 0; i < 10; i++) app.broadcast({ type: "INC" });
  }, "mfs_app_broadcast");
  const both = (app) => [emits(app), broadcasts(app)];
  assert.deepEqual(both(victim), [0, 0], "no inspector: the fast paths");
  const malloryHeard = [];
  const stop = mallory.inspect((e) => malloryHeard.push(`${e.kind} ${e.app}`));
  assert.deepEqual(both(victim), [0, 0], "mallory's inspector sent the victim's emits and broadcasts through the module");
  host.advanceTime(0);
  assert.deepEqual(malloryHeard, []);
  // Those it hears: the sender's own, a receiver's (a command sent to it; of a message, only its
  // listeners' errors, told when one throws: receiver-inspector-plain-emit.test.mjs).
  const stopVictim = victim.inspect(() => {});
  assert.deepEqual(both(victim), [10, 10], "the sender's own inspector hears its messages and commands");
  stopVictim();
  assert.deepEqual(both(victim), [0, 0]);
  const stopFriend = friend.inspect(() => {});
  assert.deepEqual(both(victim), [0, 10], "a receiver's inspector hears the commands it receives, and keeps the messages plain");
  stopFriend();
  assert.deepEqual(both(victim), [0, 0], "a receiver's inspector ended: the fast paths again");
  stop();
  const stopShell = host.inspector.subscribe(() => {});
  assert.deepEqual(both(victim), [10, 10], "the shell's inspector hears every app's");
  stopShell();
  assert.deepEqual(both(victim), [0, 0]);
  assert.equal(heard.length, 80);
  assert.deepEqual([victim, friend].map((a) => a.getState().count), [80, 80]);
  host.dispose();
});
