// A broadcast that nothing but its receivers' reducers and subscribers can observe (each accepts
// the type without a handler or a payload schema, has a store on its fast path, and no inspector
// listens) runs in JavaScript (App.broadcast's fast path). These tests run the same sequences on a
// host where broadcasts take that path and on one where they cannot (an inspector listening sends
// every broadcast through the module), and require the same observable result: who receives what,
// in which order, the states, who is told, what reducers and subscribers cause, and the errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { attempt, counterApps, counterReducer, initialUser, sameOnBothPaths, testHost } from "./helpers.mjs";

test("the receivers in the module's order, the sender included, each store's subscribers told once after all", async () => {
  const { result } = await sameOnBothPaths(({ host }) => {
    const order = [];
    const [cart, home, profile, other] = counterApps(host, ["cart", "home", "profile", "other"]);
    home.accept("INC");
    cart.accept("INC");
    profile.acceptAll(); // after the acceptors of the type
    home.accept("INC"); // accepting again keeps its place
    for (const app of [cart, home, profile, other]) {
      app.subscribe(() => order.push(`${app.name} told ${app.getState().count} (home at ${home.getState().count}, cart at ${cart.getState().count})`));
    }
    const reached = [profile.broadcast({ type: "INC" }), other.broadcast({ type: "INC" }), other.broadcast({ type: "NOTHING" })];
    return { order, reached, counts: [cart, home, profile, other].map((a) => a.getState().count) };
  });
  assert.deepEqual(result.reached, [3, 3, 1]);
  assert.deepEqual(result.counts, [2, 2, 2, 0]);
  assert.deepEqual(result.order, [
    "home told 1 (home at 1, cart at 1)",
    "cart told 1 (home at 1, cart at 1)",
    "profile told 1 (home at 1, cart at 1)",
    "home told 2 (home at 2, cart at 2)",
    "cart told 2 (home at 2, cart at 2)",
    "profile told 2 (home at 2, cart at 2)",
  ]);
});

test("the fast path is taken: the module runs nothing for a broadcast no one else can observe", async () => {
  const wasm = await import("../lib/wasm.js");
  for (const throughModule of [false, true]) {
    const { host } = await testHost();
    if (throughModule) host.inspector.subscribe(() => {});
    const apps = counterApps(host, ["home", "profile"]);
    for (const a of apps) {
      a.accept("INC");
      a.subscribe(() => {});
    }
    apps[1].broadcast({ type: "INC" });
    const before = wasm.callbacks;
    apps[1].broadcast({ type: "INC" });
    if (throughModule) assert.ok(wasm.callbacks - before >= 4, "two reducers, two notifications, the inspector's events");
    else assert.equal(wasm.callbacks - before, 0);
    assert.deepEqual(apps.map((a) => a.getState().count), [2, 2]);
    host.dispose();
  }
});

test("each receiver gets a frozen copy of the action: the sender's object stays its own and unfrozen", async () => {
  const { result } = await sameOnBothPaths(({ host }) => {
    const [home, cart] = counterApps(host, ["home", "cart"], [], (s, a) => (a.type === "KEEP" ? { ...s, kept: a.payload, meta: a.meta ?? null } : s));
    home.accept("KEEP");
    cart.accept("KEEP");
    const seen = [];
    home.replaceReducer((s, a) => {
      if (a.type !== "KEEP") return s;
      seen.push({ frozen: Object.isFrozen(a) && Object.isFrozen(a.payload) && Object.isFrozen(a.payload.list), keys: Object.keys(a) });
      let mutated = true;
      try {
        a.payload.list.push(4);
      } catch {
        mutated = false;
      }
      seen.push({ mutated });
      return { ...s, kept: a.payload };
    });
    const payload = { list: [1, 2, 3], gone: undefined, nothing: null };
    const action = { type: "KEEP", payload, meta: null };
    assert.equal(cart.broadcast(action), 2);
    payload.list.push("the sender's own");
    return {
      seen,
      homeKept: home.getState().kept,
      cartKept: cart.getState().kept,
      cartMeta: cart.getState().meta,
      callerFrozen: Object.isFrozen(action) || Object.isFrozen(payload),
      stateFrozen: Object.isFrozen(cart.getState().kept.list),
    };
  });
  assert.deepEqual(result.homeKept, { list: [1, 2, 3], nothing: null });
  assert.deepEqual(result.cartKept, result.homeKept);
  assert.equal(result.cartMeta, null);
  assert.equal(result.callerFrozen, false);
  assert.equal(result.stateFrozen, true);
  assert.deepEqual(result.seen, [{ frozen: true, keys: ["type", "payload"] }, { mutated: false }]);
});

