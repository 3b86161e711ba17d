// A dispatch nothing but the app's own reducer and subscribers can see runs in JavaScript alone
// (App's fast path); its state reaches the module before anything else enters it. These tests run
// the same sequences on a store that takes the fast path and on one that cannot (an inspector
// listening sends every dispatch through the module), and require the same observable result.
import { test } from "node:test";
import assert from "node:assert/strict";
import { changeAtTheStackEdge, counterReducer, deeplyFrozen, errorShape, fromTheStackEdge, initialUser, settle, testHost } from "./helpers.mjs";
import { isTwin } from "../lib/wasm.js";

/** Two hosts, one app each: the first's dispatches take the fast path, the second's the module's. */
async function pair(reducer = counterReducer, initial = initialUser()) {
  const made = [];
  for (const throughModule of [false, true]) {
    const { host, errors } = await testHost();
    if (throughModule) host.inspector.subscribe(() => {});
    const app = host.mount("home");
    const store = app.createStore(structuredClone(initial), reducer);
    made.push({ host, errors, app, store });
  }
  return made;
}

function both(apps, fn) {
  return apps.map((x) => fn(x));
}

test("the same states, notifications and identities with and without the module in the path", async () => {
  const runs = both(await pair(), ({ store, host }) => {
    const seen = [];
    const states = new Set();
    store.subscribe(() => {
      const s = store.getState();
      states.add(s);
      seen.push(s.count);
    });
    const user = store.getState().user;
    for (let i = 0; i < 5; i++) store.dispatch({ type: "INC" });
    store.dispatch({ type: "ADD", payload: 10 });
    store.dispatch({ type: "NOTHING" }); // unchanged: nobody told
    const s = store.getState();
    const out = { seen, count: s.count, frozen: Object.isFrozen(s), sameUser: s.user === user, distinct: states.size, stable: store.getState() === s };
    host.dispose();
    return out;
  });
  assert.deepEqual(runs[0], runs[1]);
  assert.deepEqual(runs[0].seen, [1, 2, 3, 4, 5, 15]);
  assert.equal(runs[0].frozen, true);
  assert.equal(runs[0].sameUser, true, "what the reducer did not touch keeps its identity");
});

test("the state the reducer returned is the state handed out, frozen, and stays that object once the module has it", async () => {
  const { host } = await testHost();
  const app = host.mount("home");
  let made;
  const store = app.createStore({ n: 0, list: [] }, (s, a) => (a.type === "SET" ? (made = { n: a.payload, list: [a.payload] }) : s));
  store.dispatch({ type: "SET", payload: 7 });
  assert.equal(store.getState(), made);
  assert.ok(Object.isFrozen(made) && Object.isFrozen(made.list));
  // Something else enters the module (the state is written there first): still the same object.
  host.mount("other");
  assert.equal(store.getState(), made);
  assert.equal(host.inspect().apps.find((a) => a.name === "home").name, "home");
  assert.equal(store.getState(), made);
  host.dispose();
});

test("dispatches from a subscriber or from the reducer are queued, never recursive, as in the module", async () => {
  const runs = both(await pair(), ({ store, host, errors }) => {
    const order = [];
    store.subscribe(() => {
      const n = store.getState().count;
      order.push(n);
      if (n === 1) {
        store.dispatch({ type: "INC" });
        order.push(`after inner dispatch: ${store.getState().count}`);
      }
    });
    store.dispatch({ type: "INC" });
    const out = { order, count: store.getState().count, errors: errors.map(errorShape) };
    host.dispose();
    return out;
  });
  assert.deepEqual(runs[0], runs[1]);
  assert.deepEqual(runs[0].order, [1, "after inner dispatch: 1", 2]);
});

test("a reducer that dispatches: the dispatch waits for it, then runs before the subscribers hear", async () => {
  const reducer = (s, a) => {
    if (a.type === "FIRST") {
      self.store.dispatch({ type: "SECOND" });
      return { ...s, log: [...s.log, "first"] };
    }
    if (a.type === "SECOND") return { ...s, log: [...s.log, "second"] };
    return s;
  };
  const self = {};
  const runs = [];
  for (const x of await pair(reducer, { log: [] })) {
    self.store = x.store;
    const heard = [];
    x.store.subscribe(() => heard.push([...x.store.getState().log]));
    let thrown;
    try {
      x.store.dispatch({ type: "FIRST" });
    } catch (e) {
      thrown = errorShape(e);
    }
    runs.push({ heard, log: x.store.getState().log, thrown, errors: x.errors.map(errorShape) });
    x.host.dispose();
  }
  assert.deepEqual(runs[0], runs[1]);
  assert.deepEqual(runs[0], { heard: [["first", "second"]], log: ["first", "second"], thrown: undefined, errors: [] });
});

