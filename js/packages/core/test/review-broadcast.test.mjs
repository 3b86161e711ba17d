// Review of the broadcast fast path (App.broadcast in JavaScript) and the key table's shapes and
// member counts, with one app assumed hostile: what it can reach through the public API it uses to
// read, forge, silence or undo another app. Each test names the attack it tries and what holds.
// Where a scenario is observable on both paths, it runs once with broadcasts on the fast path and
// once with an inspector listening (every broadcast through the module), and the results must agree.
import { test } from "node:test";
import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import { attempt, changeAtTheStackEdge, counterApps, counterReducer, errorShape, initialUser, mfstate, plantSetters, sameOnBothPaths, testHost } from "./helpers.mjs";

// ---------------------------------------------------------------------------------------------
// Who a broadcast reaches
// ---------------------------------------------------------------------------------------------

test("a manifest whose name answers differently on each read cannot take another app's place in a broadcast", async () => {
  // Attack: the remote hands the shell a manifest whose `name` getter says "victim" to the package
  // and "mallory" to the module. The App then carries the name "victim" while the module knows it as
  // "mallory"; the fast path, mapping the module's answer ("victim") back to an App by name, ran
  // mallory's reducer instead of the victim's (the victim silenced, mallory fed what was not its).
  // Holds: the App's name is the one the module mounted, and a broadcast reaches the app the module
  // names, on both paths.
  const { result } = await sameOnBothPaths(({ host }) => {
    let reads = 0;
    const manifest = {
      get name() {
        return reads++ === 0 ? "victim" : "mallory";
      },
      version: "1.0.0",
    };
    const mallory = host.mount(manifest);
    mallory.createStore(initialUser(), counterReducer);
    const named = host.apps().includes(mallory.name);
    const victim = attempt(() => {
      const v = host.mount("victim");
      v.createStore(initialUser(), counterReducer);
      v.accept("INC");
      return v;
    });
    const sender = host.mount("sender");
    const reached = sender.broadcast({ type: "INC" });
    const victimCount = victim.returned ? victim.returned.getState().count : undefined;
    return { named, reached, mallory: mallory.getState().count, victim: victimCount, mountThrew: victim.threw?.code };
  });
  assert.equal(result.named, true, "the App's name is the module's");
  // Whichever app the module calls "victim" is the one that receives it; mallory under another name never does.
  if (result.mountThrew === undefined) {
    assert.equal(result.victim, 1);
    assert.equal(result.mallory, 0);
  }
});

test("a cached target list survives no unmount, remount of the same name or late acceptance", async () => {
  // Attack: fill the sender's per-type cache, then change who accepts behind it: unmount a
  // receiver and mount another app under its name (accepting or not), accept late. Holds: each broadcast reaches exactly the apps that accept
  // then, on this host; an unmounted App hears nothing; the same on both paths.
  const { result } = await sameOnBothPaths(({ host }) => {
    const sender = host.mount("sender");
    const [a, b] = counterApps(host, ["a", "b"], ["INC"]);
    const log = [];
    const oldB = b;
    oldB.subscribe(() => log.push("old b told"));
    const reached = [sender.broadcast({ type: "INC" })];
    oldB.unmount();
    reached.push(sender.broadcast({ type: "INC" }));
    const [newB] = counterApps(host, ["b"], []); // same name, does not accept
    newB.subscribe(() => log.push("new b told"));
    reached.push(sender.broadcast({ type: "INC" }));
    newB.accept("INC");
    reached.push(sender.broadcast({ type: "INC" }));
    return { reached, a: a.getState().count, newB: newB.getState().count, log };
  });
  assert.deepEqual(result, { reached: [2, 1, 1, 2], a: 4, newB: 1, log: ["old b told", "new b told"] });
});

test("a second host's apps of the same names are never a first host's broadcast targets", async () => {
  // Attack: mount apps named like the receivers in another host (or make the cache on one host and
  // broadcast after a mount on the other). Holds: only this host's receivers change.
  const { host } = await testHost();
  const { host: host2 } = await testHost();
  const sender = host.mount("sender");
  const [a] = counterApps(host, ["a"], ["INC"]);
  sender.broadcast({ type: "INC" });
  const [a2, b2] = counterApps(host2, ["a", "b"], ["INC"]);
  sender.broadcast({ type: "INC" });
  const sender2 = host2.mount("sender");
  sender2.broadcast({ type: "INC" });
  assert.deepEqual([a.getState().count, a2.getState().count, b2.getState().count], [2, 1, 1]);
  host.dispose();
  host2.dispose();
});

test("a broadcast reaches no app that does not accept the type, and skips none that does", async () => {
  // Attack: a non-acceptor with a reducer handling the type; the sender itself not accepting; an
  // acceptor with a handler (the module's path); apps accepting everything. Holds: the same apps,
  // in the same order, change on both paths.
  const { result } = await sameOnBothPaths(({ host }) => {
    const order = [];
    const reducer = (name) => (s, a) => {
      if (a.type === "INC") order.push(name);
      return counterReducer(s, a);
    };
    const mk = (name) => {
      const app = host.mount(name);
      app.createStore(initialUser(), reducer(name));
      return app;
    };
    const sender = mk("sender");
    const deaf = mk("deaf");
    const all = mk("all");
    all.acceptAll();
    const one = mk("one");
    one.accept("INC");
    const reached = [sender.broadcast({ type: "INC" }), sender.broadcast({ type: "OTHER" })];
    const handled = [];
    const h = mk("handled");
    h.accept("INC", { handler: (a, from) => handled.push(`${a.type} from ${from}`) });
    reached.push(sender.broadcast({ type: "INC" }));
    return { reached, order, handled, counts: [sender, deaf, all, one, h].map((x) => x.getState().count) };
  });
  assert.deepEqual(result.reached, [2, 1, 3]);
  assert.deepEqual(result.counts, [0, 0, 2, 2, 0]);
});

