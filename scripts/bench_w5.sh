#!/usr/bin/env bash
# W5 side by side (WORKLOADS.md): mfstate's hash_key and key_string (Google Benchmark, C++) and
# query-core's hashKey (Node, bench/js/hashkey.mjs), run alternately in one invocation on the same
# machine. Prints one JSON line per measurement and the ratio mfstate / query-core of the medians.
#
#   scripts/bench_w5.sh [BUILD_DIR] [ROUNDS]
#
# BUILD_DIR holds bench/mfstate-microbench (a Release build with -DMFSTATE_BUILD_BENCH=ON;
# default build/bench). ROUNDS alternations (default 3). MFSTATE_JS_BENCH_DIR points at the JS
# peer harness (default bench/js, installed by bench/js/setup.sh).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build/bench}
rounds=${2:-3}
js=${MFSTATE_JS_BENCH_DIR:-$root/bench/js}
micro=$build/bench/mfstate-microbench

[[ -x "$micro" ]] || { echo "bench_w5: $micro not found (configure with -DMFSTATE_BUILD_BENCH=ON)" >&2; exit 1; }
[[ -d "$js/node_modules/@tanstack/query-core" ]] || { echo "bench_w5: run $js/setup.sh first" >&2; exit 1; }

cpp_hash=() cpp_text=() js_ns=()
for ((r = 0; r < rounds; r++)); do
  out=$("$micro" --benchmark_filter='^W5/(hash_key|key_string)/' --benchmark_format=json 2>/dev/null)
  read -r h t < <(node -e '
    const b = JSON.parse(require("fs").readFileSync(0, "utf8")).benchmarks;
    const ns = (p) => b.find((x) => x.name.startsWith(p)).real_time;
    console.log(ns("W5/hash_key/"), ns("W5/key_string/"));' <<<"$out")
  cpp_hash+=("$h") cpp_text+=("$t")
  js_ns+=("$(node "$js/hashkey.mjs" --json | node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8")).ns_per_op)')")
done

node - "${cpp_hash[*]}" "${cpp_text[*]}" "${js_ns[*]}" <<'EOF'
const [hash, text, peer] = process.argv.slice(2).map((s) => s.split(' ').map(Number));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const round = (x) => Math.round(x * 10) / 10;
const n = 1000000;
const line = (impl, xs, extra = {}) =>
  console.log(JSON.stringify({ workload: 'W5', impl, n, ns_per_op: round(median(xs)), runs: xs.map(round), ...extra }));
line('mfstate', hash, { what: 'build key + hash_key' });
line('mfstate', text, { what: 'build key + key_string (the text hashKey returns)' });
line('@tanstack/query-core', peer, { what: 'hashKey of a fresh key array' });
console.log(JSON.stringify({ workload: 'W5', ratio: 'mfstate hash_key / query-core hashKey',
                             value: Math.round((median(hash) / median(peer)) * 1000) / 1000 }));
console.log(JSON.stringify({ workload: 'W5', ratio: 'mfstate key_string / query-core hashKey',
                             value: Math.round((median(text) / median(peer)) * 1000) / 1000 }));
EOF
