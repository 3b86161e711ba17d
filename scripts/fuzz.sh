#!/usr/bin/env bash
# `make fuzz`: builds every fuzz/<name>_fuzz.cpp as a libFuzzer target (clang, ASan+UBSan) and
# runs each for FUZZ_SECONDS (default 60), starting from fuzz/corpus/<name>/ when it exists and
# with fuzz/<name>.dict as dictionary when it exists (<name> with or without the _fuzz suffix). New inputs go to $BUILD/fuzz/corpus/<name>/
# (the checked-in corpus is only read); a crash leaves its input in $BUILD/fuzz/artifacts/ and
# fails the run. Prints how many executions each target ran.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
FUZZ_SECONDS=${FUZZ_SECONDS:-60}

shopt -s nullglob
sources=(fuzz/*_fuzz.cpp)
if [ ${#sources[@]} -eq 0 ]; then
  echo "make fuzz: no fuzz/*_fuzz.cpp targets yet" >&2
  exit 1
fi

heading "building libFuzzer targets (clang, ASan+UBSan)"
dir=$BUILD/fuzz
configure "$dir" cmake -S . -B "$dir" "${generator[@]}" \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMFSTATE_BUILD_FUZZ=ON -DMFSTATE_SANITIZE=address,undefined \
  -DMFSTATE_BUILD_TESTS=OFF -DMFSTATE_BUILD_TOOLS=OFF
build "$dir"

report=()
failed=0
for src in "${sources[@]}"; do
  name=$(basename "$src" .cpp)          # e.g. parse_json_fuzz
  short=${name%_fuzz}                   # e.g. parse_json
  heading "fuzzing $name for ${FUZZ_SECONDS} s"
  corpus=$dir/corpus/$short
  mkdir -p "$corpus" "$dir/artifacts"
  args=(-max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -artifact_prefix="$dir/artifacts/$short-")
  seeds=()
  # The checked-in corpus and dictionary may be named either way: parse_json or parse_json_fuzz.
  for n in "$short" "$name"; do
    [ -f "fuzz/$n.dict" ] && args+=(-dict="fuzz/$n.dict")
    [ -d "fuzz/corpus/$n" ] && seeds+=("fuzz/corpus/$n")
  done
  log=$dir/$short.log
  set +e
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$dir/fuzz/$name" "${args[@]}" "$corpus" "${seeds[@]}" >"$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  tail -n 3 "$log"
  if [ $rc -ne 0 ]; then
    failed=1
    grep -E "ERROR|SUMMARY|Test unit written" "$log" || tail -n 40 "$log"
    report+=("$(printf '%-24s FAILED (exit %d) after %s executions; see %s' "$name" $rc "${runs:-?}" "$log")")
  else
    report+=("$(printf '%-24s %12s executions, no crash (corpus %s: %d inputs)' "$name" "${runs:-?}" \
      "$corpus" "$(find "$corpus" -type f | wc -l)")")
  fi
done

heading "fuzz summary"
printf '  %s\n' "${report[@]}"
exit $failed
