// A dispatch a busy store holds back inside a transaction (a subscriber, reducer or middleware
// dispatching to its own store while a transaction it opened is open) is that transaction's: its
// rollback drops it unrun, and what was queued outside it (or in an enclosing frame that commits)
// stands. The module's store does this for its own queue (tests/host_transaction_queued_dispatch_
// test.cpp); the fast path keeps a queue of its own for the dispatches its subscribers make, which
// must do the same. Each scenario runs on a store that takes the fast path and on one whose
// dispatches go through the module (an inspector listening), and must end the same on both.
import { test } from "node:test";
import assert from "node:assert/strict";
import { counterReducer, initialUser, testHost } from "./helpers.mjs";

/** Runs `scenario` on the fast path and through the module; returns both results. */
async function onBothPaths(scenario) {
  const out = [];
  for (const throughModule of [false, true]) {
    const { host, errors } = await testHost();
    if (throughModule) host.inspector.subscribe(() => {});
    const app = host.mount("a");
    const store = app.createStore(initialUser(), counterReducer);
    const b = host.mount("b");
    b.createStore(initialUser(), counterReducer);
    b.accept("INC");
    const result = scenario({ host, app, store, b });
    out.push({ ...result, errors: errors.map((e) => e.message) });
    host.dispose();
  }
  return out;
}

function rolledBack(opener, body) {
  assert.throws(
    () =>
      opener.transaction(() => {
        body();
        throw new Error("undo");
      }),
    /undo/,
  );
}

/** A subscriber that runs `once` on the first notification only, recording every count it is told. */
function onFirstNotification(store, once) {
  const seen = [];
  let first = true;
  store.subscribe(() => {
    seen.push(store.getState().count);
    if (!first) return;
    first = false;
    once();
  });
  return seen;
}

test("a subscriber's own dispatch inside a rolled-back transaction is dropped; one outside it stands", async () => {
  const runs = await onBothPaths(({ app, store }) => {
    const seen = onFirstNotification(store, () => {
      store.dispatch({ type: "ADD", payload: 1 }); // queued (the store is telling), outside any transaction: kept
      rolledBack(app, () => store.dispatch({ type: "ADD", payload: 10 }));
    });
    store.dispatch({ type: "INC" });
    return { count: store.getState().count, seen };
  });
  assert.deepEqual(runs[0], runs[1]);
  assert.equal(runs[0].count, 2);
  assert.deepEqual(runs[0].seen, [1, 2]);
  assert.deepEqual(runs[0].errors, []);
});

test("the host's transaction too", async () => {
  const runs = await onBothPaths(({ host, store }) => {
    onFirstNotification(store, () => rolledBack(host, () => store.dispatch({ type: "ADD", payload: 10 })));
    store.dispatch({ type: "INC" });
    return { count: store.getState().count };
  });
  assert.deepEqual(runs[0], runs[1]);
  assert.equal(runs[0].count, 1);
});

test("the dropped dispatch goes with what else the frame undid", async () => {
  const runs = await onBothPaths(({ app, store, b }) => {
    onFirstNotification(store, () =>
      rolledBack(app, () => {
        app.send("b", { type: "INC" });
        store.dispatch({ type: "ADD", payload: 10 });
      }),
    );
    store.dispatch({ type: "INC" });
    return { count: store.getState().count, b: b.getState().count };
  });
  assert.deepEqual(runs[0], runs[1]);
  assert.deepEqual([runs[0].count, runs[0].b], [1, 0]);
});

test("a dispatch queued before a call into the module inside the frame is undone with the frame", async () => {
  const runs = await onBothPaths(({ app, store, b }) => {
    onFirstNotification(store, () =>
      rolledBack(app, () => {
        store.dispatch({ type: "ADD", payload: 10 });
        app.send("b", { type: "INC" });
      }),
    );
    store.dispatch({ type: "INC" });
    return { count: store.getState().count, b: b.getState().count };
  });
  assert.deepEqual(runs[0], runs[1]);
  assert.deepEqual([runs[0].count, runs[0].b], [1, 0]);
});

test("what was queued outside the rolled-back frame stands, and a frame committed into it goes with it", async () => {
  const runs = await onBothPaths(({ app, store }) => {
    onFirstNotification(store, () => {
      store.dispatch({ type: "ADD", payload: 1 });
      rolledBack(app, () => {
        store.dispatch({ type: "ADD", payload: 10 });
        app.transaction(() => store.dispatch({ type: "ADD", payload: 100 })); // committed into the rolled-back one
      });
      store.dispatch({ type: "ADD", payload: 1000 }); // after the rollback: kept
    });
    store.dispatch({ type: "INC" });
    return { count: store.getState().count };
  });
  assert.deepEqual(runs[0], runs[1]);
  assert.equal(runs[0].count, 1002);
});

test("inside an enclosing transaction that commits, what it queued stands and the inner rollback's dispatch does not", async () => {
  const runs = await onBothPaths(({ host, app, store }) => {
    onFirstNotification(store, () =>
      host.transaction(() => {
        store.dispatch({ type: "ADD", payload: 1 });
        rolledBack(app, () => store.dispatch({ type: "ADD", payload: 10 }));
        store.dispatch({ type: "ADD", payload: 1000 });
      }),
    );
    store.dispatch({ type: "INC" });
    return { count: store.getState().count };
  });
  assert.deepEqual(runs[0], runs[1]);
  assert.equal(runs[0].count, 1002);
});

