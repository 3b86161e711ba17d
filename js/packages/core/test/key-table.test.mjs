// KeyTable: the keys a client interned, found again by a structural hash. A key of a few primitives
// is compared inside its entry; any other by sameQueryKey. Both must answer as query keys compare.
import { test } from "node:test";
import assert from "node:assert/strict";
import { KeyTable } from "../lib/query/core.js";
import { sameQueryKey } from "../lib/query/key_identity.js";
import { entryTable } from "./helpers.mjs";

test("keys sharing a hash are told apart, flat or not", () => {
  const t = entryTable(new KeyTable());
  const same = 7; // every key under one hash: the chain decides
  const keys = [
    [],
    ["user"],
    ["user", 1],
    ["user", 1, "profile"],
    ["user", 1, "profile", true],
    ["user", 1, "profile", true, null], // five parts: compared by sameQueryKey
    ["user", { id: 1 }],
    ["user", "1"],
    [null],
    [undefined],
  ];
  keys.forEach((k, i) => t.add(k, i, same));
  keys.forEach((k, i) => assert.equal(t.find(structuredClone(k), same)?.index, i, JSON.stringify(k)));
  for (const other of [["x"], ["user", 2], ["user", 1, "settings"], ["user", 1, "profile", false], ["admin", 1, "profile"]]) {
    assert.equal(t.find(other, same), undefined, JSON.stringify(other));
  }
  assert.equal(t.find(["user", 1, "profile", false], same), undefined);
  assert.equal(t.find(["user", { id: 2 }], same), undefined);
  assert.equal(t.find(["user", 1, "profile", true, null, 1], same), undefined);
  assert.equal(t.find(["user", { id: 1 }], same)?.index, 6, "objects by their members");
});

test("parts compare as sameQueryKey compares them: by === (NaN as NaN), and a prefix is not the key", () => {
  const t = entryTable(new KeyTable());
  t.add(["a"], 3, 3);
  assert.equal(t.find(["a", "b"], 3), undefined);
  assert.equal(t.find([], 3), undefined);
  t.add(["n", NaN], 1, 1);
  t.add(["z", 0], 2, 2);
  assert.equal(t.find(["n", NaN], 1)?.index, 1, "NaN is one part, as the module holds it");
  assert.equal(t.find(["n", null], 1), undefined, "and not null");
  assert.equal(t.find(["z", -0], 2)?.index, 2, "-0 === 0");
  assert.equal(t.find(["z", "0"], 2), undefined);
});

test("the table keeps nothing of the caller's key: changing it afterwards changes nothing", () => {
  const t = entryTable(new KeyTable());
  const flat = ["user", 1];
  const shaped = ["user", { id: 1 }];
  const tree = ["user", { id: 1, tags: ["a"] }];
  t.add(flat, 1);
  t.add(shaped, 2);
  const e = t.add(tree, 3);
  flat[1] = 2;
  shaped[1].id = 2;
  tree[1].tags.push("b");
  assert.equal(t.find(["user", 1])?.index, 1);
  assert.equal(t.find(["user", 2]), undefined);
  assert.equal(t.find(["user", { id: 1 }])?.index, 2);
  assert.equal(t.find(["user", { id: 2 }]), undefined);
  assert.equal(t.find(["user", { id: 1, tags: ["a"] }])?.index, 3);
  assert.ok(Object.isFrozen(e.key) && e.key !== tree, "a key kept whole is a frozen copy");
});

test("a key of primitives and flat objects is held as its leaves: members in any order, exactly", () => {
  const t = entryTable(new KeyTable());
  const same = 5;
  t.add(["user", { id: 1, tab: "a" }], 1, same);
  t.add(["user", { id: 1 }, "x"], 2, same);
  t.add([{}], 3, same);
  assert.equal(t.find(["user", { tab: "a", id: 1 }], same)?.index, 1, "member order does not matter");
  assert.equal(t.find(["user", { tab: "a", id: 1, none: undefined }], same)?.index, 1, "undefined members are absent");
  assert.equal(t.find(["user", { id: 1 }, "x"], same)?.index, 2);
  assert.equal(t.find([{}], same)?.index, 3);
  const misses = [
    ["user", { id: 1 }],
    ["user", { id: 1, tab: "b" }],
    ["user", { id: 1, tab: "a", more: 0 }],
    ["user", { id: 1, tab: "a" }, "x"],
    ["user", { id: "1", tab: "a" }],
    ["user", { ID: 1, tab: "a" }],
    ["user", [1, "a"]],
    ["user", null],
    ["user", "a"],
    [{ x: 1 }],
    [[]],
    [null],
    ["user", Object.assign(Object.create({ tab: "a" }), { id: 1 })], // tab inherited, not its own
  ];
  for (const k of misses) assert.equal(t.find(k, same), undefined, JSON.stringify(k));
});