test("the fast path is taken: the module runs nothing for a dispatch no one else can see", async () => {
  const wasm = await import("../lib/wasm.js");
  const [fast, slow] = await pair();
  fast.store.subscribe(() => {});
  slow.store.subscribe(() => {});
  let before = wasm.callbacks;
  fast.store.dispatch({ type: "INC" });
  assert.equal(wasm.callbacks - before, 0);
  before = wasm.callbacks;
  slow.store.dispatch({ type: "INC" });
  assert.ok(wasm.callbacks - before >= 2, "the reducer, the subscription, the inspector's events");
  fast.host.dispose();
  slow.host.dispose();
});

test("what a reducer throws or returns wrongly is reported as through the module, and the state is unchanged", async () => {
  const bad = {
    THROW: () => {
      throw new TypeError("boom");
    },
    UNDEFINED: () => undefined,
    DATE: (s) => ({ ...s, when: new Date(0) }),
    NAN: (s) => ({ ...s, count: NaN }),
    FUNCTION: (s) => ({ ...s, f: () => 1 }),
    DEEP: (s) => {
      let v = {};
      for (let i = 0; i < 600; i++) v = { v };
      return { ...s, v };
    },
    CYCLE: (s) => {
      const o = { ...s };
      o.self = o;
      return o;
    },
  };
  const reducer = (s, a) => (bad[a.type] ? bad[a.type](s) : counterReducer(s, a));
  const runs = both(await pair(reducer), ({ store, host, errors }) => {
    const heard = [];
    store.subscribe(() => heard.push(store.getState().count));
    const thrown = {};
    for (const type of Object.keys(bad)) {
      const before = store.getState();
      try {
        store.dispatch({ type });
      } catch (e) {
        thrown[type] = errorShape(e);
      }
      assert.equal(store.getState(), before, `${type} left the state as it was`);
    }
    store.dispatch({ type: "INC" });
    const out = { thrown, heard, count: store.getState().count, errors: errors.map(errorShape) };
    host.dispose();
    return out;
  });
  assert.deepEqual(runs[0], runs[1]);
  assert.equal(Object.keys(runs[0].thrown).length, Object.keys(bad).length, "every bad action threw");
  assert.deepEqual(runs[0].heard, [1]);
});

test("subscribers that throw: the others run, the shell hears one listener_error, as through the module", async () => {
  const runs = both(await pair(), ({ store, host, errors }) => {
    const calls = [];
    store.subscribe(() => {
      calls.push("a");
      throw new Error("a");
    });
    store.subscribe(() => calls.push("b"));
    store.dispatch({ type: "INC" });
    store.subscribe(() => {
      throw new Error("c");
    });
    store.dispatch({ type: "INC" });
    const out = { calls, errors: errors.map((e) => ({ ...errorShape(e), causes: e.cause?.errors?.map((x) => x.message) })) };
    host.dispose();
    return out;
  });
  assert.deepEqual(runs[0], runs[1]);
  assert.equal(runs[0].errors.length, 2);
  assert.equal(runs[0].errors[0].code, "listener_error");
});

test("another app sees the fast path's state wherever it looks: a command, an export exposed afterwards, a transaction", async () => {
  const { host } = await testHost();
  const home = host.mount("home");
  const profile = host.mount("profile");
  const store = home.createStore(initialUser(), counterReducer);
  home.accept("ADD");
  for (let i = 0; i < 3; i++) store.dispatch({ type: "INC" });
  // A command from another app reduces the state the fast path made.
  profile.send("home", { type: "ADD", payload: 10 });
  assert.equal(store.getState().count, 13);
  store.dispatch({ type: "INC" });
  home.expose("count", (s) => s.count);
  assert.equal(profile.read("home", "count"), 14);
  // With an export, dispatches go through the module: a watcher hears each.
  const watched = [];
  profile.watch("home", "count", (e) => watched.push(e.value));
  store.dispatch({ type: "INC" });
  assert.equal(watched.at(-1), 15);
  home.unexpose("count");
  store.dispatch({ type: "INC" });
  // A transaction that throws undoes what it did, and keeps what the fast path did before it.
  assert.throws(() =>
    home.transaction(() => {
      store.dispatch({ type: "INC" });
      throw new Error("undo");
    }),
  );
  assert.equal(store.getState().count, 16);
  host.dispose();
});

