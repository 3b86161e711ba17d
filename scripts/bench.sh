#!/usr/bin/env bash
# `make bench`: builds the Release tree (with -DMFSTATE_BUILD_BENCH=ON) and runs the benchmarks.
#
#   1. mfstate-microbench (Google Benchmark: every bench/*_bench.cpp). BENCH_ARGS passes
#      options to it, e.g. BENCH_ARGS=--benchmark_filter=parse make bench.
#   2. The peer comparison: bench/run.sh when it exists (the JavaScript peer harness under
#      bench/js/ and whatever compares it with step 1), run with the Release build directory as
#      argument; until then scripts/bench_w5.sh (W5: hash_key against query-core's hashKey).
#      bench/js's npm packages are installed by `bootstrap.sh --npm` (bench/js/setup.sh).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

heading "building Release benchmarks"
configure_release
build "$BUILD/release" --target mfstate-microbench
microbench=$BUILD/release/bench/mfstate-microbench

heading "mfstate-microbench"
# shellcheck disable=SC2086
"$microbench" ${BENCH_ARGS:-}

if [ -x bench/run.sh ]; then
  heading "peer comparison (bench/run.sh)"
  bench/run.sh "$BUILD/release"
elif [ -x scripts/bench_w5.sh ]; then
  heading "W5 side by side with query-core's hashKey (scripts/bench_w5.sh)"
  scripts/bench_w5.sh "$BUILD/release"
fi