test("each part is read once: a getter cannot make the leaves disagree with the shape", () => {
  const t = entryTable(new KeyTable());
  let reads = 0;
  const tricky = {
    get id() {
      reads++;
      return reads === 1 ? 1 : { nested: true };
    },
  };
  Object.defineProperty(tricky, "id", { enumerable: true });
  t.add(["user", tricky], 4, 0);
  assert.equal(reads, 1);
  assert.equal(t.find(["user", { id: 1 }], 0)?.index, 4);
});

test("past the bound on shapes, keys of new shapes are kept whole and still found", () => {
  const t = entryTable(new KeyTable());
  for (let i = 0; i < KeyTable.shapeLimit + 10; i++) t.add(["s", { [`m${i}`]: i }], i);
  for (let i = 0; i < KeyTable.shapeLimit + 10; i++) assert.equal(t.find(["s", { [`m${i}`]: i }])?.index, i);
  const e = t.add(["s", { fresh: 1 }], 9999);
  assert.notEqual(e.n, -2, "no new shape past the bound");
  assert.equal(t.find(["s", { fresh: 1 }])?.index, 9999);
});

test("find agrees with sameQueryKey on random keys of every form (an undefined element apart)", () => {
  // A seeded generator: flat keys, shaped keys, keys kept whole, all under few hashes so chains mix.
  let seed = 12345;
  const rand = (n) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const prim = () => [0, 1, -0, "a", "b", "", null, true, false, undefined, 2.5][rand(11)];
  const obj = (depth) => {
    const o = {};
    const n = rand(4);
    for (let i = 0; i < n; i++) o[["id", "tab", "p", "q"][rand(4)]] = depth > 0 && rand(5) === 0 ? part(depth - 1) : prim();
    return o;
  };
  const part = (depth) => (rand(3) === 0 ? obj(depth) : rand(6) === 0 && depth > 0 ? [part(depth - 1)] : prim());
  const key = () => Array.from({ length: rand(6) }, () => part(1));
  // A find takes an undefined element for itself, not for null: another spelling of the key, which
  // the client finds by its snapshot in the module's spelling (keySnapshot). Apart from that, the
  // key identity: an undefined element compares as a string no key here holds.
  const spelled = (v) =>
    Array.isArray(v)
      ? v.map((x) => (x === undefined ? "\0undefined" : spelled(x)))
      : v !== null && typeof v === "object"
        ? Object.fromEntries(Object.entries(v).map(([n, x]) => [n, spelled(x)]))
        : v;
  const same = (a, b) => sameQueryKey(spelled(a), spelled(b));
  const t = entryTable(new KeyTable());
  const kept = [];
  const kinds = new Set();
  for (let i = 0; i < 400; i++) {
    const k = key();
    const h = rand(4);
    if (kept.some(([other, oh]) => oh === h && same(other, k))) continue;
    const e = t.add(k, kept.length, h);
    kinds.add(e.n >= 0 ? "flat" : e.n === -2 ? "shaped" : "whole");
    kept.push([structuredClone(k), h]);
  }
  assert.deepEqual([...kinds].sort(), ["flat", "shaped", "whole"], "every form is exercised");
  for (let i = 0; i < 4000; i++) {
    const probe = key();
    const h = rand(4);
    const want = kept.findIndex(([other, oh]) => oh === h && same(other, probe));
    assert.equal(t.find(probe, h)?.index ?? -1, want, JSON.stringify(probe));
  }
  for (const [k, h] of kept) assert.ok(t.find(structuredClone(k), h) !== undefined, JSON.stringify(k));
});

