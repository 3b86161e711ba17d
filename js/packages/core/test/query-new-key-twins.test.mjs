// setQueryData of a key the client has not seen: the data it returns is the frozen copy the package
// made while writing it (writeKeyAndTwinnedData), tied to the nodes the module built. That copy must
// be exactly what the module holds, and behave as every other value handed out.
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertDeepFrozen, testHost } from "./helpers.mjs";
import { liveTwins } from "../lib/wasm.js";

async function twoApps() {
  const { host } = await testHost();
  const home = host.mount("home").queryClient;
  const profile = host.mount("profile").queryClient;
  return { host, home, profile };
}


test("a new key's data is a deeply frozen copy, the one every reader then gets", async () => {
  const { host, home, profile } = await twoApps();
  const mine = { userId: 7, name: "John Doe", roles: ["admin", { scope: "all" }] };
  const got = home.setQueryData(["user", { id: 7 }], mine);
  assert.notEqual(got, mine);
  assert.notEqual(got.roles, mine.roles);
  assert.ok(!Object.isFrozen(mine), "the caller's object is left as it was");
  assert.deepEqual(got, mine);
  assertDeepFrozen(got);
  assert.equal(home.getQueryData(["user", { id: 7 }]), got);
  assert.equal(profile.getQueryData(["user", { id: 7 }]), got);
  assert.deepEqual(home.getQueryState(["user", { id: 7 }]).data, got);
  mine.roles.push("more");
  mine.name = "changed";
  assert.deepEqual(profile.getQueryData(["user", { id: 7 }]), { userId: 7, name: "John Doe", roles: ["admin", { scope: "all" }] });
  host.dispose();
});

test("a new key's data is what the module holds: -0 as 0, a lone surrogate as U+FFFD", async () => {
  const { host, home, profile } = await twoApps();
  const got = home.setQueryData(["odd", 1], { zero: -0, list: [-0, 1.5], ["k\uD800"]: "v\uDC00" });
  assert.ok(Object.is(got.zero, 0), "-0 comes back as 0");
  assert.ok(Object.is(got.list[0], 0));
  assert.deepEqual(Object.keys(got), ["zero", "list", "k\uFFFD"]);
  assert.equal(got["k\uFFFD"], "v\uFFFD");
  // The module's own spelling, decoded: the same.
  const state = profile.getQueryState(["odd", 1]);
  assert.deepEqual(state.data, got);
  assert.ok(Object.is(state.data.zero, 0));
  host.dispose();
});

test("data read through getters is read once: the copy handed back and the module's agree", async () => {
  const { host, home, profile } = await twoApps();
  let reads = 0;
  const data = {
    get n() {
      return ++reads;
    },
    nested: {
      get m() {
        return reads * 10;
      },
    },
  };
  const got = home.setQueryData(["getters"], data);
  assert.equal(reads, 1);
  assert.deepEqual(got, { n: 1, nested: { m: 10 } });
  assert.deepEqual(profile.getQueryState(["getters"]).data, got);
  assert.equal(Object.getOwnPropertyDescriptor(got, "n").get, undefined, "a plain member, not the getter");
  host.dispose();
});

test("data holding values handed out before keeps their identity", async () => {
  const { host, home, profile } = await twoApps();
  const user = home.setQueryData(["user", 1], { name: "Ada", tags: ["x"] });
  const page = profile.setQueryData(["page", 1], { owner: user, tags: user.tags, extra: { n: 1 } });
  assert.equal(page.owner, user);
  assert.equal(page.tags, user.tags);
  assert.equal(home.getQueryData(["page", 1]), page);
  assertDeepFrozen(page);
  host.dispose();
});

test("a refused write of a new key caches nothing and leaves no twin behind", async () => {
  const { host, home } = await twoApps();
  home.setQueryData(["warm"], { a: 1 });
  const before = liveTwins();
  // The last two finish copies of their first parts (twins-to-be) before the refused part.
  const refused = [{ a: { b: [1, 2n] } }, { when: new Date(0) }, { f() {} }, [1, [Infinity]], { kept: { x: 1 }, bad: 2n }, [{ x: 1 }, 2n]];
  for (const bad of refused) {
    assert.throws(() => home.setQueryData(["bad", 1], bad), { name: "MfstateError" });
    assert.equal(home.getQueryData(["bad", 1]), undefined);
  }
  const ok = home.setQueryData(["bad", 1], { fine: [1, { two: 2 }] });
  assert.deepEqual(ok, { fine: [1, { two: 2 }] });
  assert.equal(home.getQueryData(["bad", 1]), ok);
  // The good write's two arrays/objects and its root: nothing from the refused ones.
  assert.ok(liveTwins() <= before + 3, `live twins ${before} -> ${liveTwins()}`);
  host.dispose();
});
