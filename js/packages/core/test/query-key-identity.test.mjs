// One key identity in the package, the module's: sameQueryKey (and keyIdentity, its text for maps)
// say two keys are one query exactly when the module's cache holds them as one entry. query-core
// compares its hashKey text instead (JSON: NaN, ±Infinity and null spelled alike, a lone surrogate
// escaped, an own "__proto__" member left out); hashKey stays that text, but nothing in the
// package keys a query by it: useQueries' observers, an infinite query's requested page, an
// observer's initial data and change of key, exact filters.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mfstate, settle } from "./helpers.mjs";
import { keyIdentity, sameQueryKey } from "../lib/query/key_identity.js";

const { QueryClient, QueryObserver, QueriesObserver, InfiniteQueryObserver, hashKey, matchQuery, matchMutation, partialMatchKey } = mfstate;

async function client() {
  await mfstate.loadMfstate();
  return new QueryClient({ clock: "manual", now: 1_000_000 });
}

class Point {
  constructor() {
    this.x = 1;
  }
}

const ownProto = () => JSON.parse('{"__proto__": 1, "a": 2}');
const sparse = () => {
  const a = ["s", 1];
  a[3] = 3; // a hole at 2
  return a;
};

// [what, a, b]: keys the module may hold as one entry or as two.
const tricky = [
  ["an undefined element and null", () => ["k", undefined], () => ["k", null]],
  ["a hole and null", sparse, () => ["s", 1, null, 3]],
  ["a hole and undefined", sparse, () => ["s", 1, undefined, 3]],
  ["an undefined member and none", () => ["k", { a: undefined, b: 1 }], () => ["k", { b: 1 }]],
  ["an undefined member and a null one", () => ["k", { a: undefined, b: 1 }], () => ["k", { a: null, b: 1 }]],
  ["a null member and none", () => ["k", { a: null }], () => ["k", {}]],
  ["-0 and 0", () => ["k", -0], () => ["k", 0]],
  ["-0 and 0 in an object", () => ["k", { x: -0 }], () => ["k", { x: 0 }]],
  ["NaN and null", () => ["k", NaN], () => ["k", null]],
  ["NaN and a NaN of other bits", () => ["k", NaN], () => ["k", new Float64Array(new Uint32Array([7, 0xfff80000]).buffer)[0]]],
  ["Infinity and null", () => ["k", { x: Infinity }], () => ["k", { x: null }]],
  ["Infinity and -Infinity", () => ["k", Infinity], () => ["k", -Infinity]],
  ["NaN and Infinity", () => ["k", [NaN]], () => ["k", [Infinity]]],
  ["a lone surrogate and U+FFFD", () => ["k", "a\uD800b"], () => ["k", "a\uFFFDb"]],
  ["a lone low surrogate and U+FFFD", () => ["k", ["\uDC00"]], () => ["k", ["\uFFFD"]]],
  ["a surrogate pair and U+FFFD twice", () => ["k", "\uD83D\uDE00"], () => ["k", "\uFFFD\uFFFD"]],
  ["a lone surrogate in a member name", () => ["k", { "\uD800": 1 }], () => ["k", { "\uFFFD": 1 }]],
  ["member names one after U+FFFD (the last written wins)", () => ["k", { "\uFFFD": 1, "\uD800": 2 }], () => ["k", { "\uFFFD": 2 }]],
  ["member names one after U+FFFD, the other value", () => ["k", { "\uFFFD": 1, "\uD800": 2 }], () => ["k", { "\uFFFD": 1 }]],
  ["an own __proto__ member and none", () => ["k", ownProto()], () => ["k", { a: 2 }]],
  ["an own __proto__ member twice", () => ["k", ownProto()], () => ["k", ownProto()]],
  ["member order", () => ["k", { a: 1, b: [2, { c: 3, d: 4 }] }], () => ["k", { b: [2, { d: 4, c: 3 }], a: 1 }]],
  ["array-index member names", () => ["k", { 10: "x", 9: "y", b: 1 }], () => ["k", { b: 1, 9: "y", 10: "x" }]],
  ["a prototype-free object and a plain one", () => ["k", Object.assign(Object.create(null), { a: 1 })], () => ["k", { a: 1 }]],
  ["an empty array and an empty object", () => ["k", []], () => ["k", {}]],
  ["a number and its string", () => ["k", 1], () => ["k", "1"]],
  ["true and 1", () => ["k", true], () => ["k", 1]],
  ["a prefix", () => ["k", 1], () => ["k", 1, undefined]],
  ["nested deeper than the direct text goes", () => ["k", nest(40, NaN)], () => ["k", nest(40, null)]],
  ["nested deeper, the same", () => ["k", nest(40, { a: undefined, b: -0 })], () => ["k", nest(40, { b: 0 })]],
];