// ---------------------------------------------------------------------------------------------
// All or nothing
// ---------------------------------------------------------------------------------------------

test("a receiver's reducer cannot commit some receivers and not others", async () => {
  // Attack: the last receiver's reducer throws only on its first run (impure: the fast path gives
  // up and the module's path runs it again, so here the paths may differ in whether it succeeds,
  // never in all-or-nothing), calls mfstate and swallows the refusal, returns what cannot be state,
  // or returns a Proxy whose trap throws on freezing. Holds: after each broadcast every receiver
  // changed or none did; the pure cases (X2-X4) agree with the module's path.
  const runs = [];
  for (const throughModule of [false, true]) {
    const { host, errors } = await testHost();
    if (throughModule) host.inspector.subscribe(() => {});
    const counting = (s, a) => (a.type.startsWith("X") ? { ...s, count: s.count + 1 } : s);
    const [first, second] = counterApps(host, ["first", "second"], ["X1", "X2", "X3", "X4"], counting);
    const sender = host.mount("sender");
    const evil = host.mount("evil");
    let runsOfX1 = 0;
    evil.createStore({ count: 0 }, (s, a) => {
      switch (a.type) {
        case "X1":
          if (runsOfX1++ === 0) throw new Error("first run only");
          return { count: s.count + 1 };
        case "X2":
          try {
            evil.emit("evil/x", 1);
          } catch {
            // swallowed
          }
          return { count: s.count + 1 };
        case "X3":
          return { count: s.count + 1, bad: () => 1 };
        case "X4":
          return new Proxy(
            { count: s.count + 1 },
            {
              preventExtensions() {
                throw new Error("no freezing");
              },
            },
          );
        default:
          return s;
      }
    });
    for (const t of ["X1", "X2", "X3", "X4"]) evil.accept(t);
    const outcomes = [];
    for (const t of ["X1", "X2", "X3", "X4"]) {
      const before = [first, second, evil].map((x) => x.getState().count);
      const r = attempt(() => sender.broadcast({ type: t }));
      const after = [first, second, evil].map((x) => x.getState().count);
      const changed = after.map((c, i) => c !== before[i]);
      assert.ok(changed.every((c) => c === changed[0]), `${t} (${throughModule ? "module" : "fast"}): all or nothing, ${before} -> ${after}`);
      outcomes.push({ t, r, changed: changed[0] });
    }
    runs.push({ outcomes: outcomes.slice(1), errors: errors.map(errorShape) });
    host.dispose();
  }
  assert.deepEqual(runs[0], runs[1]);
});

test("a payload whose getters or Proxy traps answer each read differently gives every receiver the same action", async () => {
  // Attack: a payload Proxy answering a different value on each read, so that receivers would see
  // different payloads (or the module's retry another one). Holds: every receiver of a broadcast
  // gets the same payload, and the states agree with the module's path.
  const { result } = await sameOnBothPaths(({ host }) => {
    const reducer = (s, a) => (a.type === "SET" ? { ...s, v: a.payload.v, w: a.payload.w ?? null } : s);
    const [a, b, c] = counterApps(host, ["a", "b", "c"], ["SET"], reducer);
    const sender = host.mount("sender");
    let reads = 0;
    const payload = new Proxy(
      { v: 0 },
      {
        get(t, k) {
          return k === "v" ? ++reads : t[k];
        },
      },
    );
    sender.broadcast({ type: "SET", payload });
    let n = 0;
    sender.broadcast({
      type: "SET",
      payload: {
        get v() {
          return ++n;
        },
        w: 1,
      },
    });
    return [a, b, c].map((x) => [x.getState().v, x.getState().w]);
  });
  const states = result;
  assert.deepEqual(states[0], states[1]);
  assert.deepEqual(states[1], states[2]);
});

// ---------------------------------------------------------------------------------------------
// References and errors
// ---------------------------------------------------------------------------------------------

test("what a receiver keeps of its action or of another's state cannot change another receiver or the sender", async () => {
  // Attack: a hostile receiver keeps the action (and its payload, which an honest receiver stores
  // in its state) and tries to change them afterwards; the sender changes its own payload object
  // after the broadcast. Holds: everything handed out is frozen, the honest receiver's state is
  // what the action said, and the sender's object stays its own (unfrozen), on both paths.
  const { result } = await sameOnBothPaths(({ host }) => {
    const honest = host.mount("honest");
    honest.createStore({ kept: null }, (s, a) => (a.type === "KEEP" ? { kept: a.payload } : s));
    honest.accept("KEEP");
    const evil = host.mount("evil");
    let got;
    evil.createStore({ n: 0 }, (s, a) => {
      if (a.type === "KEEP") got = a;
      return a.type === "KEEP" ? { n: s.n + 1 } : s;
    });
    evil.accept("KEEP");
    const sender = host.mount("sender");
    const payload = { list: [1, 2], inner: { secret: "s" } };
    sender.broadcast({ type: "KEEP", payload });
    const tries = [
      () => got.payload.list.push(3),
      () => (got.payload.inner.secret = "forged"),
      () => (got.payload.extra = 1),
      () => Object.defineProperty(got.payload.inner, "secret", { value: "forged" }),
      () => (honest.getState().kept.inner.secret = "forged"),
    ].map((f) => attempt(f).threw?.code ?? (attempt(f).threw === undefined ? "changed" : "threw"));
    payload.list.push(99);
    payload.inner.secret = "sender's";
    return {
      frozen: Object.isFrozen(got) && Object.isFrozen(got.payload) && Object.isFrozen(got.payload.inner),
      tries,
      honest: honest.getState(),
      senderUnfrozen: !Object.isFrozen(payload),
    };
  });
  assert.equal(result.frozen, true);
  assert.ok(!result.tries.includes("changed"));
  assert.deepEqual(result.honest, { kept: { list: [1, 2], inner: { secret: "s" } } });
  assert.equal(result.senderUnfrozen, true);
});

