// What was read inside a transaction the module rolled back. The package keeps the last state and
// export values it read until the module next runs (an epoch): a transaction that threw ran the
// module and undid its work, but nothing moved the epoch after the undo, so a state read inside
// kept being answered. A hostile app ("mallory") whose transaction sends a command, and throws
// after the victim's handler dispatched and looked at its own state, left the victim's getState
// answering the undone state, its subscribers untold, and the victim's next dispatch wrote the
// undone change back into the module for every app to read: the rollback did not hold.
import { test } from "node:test";
import assert from "node:assert/strict";
import { testHost } from "./helpers.mjs";

const counter = (prefix) => (s, a) => (a.type === prefix + "/inc" ? { n: s.n + 1 } : s);

async function page() {
  const { host, errors } = await testHost();
  const profile = host.mount("profile");
  const mallory = host.mount("mallory");
  profile.createStore({ n: 0 }, counter("profile"));
  mallory.createStore({ n: 0 }, counter("mallory"));
  const told = [];
  profile.subscribe(() => told.push(profile.getState().n));
  return { host, errors, profile, mallory, told };
}

/** What every other app reads of `app`'s state: the module's. */
function othersRead(host, app, name) {
  app.expose("n", (s) => s.n);
  const reader = host.mount("reader");
  const value = reader.read(name, "n");
  reader.unmount();
  return value;
}

test("a victim's handler that dispatches and reads its state inside another app's transaction that throws: the rollback holds", async () => {
  const { host, profile, mallory, told } = await page();
  const seen = [];
  profile.accept("profile/credit", {
    handler: () => {
      profile.dispatch({ type: "profile/inc" });
      seen.push(profile.getState().n);
    },
  });
  assert.throws(
    () =>
      mallory.transaction(() => {
        mallory.send("profile", { type: "profile/credit" });
        throw new RangeError("undo");
      }),
    RangeError,
  );
  assert.deepEqual(seen, [1], "inside, the handler saw its own dispatch");
  assert.equal(profile.getState().n, 0, "the rollback undid it: getState says so");
  assert.deepEqual(told, [], "and no subscriber was told of it");
  profile.dispatch({ type: "profile/inc" });
  assert.equal(profile.getState().n, 1, "the next dispatch starts from the undone state, not the rolled-back one");
  assert.deepEqual(told, [1]);
  assert.equal(othersRead(host, profile, "profile"), 1, "what every other app reads agrees");
  host.dispose();
});

test("the shell's transaction: an app's state read inside is not answered once the transaction threw", async () => {
  const { host, profile, told } = await page();
  assert.throws(() =>
    host.transaction(() => {
      profile.dispatch({ type: "profile/inc" });
      assert.equal(profile.getState().n, 1);
      throw new Error("undo");
    }),
  );
  assert.equal(profile.getState().n, 0);
  profile.dispatch({ type: "profile/inc" });
  assert.equal(profile.getState().n, 1);
  assert.deepEqual(told, [1]);
  assert.equal(othersRead(host, profile, "profile"), 1);
  host.dispose();
});

test("an app's own transaction, and a nested one: what the enclosing body reads after an inner rollback is the module's", async () => {
  const { host, mallory } = await page();
  assert.throws(() =>
    mallory.transaction(() => {
      mallory.dispatch({ type: "mallory/inc" });
      mallory.getState();
      throw new Error("undo");
    }),
  );
  assert.equal(mallory.getState().n, 0);
  const inner = [];
  mallory.transaction(() => {
    mallory.dispatch({ type: "mallory/inc" }); // kept
    try {
      mallory.transaction(() => {
        mallory.dispatch({ type: "mallory/inc" });
        inner.push(mallory.getState().n);
        throw new Error("inner undo");
      });
    } catch {
      // the enclosing transaction goes on
    }
    inner.push(mallory.getState().n);
  });
  assert.deepEqual(inner, [2, 1]);
  assert.equal(mallory.getState().n, 1);
  assert.equal(othersRead(host, mallory, "mallory"), 1);
  host.dispose();
});

test("another app's export read inside a transaction that threw is read again, not answered from before the undo", async () => {
  const { host, profile, mallory } = await page();
  profile.accept("profile/inc");
  profile.expose("n", (s) => s.n);
  let inside;
  assert.throws(() =>
    mallory.transaction(() => {
      mallory.send("profile", { type: "profile/inc" });
      inside = mallory.read("profile", "n");
      throw new Error("undo");
    }),
  );
  assert.equal(inside, 1);
  assert.equal(mallory.read("profile", "n"), 0);
  assert.equal(profile.getState().n, 0);
  host.dispose();
});
