// A receiving app's own inspector against another app's emits. Of a message it receives, an app's
// inspector hears only its listeners' errors (an `error` event naming it); yet while it lived every
// emit that reached it left the fast path for the module, to make events that came only when a
// listener threw: one app subscribed to "**" that inspected itself sent every emit of every app
// through the module. The message now goes plain, and a listener's throw is told to the module
// then, which makes the very event (and hands the handler the very error) its path makes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { testHost, throughModule } from "./helpers.mjs";

/** The receiver's events and the handler's errors of one failing emit by `sender`. */
function oneFailure(host, errors, sender, events) {
  events.length = 0;
  errors.length = 0;
  sender.emit("sender/said", { fail: true });
  host.advanceTime(0);
  return {
    events: events.map(({ time, ...rest }) => rest),
    errors: errors.map((e) => ({ code: e.code, message: e.message, cause: e.cause })),
  };
}

test("a receiver's own inspector keeps another app's emits plain, and hears its listener's throw as the module's path tells it", async () => {
  const { host, errors } = await testHost();
  const sender = host.mount("sender");
  const receiver = host.mount("receiver");
  const boom = new Error("boom");
  const heard = [];
  receiver.on("**", (p) => {
    heard.push(p);
    if (p.fail) throw boom;
  });
  const events = [];
  const stop = receiver.inspect((e) => events.push(e));
  const emits = () => throughModule(() => {
    for (let i = 0; i < 10; i++) sender.emit("sender/said", { n: i });
  }, "mfs_app_emit");
  assert.equal(emits(), 0, "the receiver's inspector sent another app's emits through the module");
  assert.equal(heard.length, 10);
  host.advanceTime(0);
  assert.deepEqual(events, [], "a message delivered without a throw is no event of the receiver's");

  // A throw on the plain path, against one on the module's (the sender inspecting itself).
  const plain = oneFailure(host, errors, sender, events);
  const stopSender = sender.inspect(() => {});
  const viaModule = oneFailure(host, errors, sender, events);
  stopSender();
  assert.equal(plain.events.length, 1);
  assert.equal(plain.events[0].kind, "error");
  assert.equal(plain.events[0].app, "receiver");
  assert.equal(plain.events[0].code, "listener_error");
  assert.match(plain.events[0].detail, /a subscriber of topic "sender\/said" in app "receiver" threw: boom/);
  assert.deepEqual(plain.events, viaModule.events);
  assert.equal(plain.errors.length, 1);
  assert.equal(plain.errors[0].cause, boom, "the handler's error carries what the listener threw");
  assert.deepEqual(plain.errors, viaModule.errors);

  // Not inspecting: the throw goes to the handler alone, and the module is not called for it.
  stop();
  errors.length = 0;
  assert.equal(throughModule(() => sender.emit("sender/said", { fail: true }), "mfs_app_listener_threw"), 0);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].cause, boom);
  host.dispose();
});

test("a receiver that unmounts itself in its throwing listener is still reported, once", async () => {
  const { host, errors } = await testHost();
  const sender = host.mount("sender");
  const receiver = host.mount("receiver");
  const events = [];
  receiver.inspect((e) => events.push(e));
  receiver.on("sender/said", () => {
    receiver.unmount();
    throw new Error("gone");
  });
  sender.emit("sender/said", 1);
  host.advanceTime(0);
  assert.equal(errors.filter((e) => e.code === "listener_error").length, 1);
  assert.match(errors.find((e) => e.code === "listener_error").message, /in app "receiver" threw: gone/);
  host.dispose();
});