test("the sender never sees the cause a receiver's reducer threw", async () => {
  // Attack: the sender broadcasts what makes a receiver's reducer throw an error holding that
  // receiver's secret, hoping the fast path (which gives up and runs it through the module) hands
  // it the receiver's error as a cause. Holds: reducer_error without the receiver's cause, the same
  // on both paths; the shell is told nothing else.
  const { result } = await sameOnBothPaths(({ host }) => {
    const victim = host.mount("victim");
    const secret = { token: "victim's secret" };
    victim.createStore({ n: 0 }, (s, a) => {
      if (a.type === "POKE") throw Object.assign(new Error("no"), { secret });
      return s;
    });
    victim.accept("POKE");
    const [other] = counterApps(host, ["other"], ["POKE"]);
    const sender = host.mount("sender");
    let seen;
    try {
      sender.broadcast({ type: "POKE" });
    } catch (e) {
      seen = e;
    }
    return { code: seen?.code, cause: seen?.cause === undefined ? "none" : "leaked", other: other.getState().count, victim: victim.getState().n };
  });
  assert.equal(result.code, "reducer_error");
  assert.equal(result.cause, "none");
});

test("setters planted on Object.prototype and Array.prototype neither read nor drop a broadcast's action", async () => {
  // Attack: setters named "type", "payload", "meta", "0", "1", and the fast path's bookkeeping
  // names, on Object.prototype and Array.prototype, hoping an action built by assignment hands its
  // payload to the setter (reading a broadcast the planter does not accept) and the receiver gets
  // an action without it. Holds: no setter runs while mfstate builds an action, and every receiver
  // gets the payload and meta, on both paths, for a broadcast and a send.
  const names = ["type", "payload", "meta", "0", "1", "2", "commands", "targets", "link", "receivers", "topic", "next"];
  const { result } = await sameOnBothPaths(({ host }) => {
    const stolen = new Set();
    let on = false;
    // A list without a prototype: the planted index setters would catch the sink's own writes.
    const got = Object.setPrototypeOf([], null);
    const reducer = (s, a) => {
      if (a.type === "SECRET") got[got.length] = `${Object.hasOwn(a, "payload") && a.payload?.token} ${Object.hasOwn(a, "meta") && a.meta?.m}`;
      return a.type === "SECRET" ? { ...s, count: s.count + 1 } : s;
    };
    const [a, b] = counterApps(host, ["a", "b"], ["SECRET"], reducer);
    const sender = host.mount("sender");
    sender.broadcast({ type: "SECRET", payload: { token: "t0" }, meta: { m: 0 } }); // the cache made before
    const unplant = plantSetters([[Object.prototype, names], [Array.prototype, names]], stolen, () => on);
    try {
      on = true;
      sender.broadcast({ type: "SECRET", payload: { token: "t1" }, meta: { m: 1 } });
      host.platform.send("a", { type: "SECRET", payload: { token: "t2" }, meta: { m: 2 } });
    } finally {
      on = false;
      unplant();
    }
    return { stolen: [...stolen], got: Array.from(got), counts: [a.getState().count, b.getState().count] };
  });
  assert.deepEqual(result.stolen, []);
  assert.deepEqual(result.got, ["t0 0", "t0 0", "t1 1", "t1 1", "t2 2"]);
});

// ---------------------------------------------------------------------------------------------
// The batch: subscribers, messages, reentrancy
// ---------------------------------------------------------------------------------------------

test("a message emitted by a subscriber during a fast batch reaches no listener unsubscribed or unmounted meanwhile, and each other exactly once", async () => {
  // Attack: a receiver's subscriber emits a plain message during the batch (queued as a
  // PlainDelivery); a later subscriber of the batch unsubscribes one listener and the shell's
  // subscriber unmounts another listener's app before the message is delivered. Holds: the
  // unsubscribed and the unmounted never hear it, the others hear it once, on both paths.
  const { result } = await sameOnBothPaths(({ host }) => {
    const heard = [];
    const [a, b, c] = counterApps(host, ["a", "b", "c"], ["INC"]);
    const l1 = host.mount("l1");
    const l2 = host.mount("l2");
    const l3 = host.mount("l3");
    const off1 = l1.on("a/changed", (p) => heard.push(`l1 ${p}`));
    l2.on("a/changed", (p) => heard.push(`l2 ${p}`));
    l3.on("a/changed", (p) => heard.push(`l3 ${p}`));
    a.subscribe(() => {
      heard.push(`a told ${a.getState().count}`);
      a.emit("a/changed", a.getState().count);
    });
    b.subscribe(() => {
      heard.push("b told");
      off1();
    });
    c.subscribe(() => {
      heard.push("c told");
      if (l2.mounted) l2.unmount();
    });
    const sender = host.mount("sender");
    sender.broadcast({ type: "INC" });
    sender.broadcast({ type: "INC" });
    return heard;
  });
  const heard = result;
  assert.ok(!heard.some((h) => h.startsWith("l1") || h.startsWith("l2")), heard.join(", "));
  assert.equal(heard.filter((h) => h === "l3 1").length, 1);
  assert.equal(heard.filter((h) => h === "l3 2").length, 1);
});

