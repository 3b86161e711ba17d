#!/usr/bin/env bash
# Profiles one workload of mfstate-bench with callgrind (instruction counts: repeatable whatever
# else the machine is doing) and prints the functions with the most instructions, self and
# inclusive. Build mfstate-bench first (make bench, or scripts/bench.sh).
#
#   scripts/bench-profile.sh W1 [--full]     (default: the workload at --quick size)
#
# Environment: BUILD (default build), TOP (rows per listing, default 25).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ $# -ge 1 ] || { echo "usage: scripts/bench-profile.sh WORKLOAD [--full]" >&2; exit 2; }
workload=$1
size=(--quick)
[ "${2:-}" = --full ] && size=()
BUILD=${BUILD:-build}
TOP=${TOP:-25}
bin="$BUILD/release/bench/mfstate-bench"
[ -x "$bin" ] || { echo "bench-profile: no $bin (run scripts/bench.sh first)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "bench-profile: valgrind not found" >&2; exit 1; }
out="$BUILD/bench/callgrind.$workload.out"
mkdir -p "$BUILD/bench"
valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" --workload "$workload" "${size[@]}" >&2
# Shorten the demangled names (argument lists, paths) so the listing fits a terminal.
shorten() { sed -E -e 's/\[[^]]*\]$//' -e 's/\(([^()]|\([^()]*\))*\)//g' -e 's/std::__cxx11:://g' -e 's/[?]{3}://' -e 's#[^ ]*/[^ /]*:##' -e 's/ +$//'; }
# listing [callgrind_annotate options]: the top rows, each with its share of the total.
listing() {
  callgrind_annotate "$@" "$out" 2>/dev/null | grep -E '^ *[0-9,]+ ' | shorten |
    awk -v top="$TOP" '
      /PROGRAM TOTALS/ { gsub(",", "", $1); total = $1; printf "%15s instructions in all\n", $1; next }
      rows < top { n = $1; gsub(",", "", n); $1 = ""; printf "%15s %5.1f%% %s\n", n, 100 * n / total, $0; rows++ }'
}
echo "== $workload: self instructions (top $TOP)"
listing
echo
echo "== $workload: inclusive instructions (top $TOP)"
listing --inclusive=yes
echo
echo "(callgrind output: $out; open it with callgrind_annotate or kcachegrind)"
