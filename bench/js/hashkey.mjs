// W5 on its own: query-core's hashKey of
// ['user', {id: i, include: ['profile', 'roles'], page: {size: 20, n: 1}}].
// Runs from node_modules without the bundle (query-core is plain ESM and
// hashKey does not depend on window or NODE_ENV).
//
//   node bench/js/hashkey.mjs [--json] [--quick] [--n N]   time N keys (1e6; --quick 1e5)
//   node bench/js/hashkey.mjs --print N                    print the first N hashes, one a line
//
// --print lets the C++ side check that its key hashing agrees with query-core's.
import { hashKey } from '@tanstack/query-core';

const args = process.argv.slice(2);
const flag = (f) => args.includes(f);
const value = (f) => {
  const i = args.indexOf(f);
  if (i < 0) return undefined;
  const v = Number(args[i + 1]);
  if (!Number.isSafeInteger(v) || v < 1) {
    console.error(`hashkey: ${f} needs a positive integer`);
    process.exit(2);
  }
  return v;
};
const key = (i) => ['user', { id: i, include: ['profile', 'roles'], page: { size: 20, n: 1 } }];

const print = value('--print');
if (print !== undefined) {
  const lines = [];
  for (let i = 0; i < print; i++) lines.push(hashKey(key(i)));
  process.stdout.write(lines.join('\n') + '\n');
  process.exit(0);
}

const n = value('--n') ?? (flag('--quick') ? 100_000 : 1_000_000);
const run = (k) => {
  let acc = 0;
  for (let i = 0; i < k; i++) acc += hashKey(key(i)).length;
  return acc;
};
let sink = run(Math.ceil(n / 10)); // warm-up
const t0 = process.hrtime.bigint();
const acc = run(n);
const t1 = process.hrtime.bigint();
let digits = 0;
for (let i = 0; i < n; i++) digits += String(i).length;
const expected = n * (hashKey(key(0)).length - 1) + digits;
if (acc !== expected) {
  console.error(`hashkey: check failed: total hash length ${acc}, expected ${expected}`);
  process.exit(1);
}
sink += acc;
const ns = Number(t1 - t0) / n;
if (flag('--json')) {
  console.log(JSON.stringify({ workload: 'W5', impl: '@tanstack/query-core', n, ns_per_op: Math.round(ns * 10) / 10 }));
} else {
  console.log(`W5  @tanstack/query-core  n=${n}  ${ns.toFixed(1)} ns per key  (sink ${sink})`);
}