test("an outer rollback drops what a committed inner transaction queued", async () => {
  const runs = await onBothPaths(({ host, app, store }) => {
    onFirstNotification(store, () => rolledBack(host, () => app.transaction(() => store.dispatch({ type: "ADD", payload: 5 }))));
    store.dispatch({ type: "INC" });
    return { count: store.getState().count };
  });
  assert.deepEqual(runs[0], runs[1]);
  assert.equal(runs[0].count, 1);
});

test("a transaction committed earlier keeps its dispatch from a later rollback", async () => {
  const runs = await onBothPaths(({ app, store }) => {
    onFirstNotification(store, () => {
      app.transaction(() => store.dispatch({ type: "ADD", payload: 5 }));
      rolledBack(app, () => store.dispatch({ type: "ADD", payload: 10 }));
    });
    store.dispatch({ type: "INC" });
    return { count: store.getState().count };
  });
  assert.deepEqual(runs[0], runs[1]);
  assert.equal(runs[0].count, 6);
});

test("another host's rolled-back transaction does not drop this store's dispatch (its frame is not this host's)", async () => {
  const counts = [];
  for (const throughModule of [false, true]) {
    const { host } = await testHost();
    const { host: other } = await testHost();
    if (throughModule) host.inspector.subscribe(() => {});
    const store = host.mount("a").createStore(initialUser(), counterReducer);
    onFirstNotification(store, () => rolledBack(other, () => store.dispatch({ type: "ADD", payload: 10 })));
    store.dispatch({ type: "INC" });
    counts.push(store.getState().count);
    host.dispose();
    other.dispose();
  }
  assert.deepEqual(counts, [11, 11]);
});

test("a reducer's own dispatch inside a rolled-back transaction is dropped; the reducer's change stands", async () => {
  const runs = await onBothPaths(({ host }) => {
    const c = host.mount("c");
    const store = c.createStore({ count: 0, opened: false }, (s, a) => {
      if (a.type === "OPEN") {
        // On the fast path the transaction is refused (a fast reducer calling into the module
        // steps aside) and the reducer runs again through the module, where it opens.
        let undone = false;
        try {
          c.transaction(() => {
            c.dispatch({ type: "ADD", payload: 5 });
            throw new Error("undo");
          });
        } catch (e) {
          undone = e.message === "undo";
        }
        return { ...s, opened: undone };
      }
      return a.type === "ADD" ? { ...s, count: s.count + a.payload } : s;
    });
    store.dispatch({ type: "OPEN" });
    return { state: store.getState() };
  });
  assert.deepEqual(runs[0], runs[1]);
  assert.deepEqual(runs[0].state, { count: 0, opened: true });
  assert.deepEqual(runs[0].errors, []);
});

test("a middleware's own dispatch inside a rolled-back transaction is dropped", async () => {
  const { host, errors } = await testHost();
  const app = host.mount("a");
  let open = true;
  const store = app.createStore(initialUser(), counterReducer, [
    () => (next) => (action) => {
      next(action);
      if (!open) return;
      open = false;
      rolledBack(app, () => app.dispatch({ type: "ADD", payload: 10 }));
    },
  ]);
  store.dispatch({ type: "INC" });
  assert.equal(store.getState().count, 1);
  assert.deepEqual(errors, []);
  host.dispose();
});

test("a command handler's dispatch to the busy store is dropped when the handler throws (its command is a transaction)", async () => {
  const runs = await onBothPaths(({ host, app, store }) => {
    const c = host.mount("c");
    c.accept("POKE", {
      handler: () => {
        store.dispatch({ type: "ADD", payload: 10 }); // a shell's handler holding app a's store
        throw new Error("undo");
      },
    });
    onFirstNotification(store, () => assert.throws(() => app.send("c", { type: "POKE" }), /undo/));
    store.dispatch({ type: "INC" });
    return { count: store.getState().count };
  });
  assert.deepEqual(runs[0], runs[1]);
  assert.equal(runs[0].count, 1);
});

test("a broadcast that fails drops what a receiver's handler queued before the failure", async () => {
  const runs = await onBothPaths(({ host, app, store }) => {
    const c = host.mount("c");
    c.accept("POKE", { handler: () => void store.dispatch({ type: "ADD", payload: 10 }) });
    const d = host.mount("d");
    d.accept("POKE", {
      handler: () => {
        throw new Error("undo");
      },
    });
    onFirstNotification(store, () => assert.throws(() => app.broadcast({ type: "POKE" }), /undo/));
    store.dispatch({ type: "INC" });
    return { count: store.getState().count };
  });
  assert.deepEqual(runs[0], runs[1]);
  assert.equal(runs[0].count, 1);
});

test("a command handler that returns keeps its dispatch", async () => {
  const runs = await onBothPaths(({ host, app, store }) => {
    const c = host.mount("c");
    c.accept("POKE", { handler: () => void store.dispatch({ type: "ADD", payload: 10 }) });
    onFirstNotification(store, () => app.send("c", { type: "POKE" }));
    store.dispatch({ type: "INC" });
    return { count: store.getState().count };
  });
  assert.deepEqual(runs[0], runs[1]);
  assert.equal(runs[0].count, 11);
});
