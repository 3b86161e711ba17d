// KeyTable's records are elements of lists (chunks) a read indexes: a read compiled by V8 holds the
// hidden class (map) of the lists it met and is thrown away (deoptimised: "wrong map") at a list
// of another. Every chunk of every table must have the one map, however the runtime made the list:
// the bench's W3b pass was bimodal between processes (~130 and ~400 ns a read) because the chunks
// of one table had two maps in some of them (docs/web.md, the eighth 2026-12-05 round).
//
// V8 only: the maps are read with natives syntax, switched on for this file's process (node --test
// runs each file in its own), as test/nonextensible-brands does.
import { test } from "node:test";
import assert from "node:assert/strict";
import v8 from "node:v8";
import { KeyTable } from "../lib/query/core.js";

let natives = null;
try {
  v8.setFlagsFromString("--allow-natives-syntax");
  natives = {
    neverOptimize: new Function("f", "%NeverOptimizeFunction(f)"),
    prepare: new Function("f", "%PrepareFunctionForOptimization(f)"),
    optimizeNext: new Function("f", "%OptimizeFunctionOnNextCall(f)"),
    optimized: new Function("f", "return (%GetOptimizationStatus(f) & 16) !== 0"),
  };
} catch {
  natives = null;
}
const v8Only = { skip: natives === null ? "V8's natives syntax is unavailable" : false };

const key = (i) => ["user", { id: i }];
// Past the first chunk (which grows by doubling) into three more of 4,096 records.
const PER_TABLE = 4096 * 3 + 10;

test("V8: a read compiled on one table's records stays compiled for every record of every table", v8Only, () => {
  // `add` is kept out of the optimising compiler: the Array constructor then makes each new chunk
  // by its allocation site's feedback, which the first table's growing chunk teaches (a list of
  // anything, not of small integers), as in a page where `add` was deoptimised during a fill. With
  // the map of a chunk following how it was made, the later tables' chunks had another map than
  // the first's, in every process.
  natives.neverOptimize(KeyTable.prototype.add);
  const tables = [];
  for (let t = 0; t < 3; t++) {
    const table = new KeyTable();
    for (let i = 0; i < PER_TABLE; i++) table.add(key(i), i);
    tables.push(table);
  }
  // A table started again makes its chunk list and chunks anew.
  tables[2].clear();
  for (let i = 0; i < PER_TABLE; i++) tables[2].add(key(i), i);

  const read = (table, k) => table.find(k, KeyTable.hash(k)) - table.find(key(0));
  natives.prepare(read);
  for (let i = 0; i < 64; i++) assert.equal(read(tables[0], key(5000 + i)), 5000 + i);
  natives.optimizeNext(read);
  assert.equal(read(tables[0], key(5000)), 5000);
  assert.ok(natives.optimized(read), "the read is compiled");
  for (let t = 0; t < tables.length; t++) {
    for (const i of [0, 63, 64, 4095, 4096, 8191, 8192, 12287, 12288, PER_TABLE - 1]) {
      assert.equal(read(tables[t], key(i)), i, `table ${t}, key ${i}`);
      assert.ok(natives.optimized(read), `the read was deoptimised at table ${t}, key ${i}`);
    }
  }
});