test("while an inspector listens, dispatches go through the module and each is an event", async () => {
  const { host } = await testHost();
  const home = host.mount("home");
  const store = home.createStore(initialUser(), counterReducer);
  store.dispatch({ type: "INC" });
  const events = [];
  const stop = host.inspector.subscribe((e) => events.push(e));
  store.dispatch({ type: "INC" });
  store.dispatch({ type: "ADD", payload: 2 });
  const actions = events.filter((e) => e.kind === "action").map((e) => e.name);
  assert.deepEqual(actions, ["INC", "ADD"], "no sync action shows: the state was written before the inspector subscribed");
  stop();
  const own = [];
  const stopOwn = home.inspect((e) => own.push(e));
  store.dispatch({ type: "INC" });
  assert.deepEqual(own.filter((e) => e.kind === "action").map((e) => e.name), ["INC"]);
  stopOwn();
  store.dispatch({ type: "INC" });
  assert.equal(store.getState().count, 6);
  host.dispose();
});

test("an app unmounted by its own subscriber stops; its state is not written anywhere afterwards", async () => {
  const { host, errors } = await testHost();
  const home = host.mount("home");
  const store = home.createStore(initialUser(), counterReducer);
  store.subscribe(() => {
    if (store.getState().count === 2) home.unmount();
  });
  store.dispatch({ type: "INC" });
  store.dispatch({ type: "INC" });
  assert.equal(home.mounted, false);
  assert.throws(() => store.dispatch({ type: "INC" }), (e) => e.code === "app_unmounted");
  const again = host.mount("home");
  assert.throws(() => again.getState(), (e) => e.code === "no_store");
  assert.deepEqual(errors, []);
  host.dispose();
});

test("a getter in the reducer's result that calls mfstate is refused, as through the module", async () => {
  const { host } = await testHost();
  const other = host.mount("other");
  const app = host.mount("mallory");
  const store = app.createStore({ n: 0 }, (s, a) =>
    a.type === "SET"
      ? {
          get n() {
            other.mounted;
            return 1;
          },
        }
      : s,
  );
  const before = store.getState();
  assert.throws(() => store.dispatch({ type: "SET" }), (e) => e.code === "reducer_error" && e.cause?.code === "refused");
  assert.equal(store.getState(), before);
  assert.equal(other.mounted, true);
  host.dispose();
});

test("an action whose payload or meta cannot cross is refused as through the module, even if the reducer ignores it", async () => {
  const runs = both(await pair((s) => s), ({ store, host }) => {
    const thrown = [];
    for (const action of [
      { type: "X", payload: new Date(0) },
      { type: "X", payload: { f: () => 1 } },
      { type: "X", meta: { n: NaN } },
      { type: "X", payload: [1, 2n] },
    ]) {
      try {
        store.dispatch(action);
        thrown.push(null);
      } catch (e) {
        thrown.push(errorShape(e));
      }
    }
    host.dispose();
    return thrown;
  });
  assert.deepEqual(runs[0], runs[1]);
  assert.ok(runs[0].every((e) => e?.code === "invalid_argument"), JSON.stringify(runs[0]));
});

test("an app whose state fails to reach the module cannot make another app's call throw or lose its state", async () => {
  // A shell whose error handler rethrows, and an attacker whose state reads differently the second time.
  const { host } = await testHost({
    onError: (e) => {
      throw e;
    },
  });
  const attacker = host.mount("attacker");
  const victim = host.mount("victim");
  const vstore = victim.createStore({ n: 0 }, (s, a) => (a.type === "inc" ? { n: s.n + 1 } : s));
  let reads = 0;
  const astore = attacker.createStore({}, (s, a) =>
    a.type === "arm"
      ? {
          get x() {
            return reads++ === 0 ? 1 : 2n;
          },
        }
      : s,
  );
  vstore.getState();
  astore.getState();
  astore.dispatch({ type: "arm" });
  vstore.dispatch({ type: "inc" });
  vstore.dispatch({ type: "inc" });
  // The next call into the module writes both states: the attacker's fails, the victim's call goes on.
  assert.equal(typeof victim.now(), "number");
  assert.deepEqual(vstore.getState(), { n: 2 });
  vstore.dispatch({ type: "inc" });
  victim.now();
  assert.deepEqual(vstore.getState(), { n: 3 });
  host.dispose();
});

