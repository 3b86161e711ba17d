#!/usr/bin/env bash
# `make bench`: mfstate side by side with the JavaScript peers (WORKLOADS.md), in one run.
#
#   1. Builds mfstate-bench (bench/harness/: every workload of WORKLOADS.md on mfstate's public
#      API) in the Release tree that `make test` shares (-DMFSTATE_BUILD_BENCH=ON), and installs
#      and bundles the peer harness (bench/js/setup.sh: npm ci from the lock file, then esbuild).
#   2. scripts/bench.mjs runs mfstate-bench, the peers and mfstate-wasm (@mfstate/core from
#      JavaScript, js/bench/workloads.mjs, built by scripts/js.sh) alternately for ROUNDS rounds and prints
#      one table: workload, size, mfstate, peer, ratio peer/mfstate (medians, with min–max), and
#      where each goal of issue 7 stands. It writes $BUILD/bench/{rounds,results}.jsonl and the S1
#      chart $BUILD/bench/s1.svg (gnuplot). No figure is asserted.
#   3. With MICRO=1, also the Google Benchmark micro-benchmarks (mfstate-microbench: every
#      bench/*_bench.cpp); BENCH_ARGS passes options to it, e.g. BENCH_ARGS=--benchmark_filter=W5.
#
# Environment:
#   ROUNDS=N      rounds (default 5; 3 with QUICK=1)
#   QUICK=1       every workload at a tenth of its size (what CI runs: well under two minutes)
#   JSON=1        JSON lines (medians per workload, impl and size) instead of the table
#   WORKLOAD=IDs  only these workloads, e.g. WORKLOAD=W3,S1
#   CLOCK=cpu     time with each process's CPU time instead of wall time (a loaded machine)
#   MICRO=1       also run mfstate-microbench
#   PROFILE=1     instead of timing, count instructions per operation of mfstate and its floor under
#                 callgrind (scripts/bench-profile.sh; PROFILE_ARGS=--full or --top); no JS peers
#   BUILD=DIR     build root (default build): the binaries in DIR/release, results in DIR/bench
#   JOBS=N        parallel build jobs (default nproc)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# Headings go to stderr so that JSON=1 leaves nothing but JSON lines on stdout.
{
  heading "building mfstate-bench (Release)"
  configure_release
  build "$BUILD/release" --target mfstate-bench
  [ "${MICRO:-0}" != 0 ] && build "$BUILD/release" --target mfstate-microbench
  if [ "${PROFILE:-0}" = 0 ]; then
    bash bench/js/setup.sh
    # @mfstate/core from JavaScript (the mfstate-wasm rows): the wasm module and the packages.
    scripts/js.sh
    heading "mfstate vs its floor and the JS peers (scripts/bench.mjs)"
  else
    heading "instructions per operation: mfstate vs its floor (scripts/bench-profile.sh)"
  fi
} >&2

if [ "${PROFILE:-0}" != 0 ]; then
  # shellcheck disable=SC2086
  exec scripts/bench-profile.sh ${WORKLOAD:-} ${PROFILE_ARGS:-}
fi

args=(--bin "$BUILD/release/bench/mfstate-bench" --out "$BUILD/bench" --wasm js/bench/workloads.mjs)
[ -n "${ROUNDS:-}" ] && args+=(--rounds "$ROUNDS")
[ "${QUICK:-0}" != 0 ] && args+=(--quick)
[ "${JSON:-0}" != 0 ] && args+=(--json)
[ -n "${WORKLOAD:-}" ] && args+=(--workload "$WORKLOAD")
[ -n "${CLOCK:-}" ] && args+=(--clock "$CLOCK")
node scripts/bench.mjs "${args[@]}"

# What a page downloads: the module and its JavaScript, raw and gzip, and the start-up time.
if [ "${JSON:-0}" = 0 ]; then
  heading "@mfstate/core size report (js/bench/workloads.mjs --size)" >&2
  # The same link with a name section, for the report's code by area (never shipped).
  build "$BUILD/wasm" --target mfstate-web-names >&2
  MFSTATE_WASM_NAMES="$BUILD/wasm/js/packages/core/wasm/mfstate-names.wasm" node js/bench/workloads.mjs --size
fi

if [ "${MICRO:-0}" != 0 ]; then
  heading "mfstate-microbench (Google Benchmark)" >&2
  # shellcheck disable=SC2086
  "$BUILD/release/bench/mfstate-microbench" ${BENCH_ARGS:-}
fi
