#!/usr/bin/env bash
# `make bench`: builds the Release tree (with -DMFSTATE_BUILD_BENCH=ON) and runs the benchmarks.
#
#   1. mfstate-microbench (Google Benchmark: every bench/*_bench.cpp). BENCH_ARGS passes
#      options to it, e.g. BENCH_ARGS=--benchmark_filter=parse make bench.
#   2. The peer comparison, when bench/run.sh exists (the JavaScript peer harness under bench/js/
#      and whatever compares it with step 1): it is run with the microbench binary's path and the
#      build directory as arguments. Its npm packages are installed by bootstrap.sh --npm.
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
  bench/run.sh "$microbench" "$BUILD/release"
fi