test("subscribers that broadcast again, unmount a receiver or dispose the host mid-batch: each store told once per change, nothing after the end", async () => {
  // Attack: reentrancy from a fast batch's subscribers: one broadcasts again (nested), the shell
  // unmounts a receiver whose turn has not come, then disposes the host. Holds: the same order on
  // both paths, the unmounted receiver's subscribers are not told, nothing is told after dispose,
  // and the sender's call returns normally.
  const { result } = await sameOnBothPaths(({ host }) => {
    const log = [];
    const [a, b, c] = counterApps(host, ["a", "b", "c"], ["INC", "AGAIN"], (s, x) => (x.type === "AGAIN" ? { ...s, count: s.count + 10 } : counterReducer(s, x)));
    let nested = false;
    a.subscribe(() => {
      log.push(`a ${a.getState().count}`);
      if (!nested) {
        nested = true;
        log.push(`nested reached ${a.broadcast({ type: "AGAIN" })}`);
      }
    });
    b.subscribe(() => {
      log.push(`b ${b.getState().count}`);
      if (c.mounted) c.unmount();
    });
    c.subscribe(() => log.push(`c ${c.getState().count}`));
    const sender = host.mount("sender");
    log.push(`reached ${sender.broadcast({ type: "INC" })}`);
    const [d] = counterApps(host, ["d"], ["INC"]);
    d.subscribe(() => {
      log.push("d told, disposing");
      host.dispose();
    });
    a.subscribe(() => log.push("a second listener"));
    log.push(attempt(() => sender.broadcast({ type: "INC" })));
    return log;
  });
  assert.ok(!result.some((l) => typeof l === "string" && l.startsWith("c ")), JSON.stringify(result));
});

test("a sender at the edge of the stack cannot change receivers' states and leave their subscribers untold", async (t) => {
  // Attack: the sender recurses until the stack is nearly full and broadcasts from one frame higher
  // each time, stopping at the first call that changed the receivers' states but threw (there was
  // stack for the reducers, not for telling the subscribers). Their subscribers were then not told
  // of that change until some later fast batch, maybe never: silenced apps whose views are stale.
  // Tried with 1-4 receivers and 0-2 frames of padding (where the stack runs out moves with them).
  // Holds: the receivers agree (all or none changed), and by the end of the turn each receiver's
  // subscriber has been told its last state, or the shell has heard that it failed.
  let hits = 0;
  for (let n = 1; n <= 4; n++) {
    for (let pad = 0; pad < 3; pad++) {
      const { host, errors } = await testHost();
      const sender = host.mount("sender");
      const victims = counterApps(host, Array.from({ length: n }, (_, i) => `v${i}`), ["INC"]);
      const told = victims.map(() => []);
      victims.forEach((v, i) => v.subscribe(() => told[i].push(v.getState().count)));
      sender.broadcast({ type: "INC" }); // the targets known: the attempts below stay in JavaScript
      if (changeAtTheStackEdge(pad, () => sender.broadcast({ type: "INC" }), () => victims[0].getState().count)) hits++;
      await new Promise((resolve) => setTimeout(resolve, 1));
      const counts = victims.map((v) => v.getState().count);
      assert.equal(new Set(counts).size, 1);
      // Told of the last state, or (a subscriber called with no stack left to run, which threw)
      // the shell told so: never silently stale.
      victims.forEach((v, i) => {
        const heard = told[i].at(-1) === counts[i] || errors.some((e) => e.code === "listener_error" && e.message.includes(`app "${v.name}"`));
        assert.ok(heard, `${n} receivers, padding ${pad}: ${v.name} told of its last state (${told[i].at(-1)} of ${counts[i]})`);
      });
      assert.ok(errors.every((e) => e.code === "listener_error"), errors.map((e) => e.message).join("; "));
      // And each receiver's store still works (none left reducing or telling for good).
      for (let i = 0; i < n; i++) {
        victims[i].store.dispatch({ type: "INC" });
        assert.equal(victims[i].getState().count, counts[i] + 1);
        assert.equal(told[i].at(-1), counts[i] + 1);
      }
      host.dispose();
    }
  }
  // How many configurations reached a call that changed the states and threw (most, on the machine
  // this was written on; where the stack runs out depends on what V8 compiled).
  t.diagnostic(`${hits} of 12 configurations changed the states in a call that threw`);
  // Reported as skipped, not passed, when V8's compilation let no configuration reach the edge.
  if (hits === 0) t.skip("no configuration changed the states in a call that threw");
});

// ---------------------------------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------------------------------

test("a fresh type per broadcast grows no memory without bound (the per-sender cache is capped)", async () => {
  // Attack: broadcast 40,000 distinct types (each asked of the module, each cached) with and
  // without a payload. Holds: the heap after is within a few MB of the heap after the first 4,000.
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc");
  const { host } = await testHost();
  const sender = host.mount("sender");
  const [all] = counterApps(host, ["all"], []);
  all.acceptAll();
  const burst = (from, to) => {
    for (let i = from; i < to; i++) sender.broadcast(i % 2 ? { type: `t${i}` } : { type: `t${i}`, payload: { i } });
  };
  burst(0, 4000);
  for (let i = 0; i < 3; i++) gc();
  const before = process.memoryUsage().heapUsed;
  burst(4000, 40000);
  for (let i = 0; i < 3; i++) gc();
  const grown = process.memoryUsage().heapUsed - before;
  assert.ok(grown < 4 * 1024 * 1024, `heap grew ${grown} bytes`);
  host.dispose();
});

