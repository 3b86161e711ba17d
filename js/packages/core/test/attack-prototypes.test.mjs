// A hostile app against the package's own classes: every app reaches App.prototype from its own
// handle (and Host.prototype, QueryClient.prototype, … from what it holds). A method replaced there
// would run with `this` = another app's handle (or the shell's host) on that app's next call: a
// stolen capability. And an own member defined on a handle the shell gave a remote would answer
// the shell's later calls on it (an unmount that does nothing). Both are refused: the package's
// classes and its Host and App handles are frozen.
import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";
import * as mfstate from "@mfstate/core";

const { createHost, QueryObserver, MutationObserver } = mfstate;

let host;
beforeEach(async () => {
  host = await createHost({ clock: "manual" });
});
afterEach(() => host.dispose());

/** Each object on `value`'s prototype chain below Object.prototype (and Error.prototype). */
function chainOf(value) {
  const chain = [];
  for (let p = Object.getPrototypeOf(value); p && p !== Object.prototype && p !== Error.prototype; p = Object.getPrototypeOf(p)) {
    chain.push(p);
  }
  return chain;
}

test("a method an app replaces on App.prototype never runs as another app", () => {
  "use strict";
  const mallory = host.mount("mallory");
  const victim = host.mount("victim");
  victim.createStore({ n: 0 }, (state, action) => (action.type === "inc" ? { n: state.n + 1 } : state));
  const stolen = [];
  const proto = Object.getPrototypeOf(mallory);
  const dispatch = proto.dispatch;
  assert.throws(() => {
    proto.dispatch = function (action) {
      stolen.push(this);
      return dispatch.call(this, action);
    };
  }, TypeError);
  assert.throws(() => Object.defineProperty(proto, "name", { get: () => "victim" }), TypeError);
  victim.dispatch({ type: "inc" });
  assert.deepEqual(victim.getState(), { n: 1 });
  assert.deepEqual(stolen, []);
  assert.equal(Object.getPrototypeOf(mallory).dispatch, dispatch);
});

test("Host.prototype cannot be changed to catch the shell's host on its next call", () => {
  "use strict";
  const mallory = host.mount("mallory");
  // A remote reaches Host only through the package's exports (it holds no host).
  assert.throws(() => {
    mfstate.Host.prototype.mount = function () {
      throw new Error("caught the host");
    };
  }, TypeError);
  assert.equal(host.mount("later").name, "later");
  assert.equal(mallory.name, "mallory");
});

test("every class whose objects an app holds is frozen, with its prototypes", async () => {
  const app = host.mount("home");
  const store = app.createStore({ n: 0 }, (s) => s);
  await app.queryClient.fetchQuery({ queryKey: ["k"], queryFn: () => 1 });
  const observer = new QueryObserver(app.queryClient, { queryKey: ["k"] });
  const mutations = new MutationObserver(app.queryClient, { mutationFn: async () => 1 });
  await mutations.mutate();
  const reached = {
    host, app, store, client: app.queryClient, shellClient: host.queryClient, cache: app.queryClient.getQueryCache(),
    mutationCache: app.queryClient.getMutationCache(), observer, mutationObserver: mutations,
    mutation: app.queryClient.getMutationCache().getAll()[0],
    error: (() => {
      try {
        app.read("nobody", "x");
      } catch (e) {
        return e;
      }
    })(),
  };
  for (const [name, value] of Object.entries(reached)) {
    for (const proto of chainOf(value)) {
      assert.ok(Object.isFrozen(proto), `${name}: ${proto.constructor?.name}.prototype is frozen`);
      assert.ok(Object.isFrozen(proto.constructor), `${name}: ${proto.constructor?.name} is frozen`);
    }
  }
  for (const [name, value] of Object.entries(mfstate)) {
    if (typeof value === "function" && /^class\b/.test(Function.prototype.toString.call(value))) {
      assert.ok(Object.isFrozen(value.prototype), `the exported class ${name}'s prototype is frozen`);
    }
  }
});

test("a remote cannot define its own members on the App handle the shell gave it", () => {
  "use strict";
  const home = host.mount("home");
  home.createStore({ n: 0 }, (s) => s);
  assert.throws(() => Object.defineProperty(home, "unmount", { value: () => {} }), TypeError);
  assert.throws(() => {
    home.name = "profile";
  }, TypeError);
  assert.throws(() => Object.defineProperty(host, "mount", { value: () => {} }), TypeError);
  // The shell's unmount still unmounts.
  home.unmount();
  assert.throws(() => home.getState(), (e) => e.code === "app_unmounted");
});

test("an app cannot shadow its own mutation's state to mislead the shell's MutationCache", async () => {
  "use strict";
  const app = host.mount("mallory");
  const observer = new MutationObserver(app.queryClient, {
    mutationFn: async () => {
      throw new Error("refused by the server");
    },
  });
  await observer.mutate().catch(() => {});
  const [mine] = app.queryClient.getMutationCache().getAll();
  // The shell lists the same Mutation object: a forged own `state` would be what it reads.
  assert.throws(() => Object.defineProperty(mine, "state", { value: { status: "success", data: "ok" } }), TypeError);
  assert.throws(() => Object.defineProperty(mine, "options", { value: {} }), TypeError);
  const [seen] = host.queryClient.getMutationCache().getAll();
  assert.equal(seen, mine);
  assert.equal(seen.state.status, "error");
  assert.equal(seen.state.error.message, "refused by the server");
});