test("the members a hash counted serve only a find of that very key: another key with more members is not found", () => {
  const t = entryTable(new KeyTable());
  const hash = KeyTable.hash(["user", { id: 1 }]);
  t.add(["user", { id: 1 }], 1, hash);
  const key = ["user", { id: 1 }];
  assert.equal(t.find(key, KeyTable.hash(key))?.index, 1);
  // Forced into the entry's bucket under the entry's hash, with the count of another key hashed last.
  const wider = ["user", { id: 1, role: "admin" }];
  KeyTable.hash(["user", { id: 1 }]);
  assert.equal(t.find(wider, hash), undefined, "counted now, not taken from the key hashed last");
  KeyTable.hash(wider);
  assert.equal(t.find(wider, hash), undefined, "its own count: two members");
  assert.equal(t.find(["user", { id: 1, role: undefined }], hash)?.index, 1, "an undefined member is not one");
  // Nested objects counted inside a part do not stand for the part's own count.
  const nested = ["user", { id: 1 }];
  const deep = [{ a: { b: 1, c: 2 } }];
  t.add(deep, 2);
  assert.equal(t.find(nested, KeyTable.hash(nested))?.index, 1);
  assert.equal(t.find([{ a: { b: 1, c: 2 } }])?.index, 2);
});

test("entries stay found, with their data, as the table grows past its first room and its chunks", () => {
  const t = new KeyTable();
  const n = 3 * 4096 + 7; // the first chunk doubles from 64 records to 4096, then two more chunks
  const ids = [];
  for (let i = 0; i < n; i++) {
    const key = i % 2 ? ["user", { id: i }] : ["todo", i];
    const id = t.add(key, i);
    t.keep(id, { i }, 0);
    ids.push(id);
  }
  for (let i = 0; i < n; i++) {
    const id = t.find(i % 2 ? ["user", { id: i }] : ["todo", i]);
    assert.equal(id, ids[i]);
    assert.equal(t.index(id), i);
    assert.deepEqual(t.data(id), { i });
    assert.ok(t.current(id, 0) && !t.current(id, 1));
  }
  t.clear();
  assert.equal(t.find(["todo", 0]), -1);
  assert.equal(t.data(ids[0]), undefined, "an id of before the table started again holds nothing");
  const again = t.add(["todo", 0], 5);
  t.keep(ids[0], "stale", 0);
  assert.equal(t.data(again), undefined, "nor reaches the entry now in its record");
});

test("a key's hash does not depend on the strings hashed before it (the string hashes kept for reuse)", () => {
  // Equal strings made at run time: === by their characters, not one string with the literal.
  const fresh = (s) => [...s].join("");
  // Three strings: whatever leaves were kept before, none is kept after.
  const flush = () => KeyTable.hash([fresh("flush-a"), fresh("flush-b"), fresh("flush-c")]);
  const keys = [
    ["user", 1, "profile"],
    ["profile", 1, "user"],
    ["user", "user"],
    ["a", "bb", "a", "ccc"],
    ["user", { id: "profile" }],
    ["x".repeat(65), "user", "x".repeat(65)], // too long to be kept
    ["", "user"],
  ];
  const reference = keys.map((k) => {
    flush();
    return KeyTable.hash(k);
  });
  assert.equal(new Set(reference).size, keys.length, "the keys' hashes differ");
  let seed = 777;
  const rand = (n) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  for (let i = 0; i < 3000; i++) {
    const at = rand(keys.length);
    if (rand(8) === 0) flush();
    const key = rand(2) ? keys[at] : keys[at].map((p) => (typeof p === "string" ? fresh(p) : p));
    assert.equal(KeyTable.hash(key), reference[at], `${JSON.stringify(key)} after step ${i}`);
  }
  // And the table finds each key whatever was read before it.
  const t = new KeyTable();
  keys.forEach((k, i) => t.add(k, i));
  for (let i = 0; i < 500; i++) {
    const at = rand(keys.length);
    assert.equal(t.index(t.find(keys[at])), at, JSON.stringify(keys[at]));
  }
});