// ---------------------------------------------------------------------------------------------
// The key table
// ---------------------------------------------------------------------------------------------

test("a key's getters answering differently between hashing and finding reach only an entry of a key the caller could have named", async () => {
  // Attack: a key whose object part gains or loses a member between KeyTable.hash (which counts its
  // members for the find) and the find's comparison, or whose part's getter re-enters the table
  // with the same key object, hoping a find takes another key's entry for it (reading or writing
  // data under a key of another shape). Holds: whatever entry it reaches is of a key equal to one
  // reading of it, and the victim's entries keep their data.
  const { host } = await testHost();
  const victim = host.mount("victim").queryClient;
  const evil = host.mount("evil").queryClient;
  victim.setQueryData(["k", { id: 1 }], "victim id");
  victim.setQueryData(["k", { id: 1, tab: "a" }], "victim id+tab");
  // Gains a member once hashed: the count the hash made says 1, the object now has 2.
  const part = { id: 1 };
  let reads = 0;
  Object.defineProperty(part, "tab", {
    enumerable: true,
    get() {
      return reads++ < 1 ? undefined : "a";
    },
  });
  const seen = evil.getQueryData(["k", part]);
  assert.ok(seen === "victim id" || seen === "victim id+tab" || seen === undefined);
  // Re-entering with the same key object from a getter.
  const key = ["k", {}];
  let inner = 0;
  Object.defineProperty(key[1], "id", {
    enumerable: true,
    get() {
      if (inner++ === 0) evil.getQueryData(key);
      return 1;
    },
  });
  const seen2 = evil.getQueryData(key);
  assert.ok(seen2 === "victim id" || seen2 === undefined);
  assert.equal(victim.getQueryData(["k", { id: 1 }]), "victim id");
  assert.equal(victim.getQueryData(["k", { id: 1, tab: "a" }]), "victim id+tab");
  assert.equal(victim.getQueryData(["k", { tab: "a", id: 1 }]), "victim id+tab");
  host.dispose();
});

test("the key table keeps none of the caller's key objects once a read has returned", async () => {
  // Attack (or accident): an app reads with a key holding a large object of its own; the table's
  // bookkeeping of the last hashed key (KeyTable.hash's member counts) would keep that key alive
  // until another app's next read. Holds: the caller's key object is collectable after the call.
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc");
  const { host } = await testHost();
  const app = host.mount("app").queryClient;
  app.setQueryData(["big", { id: 7 }], "data"); // known: the read below finds it without interning
  let ref;
  (() => {
    const key = ["big", { id: 7 }];
    ref = new WeakRef(key);
    assert.equal(app.getQueryData(key), "data");
  })();
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 0));
    gc();
  }
  assert.equal(ref.deref(), undefined, "the key was collected");
  host.dispose();
});

test("a key of a known shape laid out with setters on Array.prototype indices sees none, and finds only its own entry", async () => {
  // Attack: setters on Array.prototype "0".."4" and on Object.prototype member names, then keys of
  // shapes met before and new ones, several objects per key. Holds: no setter sees a leaf or a
  // name, and each key reads the data written under it.
  const { host } = await testHost();
  const a = host.mount("a").queryClient;
  const b = host.mount("b").queryClient;
  const keys = [
    ["s", { id: 1 }],
    ["s", { id: 2 }],
    [{ x: 1 }, { y: 2 }],
    [{ x: 1, y: 2 }],
    [{ y: 2 }, { x: 1 }],
    ["s", { id: 1 }, "t", 4],
    [{ a: 1, b: 2, c: 3, d: 4 }],
  ];
  keys.forEach((k, i) => a.setQueryData(k, `d${i}`));
  const stolen = new Set();
  let on = false;
  const unplant = plantSetters(
    [
      [Array.prototype, ["0", "1", "2", "3", "4"]],
      [Object.prototype, ["id", "x", "y", "objects"]],
    ],
    stolen,
    () => on,
  );
  const got = Object.setPrototypeOf([], null); // the planted setters would catch its writes
  try {
    on = true;
    for (const k of keys) got[got.length] = b.getQueryData(JSON.parse(JSON.stringify(k)));
    got[got.length] = b.getQueryData(["s", { id: 3 }]);
    b.setQueryData(["s", { id: 3 }], "new");
    got[got.length] = a.getQueryData(["s", { id: 3 }]);
  } finally {
    on = false;
    unplant();
  }
  assert.deepEqual([...stolen], []);
  assert.deepEqual(Array.from(got), ["d0", "d1", "d2", "d3", "d4", "d5", "d6", undefined, "new"]);
  host.dispose();
});

test("each receiver of a broadcast gets an action object of its own, as through the module", async () => {
  // Attack: a receiver compares (or keys a WeakMap by) the action it got with the one another
  // receiver got: the fast path handed every receiver the same object, the module one each.
  // Holds: the same identities on both paths (a bare action is one cached object on both; a
  // payload is the same frozen copy on both).
  await sameOnBothPaths(({ host }) => {
    const got = [];
    for (const name of ["a", "b", "c"]) {
      const app = host.mount(name);
      app.createStore({}, (s, a) => {
        if (a.type === "P") got.push(a);
        return s;
      });
      app.accept("P");
    }
    const sender = host.mount("sender");
    sender.broadcast({ type: "P", payload: { x: { y: 1 } }, meta: { m: 1 } });
    sender.broadcast({ type: "P", meta: { m: 2 } });
    sender.broadcast({ type: "P" });
    const same = (i, j) => [got[i] === got[j], got[i].payload === got[j].payload, got[i].meta === got[j].meta];
    return { n: got.length, payload: [same(0, 1), same(1, 2)], meta: same(3, 4), bare: got[6] === got[7], frozen: got.every((a) => Object.isFrozen(a)) };
  });
});

