// Shared by the tests: a host on a manual clock that validates every value and collects the errors
// its handler receives, and the W1-style counter app of the C++ tests.
import * as mfstate from "../dist/index.js";

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