// ---- found by an attacker's review of the fast path (each failed before its fix) ----

/** Runs `scenario` on a host whose dispatches take the fast path and on one where they cannot. */
async function bothWays(scenario) {
  const out = [];
  for (const throughModule of [false, true]) {
    const { host, errors } = await testHost();
    if (throughModule) host.inspector.subscribe(() => {});
    out.push(await scenario({ host, errors }));
    host.dispose();
  }
  assert.deepEqual(out[0], out[1]);
  return out[0];
}

test("a call at the edge of the stack cannot make another app's fast-path state be lost", async () => {
  const { host, errors } = await testHost();
  const attacker = host.mount("attacker");
  const victim = host.mount("victim");
  const store = victim.createStore({ n: 0 }, (s, a) => (a.type === "inc" ? { n: s.n + 1 } : s));
  const told = [];
  store.subscribe(() => told.push(store.getState().n));
  store.dispatch({ type: "inc" });
  // The attacker recurses to the stack's limit, then calls in one frame higher each time until it
  // gets through: the victim's pending state is written at whatever depth that happens.
  assert.equal(fromTheStackEdge(() => attacker.now(), 1), 1, "the attacker's call got through at the edge");
  host.platform.now();
  assert.deepEqual(store.getState(), { n: 1 });
  for (let i = 0; i < 3; i++) store.dispatch({ type: "inc" });
  host.platform.now();
  assert.deepEqual(store.getState(), { n: 4 });
  assert.deepEqual(told, [1, 2, 3, 4]);
  assert.deepEqual(errors, []);
  host.dispose();
});

test("replaceReducer from inside the reducer takes effect after the action, as in the module", async () => {
  const r2 = (s, a) => (a.type === "mfstate/replace" ? { ...s, replaced: true } : a.type === "INC" ? { ...s, count: s.count + 100 } : s);
  const out = await bothWays(({ host, errors }) => {
    const app = host.mount("home");
    let done = false;
    const store = app.createStore({ count: 0 }, (s, a) => {
      if (a.type === "INC" && !done) {
        done = true;
        app.replaceReducer(r2);
      }
      return a.type === "INC" ? { ...s, count: s.count + 1 } : s;
    });
    const told = [];
    store.subscribe(() => told.push(JSON.stringify(store.getState())));
    store.dispatch({ type: "INC" });
    host.mount("other");
    store.dispatch({ type: "INC" });
    return { state: store.getState(), told, errors: errors.map((e) => e.code) };
  });
  assert.deepEqual(out.state, { count: 101, replaced: true });
});

test("a replaceReducer that fails leaves the app on the module's path, whatever reducer the module kept", async () => {
  await bothWays(({ host }) => {
    const app = host.mount("home");
    const store = app.createStore({ n: 0 }, (s, a) => (a.type === "INC" ? { n: s.n + 1 } : s));
    let threw;
    try {
      app.replaceReducer((s, a) => {
        if (a.type === "mfstate/replace") throw new Error("not now");
        return a.type === "INC" ? { n: s.n + 100 } : s;
      });
    } catch (e) {
      threw = e.code;
    }
    store.dispatch({ type: "INC" });
    return { threw, n: store.getState().n };
  });
});

test("subscribers of a store changed from another store's reducer or subscriber hear of it after, not inside", async () => {
  const fromSubscriber = await bothWays(({ host }) => {
    const a = host.mount("a");
    const b = host.mount("b");
    const sa = a.createStore({ n: 0 }, (s, x) => (x.type === "INC" ? { n: s.n + 1 } : s));
    const sb = b.createStore({ n: 0 }, (s, x) => (x.type === "INC" ? { n: s.n + 1 } : s));
    const log = [];
    sb.subscribe(() => log.push("b told"));
    sa.subscribe(() => {
      log.push("a listener start");
      sb.dispatch({ type: "INC" });
      log.push("a listener end");
    });
    sa.dispatch({ type: "INC" });
    return log;
  });
  assert.deepEqual(fromSubscriber, ["a listener start", "a listener end", "b told"]);
  const fromReducer = await bothWays(({ host }) => {
    const a = host.mount("a");
    const b = host.mount("b");
    const log = [];
    const sb = b.createStore({ n: 0 }, (s, x) => (x.type === "INC" ? { n: s.n + 1 } : s));
    // (Nothing logged inside the reducer: one that calls mfstate may run twice, see docs/web.md.)
    const sa = a.createStore({ n: 0 }, (s, x) => {
      if (x.type !== "INC") return s;
      sb.dispatch({ type: "INC" });
      return { n: s.n + 1 };
    });
    sb.subscribe(() => log.push("b told"));
    sa.subscribe(() => log.push("a told"));
    sa.dispatch({ type: "INC" });
    log.push(`a ${sa.getState().n}, b ${sb.getState().n}`);
    return log;
  });
  assert.deepEqual(fromReducer, ["b told", "a told", "a 1, b 1"]);
});