test("a receiver's reducer reading another receiver's state sees what the module's path shows it", async () => {
  // Attack (parity): a shell's reducer, a receiver after another, reads that receiver's state. On
  // the fast path the states are committed only once every reducer has run, so it read the state
  // from before the broadcast; through the module it reads the new one. Holds: the same on both
  // paths (the fast path steps aside), and the broadcast still reaches both once.
  const { result } = await sameOnBothPaths(({ host }) => {
    const [b] = counterApps(host, ["b"], ["INC"]);
    const shell = host.mount("shell");
    shell.createStore({ seen: [] }, (s, a) => (a.type === "INC" ? { seen: [...s.seen, b.getState().count] } : s));
    shell.accept("INC");
    const sender = host.mount("sender");
    const reached = [sender.broadcast({ type: "INC" }), sender.broadcast({ type: "INC" })];
    return { reached, seen: shell.getState().seen, b: b.getState().count };
  });
  assert.deepEqual(result, { reached: [2, 2], seen: [1, 2], b: 2 });
});

// ---------------------------------------------------------------------------------------------
// Across hosts: each host its own batch, as each has its own Batcher in the module
// ---------------------------------------------------------------------------------------------

/**
 * Runs `scenario({host, other})` on two hosts whose stores, broadcasts and messages take their fast
 * paths, then on two where an inspector listening on each sends everything through the module;
 * requires the same result and the same errors (each host's) on both, and returns the first run's.
 */
async function sameAcrossHosts(scenario) {
  const runs = [];
  for (const throughModule of [false, true]) {
    const one = await testHost();
    const two = await testHost();
    if (throughModule) {
      one.host.inspector.subscribe(() => {});
      two.host.inspector.subscribe(() => {});
    }
    const result = scenario({ host: one.host, other: two.host });
    runs.push({ result, errors: [one.errors.map(errorShape), two.errors.map(errorShape)] });
    one.host.dispose();
    two.host.dispose();
  }
  assert.deepEqual(runs[0], runs[1]);
  return runs[0];
}

test("across hosts: what a subscriber of a fast batch causes in another host comes in the module's order", async () => {
  // Parity, not a leak: a subscriber of one host's fast batch emits and dispatches into another
  // host. Through the module that host has no batch under way and tells at once; a fast path whose
  // batch was one for every host queued both behind the first host's batch.
  const runs = [];
  for (const throughModule of [false, true]) {
    const { host } = await testHost();
    const { host: other } = await testHost();
    if (throughModule) host.inspector.subscribe(() => {});
    const log = [];
    const [a, c] = counterApps(host, ["a", "c"], ["INC"]);
    const b = other.mount("b");
    b.on("b/x", () => log.push("b heard"));
    const [bs] = counterApps(other, ["bs"], ["INC"]);
    bs.subscribe(() => log.push("bs told"));
    a.subscribe(() => {
      log.push("a told");
      b.emit("b/x", 1);
      bs.store.dispatch({ type: "INC" });
      log.push("a done");
    });
    c.subscribe(() => log.push("c told"));
    host.mount("sender").broadcast({ type: "INC" });
    runs.push(log);
    host.dispose();
    other.dispose();
  }
  assert.deepEqual(runs[0], runs[1]);
});

test("across hosts: a fast dispatch's subscriber dispatching and emitting into another host is told there at once, its own host's store after its round", async () => {
  // Parity: a store's own dispatch (no broadcast) on the fast path; its subscriber dispatches into
  // a store of its own host (told after its round, with the batch) and into another host's store,
  // then emits on a topic of the other host. Holds: the other host tells and delivers at once,
  // inside the subscriber, as its Batcher in the module does; the order the same on both paths.
  const { result } = await sameAcrossHosts(({ host, other }) => {
    const log = [];
    const [a, a2] = counterApps(host, ["a", "a2"]);
    const [bs] = counterApps(other, ["bs"]);
    const b = other.mount("b");
    b.on("b/x", (p) => log.push(`b heard ${p}`));
    bs.subscribe(() => log.push(`bs told ${bs.getState().count}`));
    a2.subscribe(() => log.push(`a2 told ${a2.getState().count}`));
    a.subscribe(() => {
      log.push(`a told ${a.getState().count}`);
      a2.store.dispatch({ type: "INC" });
      bs.store.dispatch({ type: "INC" });
      b.emit("b/x", a.getState().count);
      log.push("a done");
    });
    a.store.dispatch({ type: "INC" });
    a.store.dispatch({ type: "INC" });
    return log;
  });
  assert.deepEqual(result, ["a told 1", "bs told 1", "b heard 1", "a done", "a2 told 1", "a told 2", "bs told 2", "b heard 2", "a done", "a2 told 2"]);
});

test("across hosts: a fast batch's subscriber broadcasting in another host has that host's receivers told at once", async () => {
  // Parity: a subscriber of one host's fast broadcast broadcasts in another host, whose receivers
  // are on the fast path. Through the module that host has no batch under way: its broadcast runs
  // and tells at once. Holds: the same order on both paths, each receiver told once per change.
  const { result } = await sameAcrossHosts(({ host, other }) => {
    const log = [];
    const [a, c] = counterApps(host, ["a", "c"], ["INC"]);
    const receivers = counterApps(other, ["r1", "r2"], ["PING"], (s, x) => (x.type === "PING" ? { ...s, count: s.count + 1 } : s));
    for (const r of receivers) r.subscribe(() => log.push(`${r.name} told ${r.getState().count}`));
    const otherSender = other.mount("other-sender");
    a.subscribe(() => {
      log.push("a told");
      log.push(`reached ${otherSender.broadcast({ type: "PING" })}`);
    });
    c.subscribe(() => log.push("c told"));
    const sender = host.mount("sender");
    sender.broadcast({ type: "INC" });
    sender.broadcast({ type: "INC" });
    return log;
  });
  assert.deepEqual(result, ["a told", "r1 told 1", "r2 told 1", "reached 2", "c told", "a told", "r1 told 2", "r2 told 2", "reached 2", "c told"]);
});