test("all or nothing: a reducer that throws or returns what cannot be state leaves every receiver as it was", async () => {
  const bad = {
    THROW: () => {
      throw new TypeError("boom");
    },
    UNDEFINED: () => undefined,
    NAN: (s) => ({ ...s, count: NaN }),
    DATE: (s) => ({ ...s, when: new Date(0) }),
  };
  const { result } = await sameOnBothPaths(({ host }) => {
    const told = [];
    const [home, cart, profile] = counterApps(host, ["home", "cart", "profile"], [], (s, a) => {
      if (a.type === "INC") return { ...s, count: s.count + 1 };
      return s;
    });
    // The second receiver fails: the first has run its reducer already.
    cart.replaceReducer((s, a) => (bad[a.type] ? bad[a.type](s) : counterReducer(s, a)));
    for (const app of [home, cart, profile]) {
      for (const type of [...Object.keys(bad), "INC"]) app.accept(type);
      app.subscribe(() => told.push(app.name));
    }
    const outcomes = {};
    for (const type of Object.keys(bad)) outcomes[type] = attempt(() => profile.broadcast({ type }));
    const states = [home, cart, profile].map((a) => a.getState().count);
    profile.broadcast({ type: "INC" });
    return { outcomes, states, told, after: [home, cart, profile].map((a) => a.getState().count) };
  });
  for (const [type, outcome] of Object.entries(result.outcomes)) assert.ok(outcome.threw, `${type} threw`);
  assert.deepEqual(result.states, [0, 0, 0]);
  assert.deepEqual(result.told, ["home", "cart", "profile"]);
  assert.deepEqual(result.after, [1, 1, 1]);
});

test("payloads the module refuses or changes: the same error or the same value on both paths", async () => {
  const payloads = {
    nan: NaN,
    negativeZero: -0,
    loneSurrogate: "a\uD800b",
    date: new Date(0),
    fn: () => 1,
    big: 10n,
    nested: { a: [1, { b: undefined, c: "x" }] },
  };
  const { result } = await sameOnBothPaths(({ host }) => {
    const [home] = counterApps(host, ["home"], [], (s, a) => (a.type === "SET" ? { ...s, got: a.payload ?? "(none)" } : s));
    home.accept("SET");
    home.accept("T\uDC00"); // a type the module spells with U+FFFD
    const out = {};
    for (const [name, payload] of Object.entries(payloads)) {
      const r = attempt(() => home.broadcast({ type: "SET", payload }));
      out[name] = r.threw ?? { got: home.getState().got, isNegativeZero: Object.is(home.getState().got, -0) };
    }
    out.surrogateType = attempt(() => home.broadcast({ type: "T\uDC00" }));
    return out;
  });
  assert.ok(result.nan.code, "NaN refused");
  assert.deepEqual(result.nested, { got: { a: [1, { c: "x" }] }, isNegativeZero: false });
});