test("a subscriber's queued dispatch comes before a command another app sends meanwhile, as in the module", async () => {
  const out = await bothWays(({ host }) => {
    const victim = host.mount("victim");
    const attacker = host.mount("attacker");
    victim.accept("SET");
    victim.declare("victim/changed");
    const store = victim.createStore({ v: "init", step: 0 }, (s, a) =>
      a.type === "SET" ? { ...s, v: a.payload } : a.type === "GO" ? { ...s, step: 1 } : s,
    );
    const told = [];
    store.subscribe(() => {
      told.push(store.getState().v);
      if (store.getState().step === 1 && store.getState().v === "init") {
        store.dispatch({ type: "SET", payload: "mine" });
        victim.emit("victim/changed", 1);
      }
    });
    let sent = false;
    attacker.on("victim/changed", () => {
      if (!sent) {
        sent = true;
        attacker.send("victim", { type: "SET", payload: "attacker" });
      }
    });
    store.dispatch({ type: "GO" });
    return { final: store.getState().v, told };
  });
  assert.equal(out.final, "attacker");
});

test("an app unmounted or a host disposed by the reducer: the dispatch returns, as in the module", async () => {
  for (const how of ["unmount", "dispose"]) {
    await bothWays(({ host }) => {
      const app = host.mount("home");
      const store = app.createStore({ n: 0 }, (s, a) => {
        if (a.type === "BYE") {
          if (how === "unmount") app.unmount();
          else host.dispose();
        }
        return { n: s.n + 1 };
      });
      let threw = null;
      try {
        store.dispatch({ type: "BYE" });
      } catch (e) {
        threw = e.code;
      }
      return { threw, mounted: app.mounted };
    });
  }
});

test("a root state that is not an object goes through the module, which may hand back another value", async () => {
  const out = await bothWays(({ host }) => {
    const store = host.mount("home").createStore(1, (s, a) => (a.type === "NEG0" ? -0 : a.type === "LONE" ? "\uD800" : s));
    const seen = [];
    store.subscribe(() => seen.push(store.getState()));
    store.dispatch({ type: "NEG0" });
    store.dispatch({ type: "LONE" });
    return { seen: seen.map((v) => (Object.is(v, -0) ? "-0" : v)), last: store.getState() };
  });
  assert.deepEqual(out.seen, [0, "\uFFFD"]);
});

test("a Proxy whose freezing fails is never taken for checked state", async () => {
  await bothWays(({ host }) => {
    const store = host.mount("home").createStore({ n: 0 }, (s, a) =>
      a.type === "PROXY" ? new Proxy({ n: 1 }, { preventExtensions: () => false }) : s,
    );
    const codes = [];
    for (let i = 0; i < 2; i++) {
      try {
        store.dispatch({ type: "PROXY" });
      } catch (e) {
        codes.push(e.code);
      }
    }
    return { codes, state: store.getState(), frozen: Object.isFrozen(store.getState()) };
  });
});

test("a reducer that calls mfstate (here a command to its own store) runs through the module: the command comes after the action, sent once", async () => {
  const out = await bothWays(({ host }) => {
    const app = host.mount("home");
    const other = host.mount("other");
    app.accept("BUMP");
    // Decided from the state (a reducer run again decides the same): the first GO sends a command.
    const store = app.createStore({ n: 0, log: [] }, (s, a) => {
      if (a.type === "GO" && s.n === 0) other.send("home", { type: "BUMP" });
      if (a.type === "GO" || a.type === "BUMP") return { n: s.n + 1, log: [...s.log, a.type] };
      return s;
    });
    const told = [];
    store.subscribe(() => told.push(store.getState().n));
    store.dispatch({ type: "GO" });
    store.dispatch({ type: "NOTHING" });
    other.now();
    store.dispatch({ type: "GO" });
    return { state: store.getState(), told };
  });
  assert.equal(out.state.n, 3);
});