test("across hosts: a plain message of one host's batch whose listener acts in another host has that host tell at once", async () => {
  // Parity: a subscriber of a fast batch emits a plain message on its own host (delivered with the
  // batch, after its round); that message's listener dispatches into a store of the other host and
  // emits there. Through the module the first host's notifications are held while the message is
  // delivered, the other host's are not. Holds: the other host tells and delivers at once, inside
  // the listener, and the first host's store changed in the same round comes after the message.
  const { result } = await sameAcrossHosts(({ host, other }) => {
    const log = [];
    const [a, a2] = counterApps(host, ["a", "a2"]);
    const la = host.mount("la");
    const [bs] = counterApps(other, ["bs"]);
    const b = other.mount("b");
    bs.subscribe(() => log.push(`bs told ${bs.getState().count}`));
    b.on("b/x", (p) => log.push(`b heard ${p}`));
    la.on("a/changed", (p) => {
      log.push(`la heard ${p}`);
      bs.store.dispatch({ type: "INC" });
      b.emit("b/x", p);
      log.push("la done");
    });
    a2.subscribe(() => log.push(`a2 told ${a2.getState().count}`));
    a.subscribe(() => {
      log.push(`a told ${a.getState().count}`);
      a.emit("a/changed", a.getState().count);
      a2.store.dispatch({ type: "ADD", payload: 10 });
      log.push("a done");
    });
    a.store.dispatch({ type: "INC" });
    // Again: the topic now known, nothing writes the first host's new states into the module before
    // the listener's dispatch does, under the delivery's hold (see bus-plain-path.test.mjs, "told once").
    a.store.dispatch({ type: "INC" });
    return log;
  });
  assert.deepEqual(result, [
    "a told 1", "a done", "la heard 1", "bs told 1", "b heard 1", "la done", "a2 told 10",
    "a told 2", "a done", "la heard 2", "bs told 2", "b heard 2", "la done", "a2 told 20",
  ]);
});

test("across hosts: messages plain messages' listeners publish through the module wait each in its own host's batch", async () => {
  // A plain message of the first host's batch has a listener publishing through the module (held,
  // and kept until the batch reaches the delivery's end, after the store queued behind it). That
  // store's subscriber dispatches into the other host, whose batch runs at once, inside it, with a
  // plain message of its own whose listener publishes too: that host's hold is kept as well, and
  // ends in its batch, after its own store, before the first host's ends. Through the module each
  // host's Batcher holds what was published in it until what it queued before is told.
  const { result } = await sameAcrossHosts(({ host, other }) => {
    const log = [];
    const hear = (app, topic, echo) =>
      app.on(topic, (p) => {
        log.push(`${app.name} heard ${p}`);
        if (echo) app.emit(echo, p);
      });
    const [a, a2] = counterApps(host, ["a", "a2"]);
    const [b, b2] = counterApps(other, ["b", "b2"]);
    hear(host.mount("la"), "a/changed", "la/echo");
    hear(host.mount("lb"), "la/echo");
    hear(other.mount("ma"), "b/changed", "ma/echo");
    hear(other.mount("mb"), "ma/echo");
    // Told, `store` emits its plain message, then changes `next` (queued behind the message).
    const emitThenChange = (store, next) =>
      store.subscribe(() => {
        const n = store.getState().count;
        log.push(`${store.name} told ${n}`);
        store.emit(`${store.name}/changed`, n);
        next.store.dispatch({ type: "INC" });
      });
    emitThenChange(a, a2);
    emitThenChange(b, b2);
    b2.subscribe(() => log.push(`b2 told ${b2.getState().count}`));
    a2.subscribe(() => {
      log.push(`a2 told ${a2.getState().count}`);
      b.store.dispatch({ type: "INC" });
      log.push("a2 done");
    });
    a.store.dispatch({ type: "INC" });
    return log;
  });
  assert.deepEqual(result, ["a told 1", "la heard 1", "a2 told 1", "b told 1", "ma heard 1", "b2 told 1", "mb heard 1", "a2 done", "lb heard 1"]);
});

test("across hosts: a fast reducer dispatching into another host's store changes it once, told in the module's order", async () => {
  // Attack (an impure reducer, which Redux forbids and a hostile app writes anyway): a fast-path
  // reducer of one host dispatches into a store of another host (on its fast path too: its state
  // known without asking the module), whose subscriber calls mfstate. Told at once inside that
  // reducer (the other host has no batch under way), the subscriber's call would be refused and
  // the reducer's action run again through the module: the other store changed twice. Holds: it
  // changes once per action, its subscriber's call works, and the order is the module's on both
  // paths.
  const { result } = await sameAcrossHosts(({ host, other }) => {
    const log = [];
    const [bs] = counterApps(other, ["bs"]);
    const b = other.mount("b");
    b.on("b/x", (p) => log.push(`b heard ${p}`));
    bs.subscribe(() => {
      log.push(`bs told ${bs.getState().count}`);
      b.emit("b/x", bs.getState().count);
    });
    const a = host.mount("a");
    a.createStore({ count: 0 }, (s, x) => {
      if (x.type !== "INC") return s;
      // (not logged: a fast reducer that steps aside runs again through the module)
      bs.store.dispatch({ type: "INC" });
      return { count: s.count + 1 };
    });
    a.subscribe(() => log.push(`a told ${a.getState().count}`));
    for (let i = 0; i < 2; i++) {
      bs.store.dispatch({ type: "ADD", payload: 100 }); // newer than the module: no need to ask it
      a.store.dispatch({ type: "INC" });
    }
    return { log, a: a.getState().count, bs: bs.getState().count };
  });
  assert.deepEqual(result.log, ["bs told 100", "b heard 100", "bs told 101", "b heard 101", "a told 1", "bs told 201", "b heard 201", "bs told 202", "b heard 202", "a told 2"]);
  assert.deepEqual([result.a, result.bs], [2, 202]);
});

