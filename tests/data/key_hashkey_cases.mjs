// Regenerates key_hashkey_cases.txt: each line is a key as JSON, a tab, and what
// @tanstack/query-core's hashKey returns for it. key_compat_test.cpp checks key_string against it.
//   QUERY_CORE=$PWD/bench/js/node_modules/@tanstack/query-core/build/modern/index.js \
//     node tests/data/key_hashkey_cases.mjs > tests/data/key_hashkey_cases.txt
const { hashKey } = await import(process.env.QUERY_CORE ?? '@tanstack/query-core');

const keys = [
  [],
  ['user'],
  ['user', 42],
  ['user', { id: 0, include: ['profile', 'roles'], page: { size: 20, n: 1 } }],
  ['user', { page: { n: 1, size: 20 }, include: ['profile', 'roles'], id: 999999 }],
  ['todos', { done: false, q: 'a"b\\c' }, null, 2.5, true],
  ['x', -1, 0, 1.5, -2.25, 1e21, 1e-7, 123456789012, 0.1, 9007199254740991],
  ['s', 'tab\there', 'nl\nhere', 'ctl\u0001\u001f', 'del\u007f', 'slash/', 'café', '日本', '😀'],
  [{ b: 1, a: 2, B: 3, _: 4, '': 5, é: 6, '10': 7, '9': 8 }],
  [[1, [2, [3, {}]]], { z: [], y: {} }],
  ['GET', 'https://api.example.com/v1/users/me', { fields: 'name', include: ['roles', 'avatar'] }],
];
for (const k of keys) process.stdout.write(JSON.stringify(k) + '\t' + hashKey(k) + '\n');
