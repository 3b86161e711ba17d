#!/usr/bin/env bash
# `make bench`: builds mfstate-bench in the Release tree, installs and bundles the JS peers, then
# runs both alternately for several rounds and prints one table (scripts/bench.mjs).
#
# Environment:
#   ROUNDS=N      rounds (default 5; 3 with QUICK=1)
#   QUICK=1       every workload at a tenth of its size (what CI runs: under two minutes)
#   JSON=1        JSON lines (medians) instead of the table
#   WORKLOAD=IDs  only these workloads, e.g. WORKLOAD=W3,S1
#   CLOCK=cpu     time with each process's CPU time instead of wall time (a loaded machine)
#   BUILD=DIR     build root (default build): the binary in DIR/release, results in DIR/bench
#   JOBS=N        parallel build jobs (default nproc)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD=${BUILD:-build}
JOBS=${JOBS:-$(nproc)}
generator=()
# Reuse the release tree's generator if it exists, otherwise prefer ninja as `make test` does.
if [ ! -f "$BUILD/release/CMakeCache.txt" ] && command -v ninja >/dev/null; then generator=(-G Ninja); fi

log="$BUILD/release/configure-bench.log"
mkdir -p "$BUILD/release"
if ! cmake -S . -B "$BUILD/release" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DMFSTATE_BUILD_BENCH=ON >"$log" 2>&1; then
  cat "$log" >&2
  echo "bench: configure failed" >&2
  exit 1
fi
cmake --build "$BUILD/release" -j"$JOBS" --target mfstate-bench >&2
bash bench/js/setup.sh

args=(--bin "$BUILD/release/bench/mfstate-bench" --out "$BUILD/bench")
[ -n "${ROUNDS:-}" ] && args+=(--rounds "$ROUNDS")
[ "${QUICK:-0}" != 0 ] && args+=(--quick)
[ "${JSON:-0}" != 0 ] && args+=(--json)
[ -n "${WORKLOAD:-}" ] && args+=(--workload "$WORKLOAD")
[ -n "${CLOCK:-}" ] && args+=(--clock "$CLOCK")
exec node scripts/bench.mjs "${args[@]}"
