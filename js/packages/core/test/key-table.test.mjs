// KeyTable: the keys a client interned, found again by a structural hash. A key of a few primitives
// is compared inside its entry; any other by keyEquals. Both must answer as query keys compare.
import { test } from "node:test";
import assert from "node:assert/strict";
import { KeyTable } from "../dist/query/core.js";

test("keys sharing a hash are told apart, flat or not", () => {
  const t = new KeyTable();
  const same = 7; // every key under one hash: the chain decides
  const keys = [
    [],
    ["user"],
    ["user", 1],
    ["user", 1, "profile"],
    ["user", 1, "profile", true],
    ["user", 1, "profile", true, null], // five parts: compared by keyEquals
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

test("parts compare as keyEquals compares them: by ===, and a prefix is not the key", () => {
  const t = new KeyTable();
  t.add(["a"], 3, 3);
  assert.equal(t.find(["a", "b"], 3), undefined);
  assert.equal(t.find([], 3), undefined);
  t.add(["n", NaN], 1, 1);
  t.add(["z", 0], 2, 2);
  assert.equal(t.find(["n", NaN], 1), undefined, "NaN is never the same part, as before");
  assert.equal(t.find(["z", -0], 2)?.index, 2, "-0 === 0");
  assert.equal(t.find(["z", "0"], 2), undefined);
});

test("what the table holds is a frozen copy: changing the caller's key changes nothing", () => {
  const t = new KeyTable();
  const k = ["user", 1];
  const e = t.add(k, 1);
  k[1] = 2;
  assert.equal(t.find(["user", 1])?.index, 1);
  assert.equal(t.find(["user", 2]), undefined);
  assert.ok(Object.isFrozen(e.key));
});
