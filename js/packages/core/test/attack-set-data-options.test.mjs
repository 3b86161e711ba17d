// setQueryData's `updatedAt` is a time in milliseconds: anything else is refused with its name and
// nothing is written, in an app's client and the shell's. It was taken as "now" when not a number
// (a string, an object, true), and 1e300 as a time past any other (never stale for every app that
// reads the key); NaN and Infinity were refused as if the data were not JSON ("at the root"). And
// only the caller's own member counts: an `updatedAt` a hostile app planted on Object.prototype
// was the write time of every other app's setQueryData that passed no options.
import { test } from "node:test";
import assert from "node:assert/strict";
import { testHost } from "./helpers.mjs";

const NOW = 1_000_000;
const BAD = ["soon", {}, true, NaN, Infinity, -Infinity, 1e300, -1e300, 2 ** 53];

for (const who of ["an app's client", "the shell's client"]) {
  test(`${who}: an updatedAt that is no time in milliseconds is refused, naming it, and nothing is written`, async () => {
    const { host } = await testHost();
    const app = host.mount("app");
    const client = who === "the shell's client" ? host.queryClient : app.queryClient;
    client.setQueryData(["k"], { v: 1 }, { updatedAt: NOW - 10 });
    for (const updatedAt of BAD) {
      let called = false;
      const updater = () => {
        called = true;
        return { v: 2 };
      };
      for (const [key, data] of [[["k"], updater], [["new", String(updatedAt)], { v: 3 }]]) {
        assert.throws(() => client.setQueryData(key, data, { updatedAt }), (e) => {
          assert.equal(e.code, "invalid_argument", String(updatedAt));
          assert.match(e.message, /updatedAt/);
          return true;
        });
      }
      assert.equal(called, false, "the updater does not run");
      assert.deepEqual(client.getQueryData(["k"]), { v: 1 });
      assert.equal(client.getQueryState(["k"]).dataUpdatedAt, NOW - 10);
      assert.equal(client.getQueryState(["new", String(updatedAt)]), undefined, String(updatedAt));
      assert.throws(() => client.setQueriesData({ queryKey: ["k"] }, { v: 4 }, { updatedAt }), /updatedAt/);
      assert.deepEqual(client.getQueryData(["k"]), { v: 1 });
    }
    // What query-core takes still works: a number, null or undefined (now), no options.
    client.setQueryData(["k"], { v: 5 }, { updatedAt: NOW - 3 });
    assert.equal(client.getQueryState(["k"]).dataUpdatedAt, NOW - 3);
    client.setQueryData(["k"], { v: 6 }, { updatedAt: undefined });
    assert.equal(client.getQueryState(["k"]).dataUpdatedAt, NOW);
    client.setQueryData(["k"], { v: 7 }, null);
    assert.deepEqual(client.getQueryData(["k"]), { v: 7 });
    host.dispose();
  });
}

test("an updatedAt planted on Object.prototype is no other app's write time", async () => {
  const { host } = await testHost();
  const mallory = host.mount("mallory");
  const victim = host.mount("victim");
  mallory.queryClient.setQueryData(["warm"], 1);
  // Mallory makes every later write look as if made in the far future: never stale, never refetched.
  Object.defineProperty(Object.prototype, "updatedAt", { value: 8e15, configurable: true, writable: true });
  try {
    victim.queryClient.setQueryData(["cart"], { items: 1 });
    host.queryClient.setQueryData(["route"], "/home");
  } finally {
    delete Object.prototype.updatedAt;
  }
  assert.equal(victim.queryClient.getQueryState(["cart"]).dataUpdatedAt, NOW);
  assert.equal(host.queryClient.getQueryState(["route"]).dataUpdatedAt, NOW);
  host.dispose();
});