function nest(depth, leaf) {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

test("the package's key identity is the module's, on every tricky key (seen through the cache)", async () => {
  for (const [what, a, b] of tricky) {
    const qc = await client();
    qc.setQueryData(a(), "a");
    qc.setQueryData(b(), "b");
    // The module's identity: one entry, or two (getAll asks the module).
    const moduleSame = qc.getQueryCache().getAll().length === 1;
    assert.equal(sameQueryKey(a(), b()), moduleSame, `${what}: sameQueryKey`);
    assert.equal(sameQueryKey(b(), a()), moduleSame, `${what}: sameQueryKey, the other way`);
    assert.equal(keyIdentity(a()) === keyIdentity(b()), moduleSame, `${what}: keyIdentity`);
    assert.equal(qc.getQueryData(a()), moduleSame ? "b" : "a", `${what}: a read of the first key`);
    const q = qc.getQueryCache().getAll()[0];
    assert.equal(matchQuery({ queryKey: a(), exact: true }, q) && matchQuery({ queryKey: b(), exact: true }, q), moduleSame, `${what}: matchQuery exact`);
    const m = { options: { mutationKey: a() }, state: { status: "idle" } };
    assert.equal(matchMutation({ mutationKey: b(), exact: true }, m), moduleSame, `${what}: matchMutation exact`);
    // setQueryData with one, getQueryData with the other, on a cache that never saw the other.
    const fresh = await client();
    fresh.setQueryData(a(), "only");
    assert.equal(fresh.getQueryData(b()), moduleSame ? "only" : undefined, `${what}: a set through one key, a read through the other`);
  }
});

test("a key part the module refuses (a Date, a class instance, a function) is no key it holds", async () => {
  const qc = await client();
  for (const [refused, held] of [
    [["k", new Date(0)], ["k", "1970-01-01T00:00:00.000Z"]],
    [["k", new Point()], ["k", { x: 1 }]],
    [["k", () => 1], ["k", null]],
    [["k", Symbol("s")], ["k", null]],
  ]) {
    assert.throws(() => qc.setQueryData(refused, 1), { code: "invalid_argument" });
    assert.equal(sameQueryKey(refused, held), false);
    assert.notEqual(keyIdentity(refused), keyIdentity(held));
  }
  // hashKey stays query-core's text, which has them alike.
  assert.equal(hashKey(["k", new Date(0)]), hashKey(["k", "1970-01-01T00:00:00.000Z"]));
});

test("keyIdentity is hashKey's text for a key that text tells apart, another text for the rest", () => {
  for (const key of [["user", { id: 42 }], ["a", 1, true, null, [2.5, "x"], { b: { c: "é\n" } }], [], ["k", -0]]) {
    assert.equal(keyIdentity(key), hashKey(key));
  }
  assert.equal(hashKey(["k", NaN]), '["k",null]', "hashKey is query-core's");
  assert.equal(keyIdentity(["k", NaN]), '["k",NaN]');
  assert.equal(keyIdentity(["k", -Infinity, undefined]), '["k",-Infinity,null]');
  assert.equal(keyIdentity(["k", "\uD800"]), keyIdentity(["k", "\uFFFD"]));
  assert.notEqual(hashKey(["k", "\uD800"]), hashKey(["k", "\uFFFD"]));
});

test("sameQueryKey and keyIdentity agree on random keys", () => {
  let seed = 99;
  const rand = (n) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const leaves = [0, -0, 1, NaN, Infinity, -Infinity, null, undefined, "a", "\uD800", "\uFFFD", "", true, false];
  const names = ["a", "b", "\uD800", "\uFFFD", "__proto__", "1", "10"];
  const part = (depth) => {
    const r = rand(depth > 0 ? 5 : 3);
    if (r < 3) return leaves[rand(leaves.length)];
    if (r === 3) return Array.from({ length: rand(3) }, () => part(depth - 1));
    const o = rand(4) === 0 ? Object.create(null) : {};
    for (let i = rand(3); i > 0; i--) Object.defineProperty(o, names[rand(names.length)], { value: part(depth - 1), enumerable: true, writable: true, configurable: true });
    return o;
  };
  const keys = Array.from({ length: 300 }, () => Array.from({ length: 1 + rand(2) }, () => part(2)));
  let same = 0;
  for (const a of keys) {
    for (const b of keys) {
      const s = sameQueryKey(a, b);
      assert.equal(s, keyIdentity(a) === keyIdentity(b), `${keyIdentity(a)} / ${keyIdentity(b)}`);
      if (s && a !== b) same++;
    }
  }
  assert.ok(same > 100, "the keys meet their other spellings");
});

test("useQueries: ['k', NaN] and ['k', null] are two queries, each keeping its observer", async () => {
  const qc = await client();
  const warnings = [];
  const warn = console.warn;
  console.warn = (...args) => warnings.push(args.join(" "));
  try {
    const observer = new QueriesObserver(qc, [{ queryKey: ["k", NaN], queryFn: () => "nan", enabled: false }]);
    const [nanObserver] = observer.getObservers();
    observer.setQueries([
      { queryKey: ["k", null], queryFn: () => "null", enabled: false },
      { queryKey: ["k", NaN], queryFn: () => "nan", enabled: false },
    ]);
    const [nullObserver, stillNan] = observer.getObservers();
    assert.equal(stillNan, nanObserver, "the NaN query keeps its observer");
    assert.notEqual(nullObserver, nanObserver);
    assert.deepEqual(warnings, [], "no duplicate queries");
  } finally {
    console.warn = warn;
  }
});

test("an infinite query's next page asked for ['k', NaN] is not taken by ['k', null]'s refetch", async () => {
  const qc = await client();
  // NaN's fetches wait for `release` while it is set; null's answer at once.
  let release;
  const options = (x) => ({
    queryKey: ["k", x],
    initialPageParam: 0,
    queryFn: ({ pageParam }) => (release && x !== null ? new Promise((resolve) => (release = () => resolve(`${x}:${pageParam}`))) : `${x}:${pageParam}`),
    getNextPageParam: (_last, pages) => pages.length,
  });
  const ofNull = new InfiniteQueryObserver(qc, options(null));
  const ofNaN = new InfiniteQueryObserver(qc, options(NaN));
  const stops = [ofNull.subscribe(() => {}), ofNaN.subscribe(() => {})];
  await settle();
  assert.deepEqual(qc.getQueryData(["k", null]).pages, ["null:0"]);
  // NaN's refetch is under way when its next page is asked for without cancelling it: the request
  // stands while that fetch does. null's refetch meanwhile is a refetch of null's pages.
  release = () => {};
  const refetching = ofNaN.refetch();
  await settle();
  const next = ofNaN.fetchNextPage({ cancelRefetch: false });
  await ofNull.refetch();
  assert.deepEqual(qc.getQueryData(["k", null]).pages, ["null:0"], "a refetch of null's pages, not NaN's next page");
  release();
  await Promise.all([refetching, next]);
  release = undefined;
  stops.forEach((s) => s());
  qc.clear();
});

test("an observer's initial data is its key's: moved from ['k', null] to ['k', NaN] it builds NaN's anew", async () => {
  const qc = await client();
  let calls = 0;
  const initialData = () => `initial ${++calls}`;
  const observer = new QueryObserver(qc, { queryKey: ["k", null], queryFn: () => "fetched", enabled: false, initialData });
  assert.equal(observer.getCurrentResult().data, "initial 1");
  observer.setOptions({ queryKey: ["k", NaN], queryFn: () => "fetched", enabled: false, initialData });
  const stop = observer.subscribe(() => {});
  await settle();
  assert.equal(calls, 2, "initialData called for the new query");
  assert.equal(qc.getQueryData(["k", NaN]), "initial 2");
  stop();
});

test("an observer moved between keys of one hashKey text (an own __proto__ member and none) follows its key", async () => {
  const qc = await client();
  const from = ["k", ownProto()];
  const to = ["k", { a: 2 }];
  assert.equal(hashKey(from), hashKey(to));
  qc.setQueryData(from, "from");
  qc.setQueryData(to, "to");
  const options = (queryKey) => ({ queryKey, queryFn: () => "fetched", enabled: false });
  const observer = new QueryObserver(qc, options(from));
  const stop = observer.subscribe(() => {});
  assert.equal(observer.getCurrentResult().data, "from");
  assert.equal(observer.getOptimisticResult(options(to)).data, "to", "predicted: another query");
  observer.setOptions(options(to));
  await settle();
  assert.equal(observer.getCurrentResult().data, "to");
  stop();
});

test("an observer moved between spellings of one key (a lone surrogate, U+FFFD) keeps its query", async () => {
  const qc = await client();
  qc.setQueryData(["k", "\uD800x"], "one");
  const options = (queryKey) => ({ queryKey, queryFn: () => "fetched", enabled: false });
  const observer = new QueryObserver(qc, options(["k", "\uD800x"]));
  const seen = [];
  const stop = observer.subscribe((r) => seen.push(r.data));
  observer.setOptions(options(["k", "\uFFFDx"]));
  await settle();
  assert.equal(observer.getCurrentResult().data, "one");
  assert.deepEqual(seen, [], "no restart: nothing changed");
  stop();
});

test("partialMatchKey is query-core's, except that what the module holds as one part matches", () => {
  assert.ok(partialMatchKey(["k", "\uD800", 1], ["k", "\uFFFD"]));
  assert.ok(partialMatchKey(["k", { x: NaN }], ["k", { x: NaN }]));
  assert.ok(!partialMatchKey(["k", null], ["k", undefined]), "query-core's: null is not undefined");
  assert.ok(!partialMatchKey(["k", () => 1], ["k", () => 1]), "query-core's: one function is not another");
  assert.ok(!partialMatchKey(["k", NaN], ["k", null]));
});

test("a key's getter that asks for another key's identity mid-walk does not make ['k', NaN, …] null's", () => {
  const key = [
    "k",
    NaN,
    {
      get x() {
        keyIdentity(["other"]);
        return 1;
      },
    },
  ];
  assert.notEqual(keyIdentity(key), keyIdentity(["k", null, { x: 1 }]));
  assert.equal(keyIdentity(key), keyIdentity(["k", NaN, { x: 1 }]));
});
