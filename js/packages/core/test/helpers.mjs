// Shared by the tests: a host on a manual clock that validates every value and collects the errors
// its handler receives, the W1-style counter app of the C++ tests, and the parity tests' runner
// (the same scenario on the fast paths and through the module).
import assert from "node:assert/strict";
import * as mfstate from "../lib/index.js";
import * as tanstack from "@tanstack/query-core";
import { api } from "../lib/wasm.js";

export { mfstate };

/** A host on a manual clock (`advanceTime`), validating always; `errors` collects onError's. */
export async function testHost(options = {}) {
  const errors = [];
  const host = await mfstate.createHost({
    clock: "manual",
    now: 1_000_000,
    validation: "always",
    listenToPage: false,
    onError: (e) => errors.push(e),
    ...options,
  });
  return { host, errors };
}

export const initialUser = () => ({ count: 0, user: { userId: "S6nRz7bZ8Cv1dfTm", name: "John Doe" } });

export function counterReducer(state, action) {
  switch (action.type) {
    case "INC":
      return { ...state, count: state.count + 1 };
    case "ADD":
      return { ...state, count: state.count + action.payload };
    case "RENAME":
      return { ...state, user: { ...state.user, name: action.payload } };
    case "BOOM":
      throw new TypeError("boom in " + action.type);
    default:
      return state;
  }
}