test("a subscriber's plain message, command and own dispatch come after its round, in the module's order", async () => {
  const order = await bothWays(({ host }) => {
    const order = [];
    const mk = (name) => {
      const app = host.mount(name);
      app.createStore({ count: 0 }, (s, a) => (a.type === "INC" ? { count: s.count + 1 } : a.type === "ADD" ? { count: s.count + a.payload } : s));
      return app;
    };
    const [home, cart, profile] = [mk("home"), mk("cart"), mk("profile")];
    cart.accept("ADD");
    profile.on("home/said", (p) => order.push(`profile heard ${p}`));
    home.subscribe(() => {
      const n = home.getState().count;
      order.push(`home told ${n}`);
      if (n === 1) {
        home.emit("home/said", n);
        home.dispatch({ type: "ADD", payload: 10 });
        home.send("cart", { type: "ADD", payload: 100 });
        order.push("home's subscriber done");
      }
    });
    cart.subscribe(() => order.push(`cart told ${cart.getState().count}`));
    home.dispatch({ type: "INC" });
    return order;
  });
  assert.deepEqual(order, ["home told 1", "home's subscriber done", "profile heard 1", "cart told 100", "home told 11"]);
});


test("a new state's parts, whatever the package knows of them: twins, parts checked before, a twin no longer current, an earlier state", async () => {
  const returned = [];
  let stale;
  const out = await bothWays(({ host }) => {
    const app = host.mount("home");
    let initialUserPart, keptList, earlier, initialState;
    const store = app.createStore({ n: 0, user: { name: "a" }, list: [1, 2] }, (s, a) => {
      let next = s;
      if (a.type === "INC") next = { ...s, n: s.n + 1 };
      else if (a.type === "NEW_LIST") next = { ...s, list: [3, { deep: [4] }] };
      else if (a.type === "DROP_USER") next = { n: s.n, list: s.list };
      else if (a.type === "OLD_USER") next = { ...s, user: initialUserPart };
      else if (a.type === "EARLIER") next = earlier;
      else if (a.type === "INITIAL") next = initialState;
      returned.push(next);
      return next;
    });
    const seen = [];
    store.subscribe(() => seen.push(store.getState()));
    initialState = store.getState();
    initialUserPart = initialState.user; // a twin: the module handed it out
    store.dispatch({ type: "INC" }); // a new root whose parts are twins
    store.dispatch({ type: "INITIAL" }); // a root that is a twin, current
    store.dispatch({ type: "INC" });
    store.dispatch({ type: "NEW_LIST" }); // a new part, walked
    keptList = store.getState().list;
    store.dispatch({ type: "INC" }); // a part made by an earlier dispatch, kept
    earlier = store.getState();
    store.dispatch({ type: "DROP_USER" });
    // Enters the module (the state is written there), and an unmount sweeps the nodes nothing holds
    // but their twins: the user part's is one.
    host.mount("other").unmount();
    const staleBefore = !isTwin(initialUserPart);
    store.dispatch({ type: "OLD_USER" }); // a twin no longer current, walked
    store.dispatch({ type: "INC" });
    store.dispatch({ type: "EARLIER" }); // a state made before, as it is
    store.dispatch({ type: "INC" });
    host.mount("third"); // and everything written into the module
    stale ??= staleBefore;
    const s = store.getState();
    return {
      values: seen.map((x) => structuredClone(x)),
      frozen: seen.every(deeplyFrozen),
      listKept: s.list === keptList && seen[4].list === keptList,
      state: structuredClone(s),
    };
  });
  assert.equal(stale, true, "the scenario reached a twin no longer current");
  assert.equal(out.frozen, true);
  assert.equal(out.listKept, true);
  assert.deepEqual(out.state, { n: 3, list: [3, { deep: [4] }], user: { name: "a" } });
  assert.deepEqual(out.values.map((x) => x.n), [1, 0, 1, 1, 2, 2, 2, 3, 2, 3]);
});

