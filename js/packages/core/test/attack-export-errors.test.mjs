// A consumer reading another app's export whose selector throws learns that it threw, not what:
// the message of what the producer's selector threw may carry the producer's state, and its code
// is whatever the producer chose. Before, mallory.read("victim", "x") threw
// "the selector of export victim/x threw: bad token s3cret" with the victim's code. The shell's error
// sink gets the detail and the very thrown value (once per failed memo), and the producer itself
// reading its own export gets what it threw.
import { test } from "node:test";
import assert from "node:assert/strict";
import { testHost } from "./helpers.mjs";

test("another app's read of an export whose selector threw gets none of what it threw; the sink gets it", async () => {
  const { host, errors } = await testHost();
  const victim = host.mount("victim");
  const mallory = host.mount("mallory");
  const store = victim.createStore({ token: "s3cret", n: 0 }, (s, a) => (a.type === "INC" ? { ...s, n: s.n + 1 } : s));
  let thrown;
  victim.expose("x", (s) => {
    if (s.n > 0) {
      thrown = Object.assign(new Error(`bad token ${s.token}`), { code: "unknown_app" });
      throw thrown;
    }
    return s.n;
  });
  assert.equal(mallory.read("victim", "x"), 0);
  store.dispatch({ type: "INC" });
  for (const reader of [mallory, host.platform, mallory]) {
    assert.throws(() => reader.read("victim", "x"), (e) => {
      assert.equal(e.code, "listener_error");
      assert.doesNotMatch(e.message, /s3cret/);
      assert.match(e.message, /victim\/x/);
      assert.equal(e.cause, undefined);
      return true;
    });
  }
  assert.equal(errors.length, 1, errors.map((e) => e.message).join("; "));
  assert.match(errors[0].message, /bad token s3cret/);
  assert.equal(errors[0].cause, thrown);
  // The producer's own read: its own detail.
  assert.throws(() => victim.read("victim", "x"), /bad token s3cret/);
  host.dispose();
});