/**
 * Recurses until the stack is nearly full, then calls `call` (behind `pad` frames) from one frame
 * higher each time, whatever it throws (what a hostile app can do on purpose), until `untold()`
 * says a call left a change untold (there was stack for the change, not for telling its
 * subscribers): that is left for the end of the turn, nothing after it called here. Gives up
 * `levels` frames up. Returns whether such a call was found.
 */
function untoldAtTheStackEdge(pad, levels, call, untold) {
  const padded = (k) => (k === 0 ? call() : padded(k - 1));
  let left = levels;
  let found = false;
  const edge = () => {
    try {
      edge();
    } catch {
      if (found || left-- <= 0) return;
      try {
        padded(pad);
      } catch {
        // no stack for the call, or a report that threw
      }
      if (untold()) {
        found = true;
        return;
      }
      throw new Error("once more, one frame up");
    }
  };
  try {
    edge();
  } catch {
    // the last frame's "once more"
  }
  return found;
}

test("across hosts: what a subscriber causes in another host at the edge of the stack is told there by the end of the turn", async (t) => {
  // Attack: from the edge of the stack, one frame higher each time, a fast dispatch whose subscriber
  // dispatches or broadcasts into another host (told there at once, in that host's own batch),
  // until a call changed the other host's store and found no stack left to tell its subscribers:
  // that is left in the other host's batch while this host's has nothing left, so the end of the
  // turn must look in every host's. Tried with flat and nested states, 1 and 3 receivers, 0-2
  // frames of padding (where the stack runs out moves with them). Holds: by the end of the turn
  // each store's subscriber has been told its last state, or its host's shell has heard that it
  // failed; every store still works.
  let hits = 0;
  let configurations = 0;
  for (const inner of ["dispatch", "broadcast"]) {
    for (const flat of [true, false]) {
      for (const [n, pad] of [[1, 0], [1, 1], [1, 2], [3, 0], [3, 1], [3, 2]]) {
        configurations++;
        const one = await testHost();
        const two = await testHost();
        const [a] = counterApps(one.host, ["a"]);
        const flatReducer = (s, x) => (x.type === "INC" ? { count: s.count + 1 } : s);
        const receivers = Array.from({ length: n }, (_, i) => {
          const r = two.host.mount(`r${i}`);
          if (flat) r.createStore({ count: 0 }, flatReducer);
          else r.createStore(initialUser(), counterReducer);
          r.accept("INC");
          return r;
        });
        const v = receivers[n - 1];
        const otherSender = two.host.mount("other-sender");
        const told = new Map([a, ...receivers].map((app) => [app, []]));
        let lastToldV = 0;
        for (const r of receivers) {
          r.subscribe(() => {
            const count = r.getState().count;
            if (r === v) lastToldV = count;
            told.get(r).push(count);
          });
        }
        a.subscribe(() => {
          told.get(a).push(a.getState().count);
          if (inner === "dispatch") v.store.dispatch({ type: "INC" });
          else otherSender.broadcast({ type: "INC" });
        });
        a.store.dispatch({ type: "INC" }); // warm: the attempts below take the same paths
        if (untoldAtTheStackEdge(pad, 400, () => a.store.dispatch({ type: "INC" }), () => v.getState().count !== lastToldV)) hits++;
        await new Promise((resolve) => setTimeout(resolve, 1));
        const what = `${inner}, ${flat ? "flat" : "nested"}, ${n} receivers, padding ${pad}`;
        const errors = [...one.errors, ...two.errors];
        for (const [app, list] of told) {
          const heard = (list.at(-1) ?? 0) === app.getState().count || errors.some((e) => e.code === "listener_error" && e.message.includes(`app "${app.name}"`));
          assert.ok(heard, `${what}: ${app.name} told of its last state (${list.at(-1)} of ${app.getState().count})`);
        }
        assert.ok(errors.every((e) => e.code === "listener_error"), errors.map((e) => e.message).join("; "));
        // Every store still works (none left reducing or telling for good, no batch left under way).
        const before = [...told.keys()].map((app) => app.getState().count);
        a.store.dispatch({ type: "INC" });
        const after = [...told.keys()].map((app) => app.getState().count);
        const changed = (app) => app === a || app === v || inner === "broadcast";
        assert.deepEqual(after, [...told.keys()].map((app, i) => before[i] + (changed(app) ? 1 : 0)), what);
        for (const [app, list] of told) if (changed(app)) assert.equal(list.at(-1), app.getState().count, `${what}: ${app.name} told`);
        one.host.dispose();
        two.host.dispose();
      }
    }
  }
  t.diagnostic(`${hits} of ${configurations} configurations left the other host's store changed and untold`);
  // Reported as skipped, not passed, when V8's compilation let no call stop in between.
  if (hits === 0) t.skip("no call left the other host's store changed and untold");
});