test("a payload's getters run once, and one calling mfstate is refused, as when it is written into the module", async () => {
  const { result } = await sameOnBothPaths(({ host }) => {
    const [home, cart] = counterApps(host, ["home", "cart"], [], (s, a) => (a.type === "SET" ? { ...s, got: a.payload } : s));
    home.accept("SET");
    let reads = 0;
    const counted = {
      get n() {
        reads++;
        return reads;
      },
    };
    cart.broadcast({ type: "SET", payload: counted });
    const sneaky = {
      get n() {
        cart.emit("cart/x", 1);
        return 1;
      },
    };
    return { reads, got: home.getState().got, sneaky: attempt(() => cart.broadcast({ type: "SET", payload: sneaky })), after: home.getState().got };
  });
  assert.equal(result.reads, 1);
  assert.deepEqual(result.got, { n: 1 });
  assert.ok(result.sneaky.threw);
  assert.deepEqual(result.after, { n: 1 });
});

test("a receiver's subscriber that dispatches: its dispatch runs after its round, and every store is told once, as in the module", async () => {
  const { result } = await sameOnBothPaths(({ host }) => {
    const order = [];
    const [home, cart, profile] = counterApps(host, ["home", "cart", "profile"]);
    for (const app of [home, cart, profile]) app.accept("INC");
    home.subscribe(() => {
      const n = home.getState().count;
      order.push(`home told ${n}`);
      if (n === 1) {
        home.dispatch({ type: "ADD", payload: 10 });
        order.push(`home still at ${home.getState().count} in its round`);
      }
    });
    // What another store's subscriber reads of it (a shell holding both) says when its dispatch ran.
    cart.subscribe(() => order.push(`cart told ${cart.getState().count}, home at ${home.getState().count}`));
    profile.subscribe(() => order.push(`profile told ${profile.getState().count}`));
    profile.broadcast({ type: "INC" });
    return { order, counts: [home, cart, profile].map((a) => a.getState().count) };
  });
  assert.deepEqual(result.counts, [11, 1, 1]);
  assert.deepEqual(result.order, ["home told 1", "home still at 1 in its round", "cart told 1, home at 11", "profile told 1", "home told 11"]);
});

test("what a receiver's subscriber causes (a dispatch, a broadcast, a message, a command) comes in the module's order", async () => {
  const { result } = await sameOnBothPaths(({ host }) => {
    const order = [];
    const [home, cart, profile] = counterApps(host, ["home", "cart", "profile"]);
    for (const app of [home, cart, profile]) app.accept("INC");
    cart.accept("ADD");
    profile.accept("ADD");
    profile.on("home/said", (p) => order.push(`profile heard ${p}`));
    home.subscribe(() => {
      const n = home.getState().count;
      order.push(`home told ${n}`);
      if (n === 1) {
        home.dispatch({ type: "ADD", payload: 10 });
        home.emit("home/said", n);
        home.broadcast({ type: "ADD", payload: 100 });
        home.send("profile", { type: "ADD", payload: 1000 });
        order.push("home's subscriber done");
      }
    });
    cart.subscribe(() => order.push(`cart told ${cart.getState().count}`));
    profile.subscribe(() => order.push(`profile told ${profile.getState().count}`));
    profile.broadcast({ type: "INC" });
    return { order, counts: [home, cart, profile].map((a) => a.getState().count) };
  });
  assert.deepEqual(result.counts, [11, 101, 1101]);
  assert.equal(result.order.filter((x) => x.startsWith("profile heard")).length, 1);
});

test("a reducer's own dispatch waits for the broadcast, and a reducer calling mfstate runs it all through the module once", async () => {
  const { result } = await sameOnBothPaths(({ host }) => {
    const [home, cart] = counterApps(host, ["home", "cart"]);
    const log = [];
    home.accept("GO");
    cart.accept("GO");
    cart.accept("PING");
    // Decided from the state (a reducer run again decides the same).
    home.replaceReducer((s, a) => {
      log.push(`home ${a.type} at ${s.count}`);
      if (a.type === "GO" && s.count === 0) home.dispatch({ type: "INC" });
      return counterReducer(s, a.type === "GO" ? { type: "INC" } : a);
    });
    cart.replaceReducer((s, a) => {
      log.push(`cart ${a.type} at ${s.count}`);
      if (a.type === "GO" && s.count === 0) cart.broadcast({ type: "PING" });
      return counterReducer(s, a.type === "GO" || a.type === "PING" ? { type: "INC" } : a);
    });
    const reached = home.broadcast({ type: "GO" });
    return { reached, counts: [home.getState().count, cart.getState().count] };
  });
  assert.equal(result.reached, 2);
  assert.deepEqual(result.counts, [2, 2]);
});