test("on the fast path each state handed out is the object the reducer returned, whatever the package knew of its parts", async () => {
  const { host } = await testHost();
  const app = host.mount("home");
  let initialUserPart, earlier, returned;
  const store = app.createStore({ n: 0, user: { name: "a" }, list: [1] }, (s, a) => {
    if (a.type === "INC") returned = { ...s, n: s.n + 1 };
    else if (a.type === "DROP_USER") returned = { n: s.n, list: s.list };
    else if (a.type === "OLD_USER") returned = { ...s, user: initialUserPart };
    else if (a.type === "EARLIER") returned = earlier;
    else if (a.type === "INITIAL") returned = initial;
    else return s;
    return returned;
  });
  const initial = store.getState();
  initialUserPart = initial.user;
  store.dispatch({ type: "INC" });
  store.dispatch({ type: "INITIAL" });
  assert.equal(store.getState(), initial);
  assert.equal(isTwin(initial), true, "a current twin returned as the state stays a twin");
  for (const type of ["INC", "DROP_USER"]) {
    store.dispatch({ type });
    assert.equal(store.getState(), returned);
  }
  earlier = store.getState();
  host.mount("other").unmount(); // the user part's node swept (see above)
  assert.equal(isTwin(initialUserPart), false, "no longer current");
  for (const type of ["OLD_USER", "INC", "EARLIER", "INC"]) {
    store.dispatch({ type });
    assert.equal(store.getState(), returned, type);
    assert.ok(deeplyFrozen(returned), type);
    if (type === "OLD_USER") assert.equal(store.getState().user, initialUserPart, "the part once a twin, kept as it is");
  }
  host.dispose();
});

test("a dispatch at the edge of the stack cannot change the state and leave its subscribers untold", async (t) => {
  // As review-broadcast.test.mjs's sender at the edge, for a store's own dispatch: called from one
  // frame higher each time until a call changed the state but threw (stack for the reducer, not for
  // telling). By the end of the turn the subscribers have been told the last state (or the shell
  // that telling them failed), and the store still works.
  let hits = 0;
  for (let subs = 1; subs <= 3; subs++) {
    for (let pad = 0; pad < 4; pad++) {
      const { host, errors } = await testHost();
      const app = host.mount("victim");
      const store = app.createStore({ n: 0 }, (s, a) => (a.type === "inc" ? { n: s.n + 1 } : s));
      const told = [];
      for (let i = 0; i < subs; i++) store.subscribe(() => told.push(store.getState().n));
      store.dispatch({ type: "inc" });
      if (changeAtTheStackEdge(pad, () => store.dispatch({ type: "inc" }), () => store.getState().n)) hits++;
      await settle();
      const n = store.getState().n;
      const heard = told.at(-1) === n || errors.some((e) => e.code === "listener_error");
      assert.ok(heard, `${subs} subscribers, padding ${pad}: told of ${told.at(-1)}, state ${n}`);
      store.dispatch({ type: "inc" });
      assert.equal(told.at(-1), n + 1);
      host.dispose();
    }
  }
  // How many reached such a call depends on what V8 compiled (0 to 10 of 12 on the machine this was
  // written on: run it a few times when changing the fast path's telling).
  t.diagnostic(`${hits} of 12 configurations changed the state in a call that threw`);
  // Reported as skipped, not passed, when V8's compilation let no configuration reach the edge.
  if (hits === 0) t.skip("no configuration changed the state in a call that threw");
});

test("an earlier state returned again is the state as it is, whatever its getters answer by now", async () => {
  // A state the fast path checked keeps an accessor as the reducer made it (frozen, not copied).
  // Returned again, the check may read it again: what it answers then (a throw, a function) does
  // not refuse a state already checked.
  const { host, errors } = await testHost();
  const app = host.mount("home");
  let reads = 0;
  let earlier;
  const withGetter = () => {
    const o = { n: 1 };
    Object.defineProperty(o, "g", {
      enumerable: true,
      get() {
        reads++;
        if (reads > 1) throw new Error("not any more");
        return 7;
      },
    });
    return o;
  };
  const store = app.createStore({ n: 0 }, (s, a) => (a.type === "GETTER" ? withGetter() : a.type === "INC" ? { n: s.n + 1 } : a.type === "EARLIER" ? earlier : s));
  store.dispatch({ type: "GETTER" });
  earlier = store.getState();
  assert.ok(Object.isFrozen(earlier));
  store.dispatch({ type: "INC" });
  store.dispatch({ type: "EARLIER" });
  assert.equal(store.getState(), earlier);
  assert.deepEqual(errors, []);
  host.dispose();
});