/** Resolves after pending promise jobs (a query function's promise) have run. No timers. */
export async function settle(rounds = 5) {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/** A promise and its resolve/reject, for query functions the test completes by hand. */
export function deferred() {
  let resolve, reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Calls `call` from the stack's limit up, one frame higher each time a call fails (a RangeError
 * wherever the stack runs out: before the call, inside it, or in its last `finally`), until `times`
 * calls got through. What a hostile app can do on purpose. Returns how many got through.
 */
export function fromTheStackEdge(call, times) {
  let through = 0;
  const edge = () => {
    try {
      edge();
    } catch {
      if (through >= times) return;
      call(); // its failure: one frame up
      through++;
      throw new Error("once more, one frame up");
    }
  };
  try {
    edge();
  } catch {
    // the last frame's "once more"
  }
  return through;
}

/** Resolves with what `start(resolve)` hands it, or rejects after `ms` (a bound, not a sleep). */
export function within(ms, what, start) {
  return new Promise((resolve, reject) => {
    const bound = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
    start((v) => {
      clearTimeout(bound);
      resolve(v);
    });
  });
}

/** An error as the parity tests compare it: its code, its message, and its cause's message or code. */
export function errorShape(e) {
  return e === undefined ? undefined : { code: e.code, message: e.message, cause: e.cause?.message ?? e.cause?.code };
}

/** What `fn` returned ({returned}) or threw ({threw: errorShape}). */
export function attempt(fn) {
  try {
    return { returned: fn() };
  } catch (e) {
    return { threw: errorShape(e) };
  }
}

/**
 * Runs `scenario({host, errors, throughModule})` on a host whose stores and broadcasts take their
 * fast paths, then on one where an inspector listening sends everything through the module; requires
 * the same result and the same errors on both, and returns the first run's `{result, errors}`.
 */
export async function sameOnBothPaths(scenario, options = {}) {
  const runs = [];
  for (const throughModule of [false, true]) {
    const { host, errors } = await testHost(options);
    if (throughModule) host.inspector.subscribe(() => {});
    const result = scenario({ host, errors, throughModule });
    runs.push({ result, errors: errors.map(errorShape) });
    host.dispose();
  }
  assert.deepEqual(runs[0], runs[1]);
  return runs[0];
}

/** Mounts `names`, each with a store of initialUser() and `reducer`, accepting `types` in order. */
export function counterApps(host, names, types = [], reducer = counterReducer) {
  return names.map((name) => {
    const app = host.mount(name);
    app.createStore(initialUser(), reducer);
    for (const t of types) app.accept(t);
    return app;
  });
}

/**
 * Plants on each prototype of `plantings` ([prototype, names] pairs) an accessor for each name, as a
 * hostile app on the page can: a read answers undefined; a write is noted in `stolen` while
 * `watching()` says so, then stored on the object written to (the page keeps working). Names a
 * prototype already has are left alone. Returns what takes the accessors away again.
 */
export function plantSetters(plantings, stolen, watching) {
  const undo = [];
  for (const [target, names] of plantings) {
    for (const name of names) {
      if (Object.getOwnPropertyDescriptor(target, name)) continue;
      Object.defineProperty(target, name, {
        configurable: true,
        get() {
          return undefined;
        },
        set(v) {
          if (watching()) stolen.add(name);
          Object.defineProperty(this, name, { value: v, writable: true, enumerable: true, configurable: true });
        },
      });
      undo.push([target, name]);
    }
  }
  return () => {
    for (const [target, name] of undo) delete target[name];
  };
}

/**
 * Recurses until the stack is nearly full, then calls `call` (behind `pad` frames) from one frame
 * higher each time, until a call that threw had changed what `read` returns (there was stack for
 * the change, not for what follows it: telling subscribers). What a hostile app does to leave a
 * change untold. Returns whether such a call was found (where the stack runs out moves with V8's
 * compilation, so not every configuration finds one).
 */
export function changeAtTheStackEdge(pad, call, read) {
  const padded = (k) => (k === 0 ? call() : padded(k - 1));
  let done = false;
  const edge = () => {
    try {
      edge();
    } catch {
      if (done) return;
      const before = read();
      try {
        padded(pad);
      } catch {
        // As little as can be here, at the edge: a check that itself ran out of stack would miss
        // the call it looks for.
        if (read() !== before) {
          done = true;
          return;
        }
      }
      throw new Error("once more, one frame up");
    }
  };
  try {
    edge();
  } catch {
    // the last frame's "once more"
  }
  return done;
}

/** Asserts `v` and everything in it frozen, naming the first part that is not. */
export function assertDeepFrozen(v, path = "value") {
  if (typeof v !== "object" || v === null) return;
  assert.ok(Object.isFrozen(v), `${path} is frozen`);
  for (const [k, x] of Object.entries(v)) assertDeepFrozen(x, `${path}.${k}`);
}

/** Whether `x` and everything in it is frozen. */
export function deeplyFrozen(x) {
  if (typeof x !== "object" || x === null) return true;
  return Object.isFrozen(x) && Object.values(x).every(deeplyFrozen);
}

/**
 * @mfstate/core and @tanstack/query-core side by side, each with a new client and its observer
 * classes (query-core's notifications in microtasks, where by default they wait for a timer).
 */
export async function bothLibraries() {
  await mfstate.loadMfstate();
  tanstack.notifyManager.setScheduler(queueMicrotask);
  return [
    { name: "mfstate", client: new mfstate.QueryClient({ clock: "manual", now: 1_000_000 }), QueryObserver: mfstate.QueryObserver, QueriesObserver: mfstate.QueriesObserver, InfiniteQueryObserver: mfstate.InfiniteQueryObserver },
    { name: "query-core", client: new tanstack.QueryClient(), QueryObserver: tanstack.QueryObserver, QueriesObserver: tanstack.QueriesObserver, InfiniteQueryObserver: tanstack.InfiniteQueryObserver },
  ];
}

/** Runs `sequence(side, record)` on both libraries and asserts they recorded the same steps; returns @mfstate/core's. */
export async function sameOnBothLibraries(sequence) {
  const recorded = [];
  for (const side of await bothLibraries()) {
    const steps = [];
    await sequence(side, (label, value) => steps.push([label, value]));
    recorded.push(steps);
    side.client.clear();
  }
  const [mine, theirs] = recorded;
  for (let i = 0; i < Math.max(mine.length, theirs.length); i++) {
    assert.deepEqual(mine[i], theirs[i], `step ${i} (${mine[i]?.[0] ?? theirs[i]?.[0]}): @mfstate/core, then query-core`);
  }
  return mine;
}

/**
 * A KeyTable (lib/query/core.js) whose find and add answer what the entry holds (KeyTable.entry)
 * instead of its id: undefined for a key not found.
 */
export function entryTable(table) {
  return {
    table,
    find: (key, hash) => table.entry(table.find(key, hash)),
    add: (key, index, hash) => table.entry(table.add(key, index, hash)),
  };
}

/** A stream the test feeds: `push` a chunk, `end` it; `stream()` is the AsyncIterable (one reader at a time). */
export function feed() {
  const queue = [];
  let ended = false;
  let wake;
  return {
    push(chunk) {
      queue.push(chunk);
      wake?.();
    },
    end() {
      ended = true;
      wake?.();
    },
    async *stream() {
      for (;;) {
        while (queue.length > 0) yield queue.shift();
        if (ended) return;
        await new Promise((resolve) => (wake = resolve));
        wake = undefined;
      }
    },
  };
}

/**
 * Starts `n` mutations of `app` whose functions answer only when told (`answers[i]`); returns
 * their outcomes (settled promises) and the signals their functions got. `called`: how many of the
 * functions run at once (fewer when they wait in one scope).
 */
export async function pendingMutations(app, n, options = {}, called = n) {
  const answers = [];
  const signals = [];
  const outcomes = [];
  for (let i = 0; i < n; i++) {
    const observer = new mfstate.MutationObserver(app.queryClient, {
      ...options,
      mutationFn: (v, { signal }) => {
        signals.push(signal);
        return new Promise((resolve) => answers.push(resolve));
      },
    });
    outcomes.push(
      observer.mutate(i).then(
        (data) => ({ data }),
        (error) => ({ error }),
      ),
    );
  }
  await settle(10);
  assert.equal(answers.length, called, "the functions were called");
  return { answers, signals, outcomes };
}

/**
 * How many times `run` called the module's export `entry` (default: an app's dispatch): what
 * shows whether a dispatch, emit or broadcast took its fast path or went through the module.
 */
export function throughModule(run, entry = "mfs_app_dispatch") {
  const real = api[entry];
  let n = 0;
  api[entry] = (...args) => {
    n++;
    return real(...args);
  };
  try {
    run();
  } finally {
    api[entry] = real;
  }
  return n;
}
