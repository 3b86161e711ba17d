// How a fetch fails when the query function cannot give data, as query-core's: a query with no
// `queryFn` fails with "Missing queryFn: '<hash>'" (after its retries, as any failure), and a
// query function resolving `undefined` fails with "<hash> data is undefined" at once, not retried
// (query-core checks the data after its retryer). Each sequence runs on both libraries.
import { test } from "node:test";
import assert from "node:assert/strict";
import { settle, sameOnBothLibraries } from "./helpers.mjs";

/** Lets `ms` pass: the manual clock here, real timers in query-core. */
async function pass({ name, client }, ms) {
  if (name === "mfstate") client.advanceTime(ms);
  await settle();
  await new Promise((resolve) => setTimeout(resolve, name === "mfstate" ? 0 : ms + 5));
  await settle();
}

const failure = (client, key) => {
  const s = client.getQueryState(key);
  return { status: s.status, fetchStatus: s.fetchStatus, error: s.error?.message, failures: s.fetchFailureCount, reason: s.fetchFailureReason?.message };
};

/** Runs `body(logged)` with console.error collected in `logged` instead of printed (query-core logs the undefined data in development). */
async function quietly(body) {
  const log = console.error;
  const logged = [];
  console.error = (...args) => logged.push(args.map(String).join(" "));
  try {
    return await body(logged);
  } finally {
    console.error = log;
  }
}

test("a query function resolving undefined fails with query-core's error at once, whatever retry says", async () => {
  const steps = await sameOnBothLibraries((side, record) =>
    quietly(async () => {
      const { client } = side;
      let calls = 0;
      const fetched = client
        .fetchQuery({ queryKey: ["user", { id: 1 }], retry: 2, retryDelay: 1, queryFn: async () => (calls++, undefined) })
        .catch((e) => e);
      for (let i = 0; i < 4; i++) await pass(side, 5);
      const error = await fetched;
      record("rejected with", [error instanceof Error, error.message]);
      record("the cached error is it", client.getQueryState(["user", { id: 1 }]).error === error);
      record("state", failure(client, ["user", { id: 1 }]));
      record("query function calls", calls);
    }),
  );
  assert.deepEqual(steps[0][1], [true, '["user",{"id":1}] data is undefined']);
  assert.equal(steps.at(-1)[1], 1);
});

test("a query function resolving undefined is logged with console.error, as query-core's development build does, once a fetch", async () => {
  const steps = await sameOnBothLibraries((side, record) =>
    quietly(async (logged) => {
      const { client, QueryObserver } = side;
      await client.fetchQuery({ queryKey: ["user", { id: 2 }], queryFn: () => undefined }).catch(() => {});
      record("fetchQuery logged", logged.splice(0));
      const observer = new QueryObserver(client, { queryKey: ["list"], queryFn: async () => undefined });
      const stop = observer.subscribe(() => {});
      for (let i = 0; i < 2; i++) await pass(side, 5);
      record("an observer's fetch logged", logged.splice(0));
      stop();
    }),
  );
  assert.deepEqual(steps[0][1], [
    'Query data cannot be undefined. Please make sure to return a value other than undefined from your query function. Affected query key: ["user",{"id":2}]',
  ]);
  assert.equal(steps[1][1].length, 1);
});

test("an observer whose query function resolves undefined shows that error", async () => {
  await sameOnBothLibraries((side, record) =>
    quietly(async () => {
      const { client, QueryObserver } = side;
      const observer = new QueryObserver(client, { queryKey: ["list"], queryFn: () => undefined });
      const stop = observer.subscribe(() => {});
      for (let i = 0; i < 2; i++) await pass(side, 5);
      const r = observer.getCurrentResult();
      record("result", [r.status, r.error?.message, r.failureCount]);
      stop();
    }),
  );
});

test("a query with no queryFn fails with \"Missing queryFn: '<hash>'\" after its retries", async () => {
  const steps = await sameOnBothLibraries(async (side, record) => {
    const { client } = side;
    const key = ["todos", { page: 2, done: false }];
    const fetched = client.fetchQuery({ queryKey: key, retry: 1, retryDelay: 10 }).catch((e) => e);
    await pass(side, 0);
    record("after the first attempt", failure(client, key));
    await pass(side, 10);
    await pass(side, 0);
    const error = await fetched;
    record("rejected with", error.message);
    record("state", failure(client, key));
  });
  assert.equal(steps[1][1], `Missing queryFn: '["todos",{"done":false,"page":2}]'`);
});

test("an observer with no queryFn, plain or infinite, shows query-core's Missing queryFn error", async () => {
  await sameOnBothLibraries(async (side, record) => {
    const { client, QueryObserver, InfiniteQueryObserver } = side;
    const plain = new QueryObserver(client, { queryKey: ["plain"], retry: false });
    const infinite = new InfiniteQueryObserver(client, { queryKey: ["pages"], retry: false, initialPageParam: 0, getNextPageParam: () => undefined });
    const stops = [plain.subscribe(() => {}), infinite.subscribe(() => {})];
    for (let i = 0; i < 2; i++) await pass(side, 5);
    for (const [name, o] of [["plain", plain], ["infinite", infinite]]) {
      const r = o.getCurrentResult();
      record(name, [r.status, r.error?.message]);
    }
    for (const stop of stops) stop();
  });
});

test("the missing-queryFn error is a plain Error, as query-core's: what name, toString and prototype checks see", async () => {
  const steps = await sameOnBothLibraries(async (side, record) => {
    const { client, InfiniteQueryObserver } = side;
    const plain = await client.fetchQuery({ queryKey: ["no fn"], retry: false }).catch((e) => e);
    const infinite = new InfiniteQueryObserver(client, { queryKey: ["no fn pages"], retry: false, initialPageParam: 0, getNextPageParam: () => undefined });
    const stop = infinite.subscribe(() => {});
    await pass(side, 0);
    await pass(side, 0);
    for (const [name, e] of [["plain", plain], ["infinite", infinite.getCurrentResult().error]]) {
      record(name, [e instanceof Error, Object.getPrototypeOf(e) === Error.prototype, e.name, e.constructor.name, String(e), Object.keys(e)]);
    }
    stop();
  });
  assert.deepEqual(steps[0][1], [true, true, "Error", "Error", `Error: Missing queryFn: '["no fn"]'`, []]);
});