test("a receiver's reducer that dispatches into a receiver that has run (a shell holding both) loses neither update", async () => {
  const { result } = await sameOnBothPaths(({ host }) => {
    const [home, cart] = counterApps(host, ["home", "cart"]);
    home.accept("INC");
    cart.accept("INC");
    // Decided from the state (a reducer run again decides the same).
    cart.replaceReducer((s, a) => {
      if (a.type === "INC" && s.count === 0) home.dispatch({ type: "ADD", payload: 10 });
      return counterReducer(s, a);
    });
    const told = [];
    home.subscribe(() => told.push(`home ${home.getState().count}`));
    cart.subscribe(() => told.push(`cart ${cart.getState().count}`));
    const reached = cart.broadcast({ type: "INC" });
    return { reached, told, counts: [home.getState().count, cart.getState().count] };
  });
  assert.deepEqual(result.counts, [11, 1]);
});

test("what changes who a broadcast reaches is honoured at once: acceptances, handlers, schemas, stores, unmounts", async () => {
  const { result } = await sameOnBothPaths(({ host }) => {
    const out = [];
    const [home, cart] = counterApps(host, ["home", "cart"]);
    const late = host.mount("late");
    home.accept("INC");
    out.push(attempt(() => cart.broadcast({ type: "INC" })));
    cart.accept("INC");
    out.push(attempt(() => cart.broadcast({ type: "INC" })));
    late.accept("INC");
    out.push(attempt(() => cart.broadcast({ type: "INC" }))); // no store: refused, nothing changes
    late.createStore(initialUser(), counterReducer);
    out.push(attempt(() => cart.broadcast({ type: "INC" })));
    home.accept("INC", { schema: { type: "object", required: ["n"] } });
    out.push(attempt(() => cart.broadcast({ type: "INC" })));
    home.accept("INC", { handler: (a, from) => out.push(`home's handler: ${a.type} from ${from}`) });
    out.push(attempt(() => cart.broadcast({ type: "INC" })));
    home.accept("INC");
    late.unmount();
    out.push(attempt(() => cart.broadcast({ type: "INC" })));
    home.replaceReducer((s, a) => (a.type === "INC" ? { ...s, count: s.count + 1000 } : s));
    out.push(attempt(() => cart.broadcast({ type: "INC" })));
    return { out, counts: [home.getState().count, cart.getState().count] };
  });
  assert.deepEqual(
    result.out.map((o) => (typeof o === "string" ? o : o.returned ?? o.threw.code)),
    [1, 2, "no_store", 3, "schema_violation", "home's handler: INC from cart", 3, 2, 2],
  );
  assert.deepEqual(result.counts, [1004, 5]);
});

test("a receiver with middleware or exports, a broadcast inside a transaction: through the module, with the same result", async () => {
  const { result } = await sameOnBothPaths(({ host }) => {
    const log = [];
    const home = host.mount("home");
    home.createStore(initialUser(), counterReducer, [() => (next) => (a) => (log.push(`middleware ${a.type}`), next(a))]);
    const [cart, profile] = counterApps(host, ["cart", "profile"]);
    cart.expose("count", (s) => s.count);
    for (const app of [home, cart, profile]) app.accept("INC");
    profile.broadcast({ type: "INC" });
    host.transaction(() => {
      profile.broadcast({ type: "INC" });
      log.push(`inside: ${home.getState().count}`);
    });
    const failed = attempt(() =>
      host.transaction(() => {
        profile.broadcast({ type: "INC" });
        throw new Error("undo");
      }),
    );
    return { log, failed, counts: [home, cart, profile].map((a) => a.getState().count), read: profile.read("cart", "count") };
  });
  assert.deepEqual(result.counts, [2, 2, 2]);
});
