#!/usr/bin/env bash
# The query workloads side by side (WORKLOADS.md W3a, W3b, W3c, W4, S1): mfstate's query cache
# (Google Benchmark, C++) and query-core (Node, bench/js/dist/peers.mjs), one after the other in
# one invocation on the same machine. Prints one JSON line per figure and the ratios
# query-core / mfstate (how many times faster mfstate is; for bytes, how many times smaller).
#
#   scripts/bench_query.sh [BUILD_DIR] [--no-s1]
#
# BUILD_DIR holds bench/mfstate-microbench (Release, -DMFSTATE_BUILD_BENCH=ON; default
# build/bench). MFSTATE_JS_BENCH_DIR points at the JS harness (default bench/js; run its setup.sh).
# Wall-clock figures are compared, as the JS harness measures wall-clock time; mfstate's CPU time is
# printed beside them (on a shared machine the two differ by the time spent waiting for a core).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build/bench}
s1=1
[[ "${2:-}" == "--no-s1" ]] && s1=0
js=${MFSTATE_JS_BENCH_DIR:-$root/bench/js}
micro=$build/bench/mfstate-microbench
[[ -x "$micro" ]] || { echo "bench_query: $micro not found (configure with -DMFSTATE_BUILD_BENCH=ON)" >&2; exit 1; }
[[ -f "$js/dist/peers.mjs" ]] || { echo "bench_query: run $js/setup.sh first" >&2; exit 1; }

filter='^query/(W3a|W3b|W3c|W4)/'
workloads='W3a,W3b,W3c,W4'
if ((s1)); then
  filter='^query/(W3a|W3b|W3c|W4|S1)/'
  workloads='W3a,W3b,W3c,W4,S1'
fi
mine=$("$micro" --benchmark_filter="$filter" --benchmark_format=json 2>/dev/null)
peers=$(node "$js/dist/peers.mjs" --json --workload "$workloads")

node - "$mine" "$peers" <<'EOF'
const [mineText, peersText] = process.argv.slice(2);
const mine = JSON.parse(mineText).benchmarks;
const peers = peersText.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const r1 = (x) => Math.round(x * 10) / 10;
const out = (o) => console.log(JSON.stringify(o));
for (const w of ['W3a', 'W3b', 'W3c', 'W4']) {
  const m = mine.find((b) => b.name.startsWith(`query/${w}/`));
  const p = peers.find((x) => x.workload === w);
  if (!m || !p) continue;
  out({ workload: w, impl: 'mfstate', ns_per_op: r1(m.ns_per_op), cpu_ns_per_op: r1(m.cpu_ns_per_op) });
  out({ workload: w, impl: p.impl, ns_per_op: p.ns_per_op });
  out({ workload: w, ratio: 'query-core / mfstate (wall)', value: r1(p.ns_per_op / m.ns_per_op) });
}
for (const m of mine.filter((b) => b.name.startsWith('query/S1/'))) {
  const n = m.entries;
  const inv = peers.find((x) => x.workload === 'S1-invalidate' && x.entries === n);
  const get = peers.find((x) => x.workload === 'S1-get' && x.entries === n);
  out({ workload: 'S1', impl: 'mfstate', entries: n, us_per_invalidation: Math.round(m.us_per_invalidation * 1000) / 1000,
        ns_per_get: r1(m.ns_per_get), bytes_per_entry: r1(m.bytes_per_entry),
        cache_bytes_per_entry: r1(m.cache_bytes_per_entry), data_bytes_per_entry: r1(m.data_bytes_per_entry),
        cpu_us_per_invalidation: Math.round(m.cpu_us_per_invalidation * 1000) / 1000, cpu_ns_per_get: r1(m.cpu_ns_per_get) });
  if (inv && get) {
    out({ workload: 'S1', impl: inv.impl, entries: n, us_per_invalidation: r1(inv.ns_per_op / 1000),
          ns_per_get: get.ns_per_op, bytes_per_entry: inv.bytes_per_entry });
    out({ workload: 'S1', entries: n, ratio: 'query-core / mfstate',
          invalidation: Math.round(inv.ns_per_op / 1000 / m.us_per_invalidation),
          get: r1(get.ns_per_op / m.ns_per_get), bytes: r1(inv.bytes_per_entry / m.bytes_per_entry) });
  }
}
EOF
