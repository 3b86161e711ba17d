#!/usr/bin/env bash
# Instructions per operation, mfstate beside its floor (WORKLOADS.md "The floor"), counted by
# callgrind: repeatable whatever else the machine is doing, where times are not. `make
# bench-profile` runs it for every workload.
#
#   scripts/bench-profile.sh [WORKLOAD[,WORKLOAD...]] [--full] [--top]
#
# mfstate-bench runs under `valgrind --tool=callgrind --collect-atstart=no`: each timed pass turns
# counting on at its start and dumps the count at its end (bench/harness/main.cpp, pass_begin and
# pass_end), so a dump holds one pass and nothing else (no setup, no warm-up, no checks). The
# table gives, per figure, mfstate's and the floor's instructions per operation and their ratio;
# the same lines go to $BUILD/bench/profile.jsonl. Default sizes are --quick (a tenth: callgrind
# runs some 50 times slower than the machine); --full runs the full sizes.
#
# --top also lists, for each selected workload, the functions with the most instructions in
# mfstate's first measured pass, self and inclusive (what to look at before optimising).
#
# Environment: BUILD (default build; the binary is $BUILD/release/bench/mfstate-bench, built by
# `make bench` or `make bench-profile`), TOP (rows per listing, default 25).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
workloads=""
size=(--quick)
top=0
for a in "$@"; do
  case $a in
    --full) size=() ;;
    --top) top=1 ;;
    -h | --help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench-profile: unknown option $a" >&2; exit 2 ;;
    *) workloads=$a ;;
  esac
done
BUILD=${BUILD:-build}
TOP=${TOP:-25}
bin="$BUILD/release/bench/mfstate-bench"
[ -x "$bin" ] || { echo "bench-profile: no $bin (run make bench or make bench-profile)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "bench-profile: valgrind not found (make bootstrap)" >&2; exit 1; }
out_dir="$BUILD/bench/callgrind"
rm -rf "$out_dir"
mkdir -p "$out_dir"
args=(--json "${size[@]}")
[ -n "$workloads" ] && args+=(--workload "$workloads")
echo "bench-profile: mfstate-bench ${args[*]} under callgrind (a few minutes)" >&2
valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$out_dir/pass" \
  "$bin" "${args[@]}" >"$out_dir/figures.jsonl" 2>"$out_dir/valgrind.log" ||
  { cat "$out_dir/valgrind.log" >&2; exit 1; }

# One dump per pass: "desc: Trigger: Client Request: pass W1 mfstate n=1000 entries=0" and its
# "summary: <instructions>".
node - "$out_dir" "$BUILD/bench/profile.jsonl" <<'EOF'
const fs = require('fs');
const path = require('path');
const [dir, jsonl] = process.argv.slice(2);
const passes = [];
for (const f of fs.readdirSync(dir).filter((f) => /^pass\.\d+$/.test(f))) {
  const text = fs.readFileSync(path.join(dir, f), 'utf8');
  const desc = /^desc: Trigger: Client Request: pass (\S+) (\S+) n=(\d+) entries=(\d+)$/m.exec(text);
  const sum = /^summary: (\d+)$/m.exec(text);
  if (!desc || !sum) continue;
  passes.push({ file: f, workload: desc[1], impl: desc[2], n: Number(desc[3]), entries: Number(desc[4]),
    instructions: Number(sum[1]) });
}
const measured = passes.filter((p) => !p.workload.endsWith('-warm-up'));
const rows = new Map();
for (const p of measured) {
  const key = `${p.workload}|${p.entries}`;
  if (!rows.has(key)) rows.set(key, { workload: p.workload, entries: p.entries });
  rows.get(key)[p.impl] = p.instructions / p.n;
  rows.get(key)[`${p.impl}_file`] = p.file;
}
const order = ['W1', 'W1b', 'W2', 'W3a', 'W3b', 'W3b-builder', 'W3c', 'W4', 'W5', 'W5-builder', 'W6', 'S1-invalidate',
  'S1-get', 'S1-get-builder'];
const sorted = [...rows.values()].sort((a, b) => order.indexOf(a.workload) - order.indexOf(b.workload) ||
  a.entries - b.entries);
const fmt = (x) => (x === undefined ? '–' : x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
const lines = [];
const table = [['workload', 'entries', 'mfstate instr/op', 'floor instr/op', 'mfstate/floor']];
for (const r of sorted) {
  const ratio = r.mfstate !== undefined && r.floor ? r.mfstate / r.floor : undefined;
  table.push([r.workload, r.entries ? String(r.entries) : '', fmt(r.mfstate), fmt(r.floor),
    ratio === undefined ? '–' : `${ratio.toFixed(2)}×`]);
  lines.push(JSON.stringify({ workload: r.workload, ...(r.entries ? { entries: r.entries } : {}),
    mfstate_instructions_per_op: r.mfstate === undefined ? null : Math.round(r.mfstate * 10) / 10,
    floor_instructions_per_op: r.floor === undefined ? null : Math.round(r.floor * 10) / 10,
    ratio: ratio === undefined ? null : Math.round(ratio * 100) / 100 }));
}
const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
console.log('Instructions per operation (callgrind, timed passes only), mfstate beside its floor:');
console.log('');
for (const [k, row] of table.entries()) {
  console.log('| ' + row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |');
  if (k === 0) console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
}
fs.writeFileSync(jsonl, lines.join('\n') + '\n');
fs.writeFileSync(path.join(dir, 'mfstate-passes.txt'),
  sorted.filter((r) => r.mfstate_file).map((r) => `${r.workload} ${r.mfstate_file}`).join('\n') + '\n');
EOF
echo
echo "(per figure: $BUILD/bench/profile.jsonl; callgrind dumps, one per pass: $out_dir)"

[ $top -eq 1 ] || exit 0
# Shorten the demangled names (argument lists, paths) so the listing fits a terminal.
shorten() { sed -E -e 's/\[[^]]*\]$//' -e 's/\(([^()]|\([^()]*\))*\)//g' -e 's/std::__cxx11:://g' -e 's/[?]{3}://' -e 's#[^ ]*/[^ /]*:##' -e 's/ +$//'; }
# listing FILE [callgrind_annotate options]: the top rows, each with its share of the total. The
# frames that were on the stack when counting started (main, the workload's runner) hold the
# whole pass and say nothing: rows equal to the total are left out.
listing() {
  callgrind_annotate --threshold=100 "${@:2}" "$1" 2>/dev/null | grep -E '^ *[0-9,]+ ' | shorten |
    awk -v top="$TOP" '
      /PROGRAM TOTALS/ { gsub(",", "", $1); total = $1; printf "%15s instructions in all\n", $1; next }
      { n = $1; gsub(",", "", n) }
      n == total { next }
      rows < top { $1 = ""; printf "%15s %5.1f%% %s\n", n, 100 * n / total, $0; rows++ }'
}
declare -A listed=()
while read -r figure file; do
  workload=${figure%%-*}
  [ -n "${listed[$workload]:-}" ] && continue
  listed[$workload]=1
  echo
  echo "== $figure, mfstate: self instructions (top $TOP)"
  listing "$out_dir/$file"
  echo
  echo "== $figure, mfstate: inclusive instructions (top $TOP)"
  listing "$out_dir/$file" --inclusive=yes
done <"$out_dir/mfstate-passes.txt"
