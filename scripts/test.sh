#!/usr/bin/env bash
# Configures, builds and tests mfstate in every configuration `make test` covers. Each stage has
# its own build directory under $BUILD and is incremental: a re-run rebuilds only what changed.
#
#   scripts/test.sh [stage...]   stages: release bench sanitize tsan wasm js install demo (default: all, in order)
#
# Environment: BUILD (build root, default build), JOBS (parallel jobs, default nproc).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
export CTEST_OUTPUT_ON_FAILURE=1

run_tests=1
if [ "${1:-}" = --build-only ]; then
  run_tests=0
  shift
fi
all_stages=(release bench sanitize tsan wasm js install demo)
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=("${all_stages[@]}")

# run_ctest DIR [ctest options...]
# Each run's counts are added to $counts, for the one closing line of the whole run.
run_ctest() {
  [ $run_tests -eq 1 ] || return 0
  local log="$1/ctest-last.log"
  ctest --test-dir "$1" -j"$JOBS" --no-tests=error "${@:2}" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  sed -n 's/^[0-9]*% tests passed, \([0-9]*\) tests\{0,1\} failed out of \([0-9]*\)$/\2 \1/p' "$log" |
    tail -1 >>"$counts"
  return "$rc"
}

stage_release() {
  heading "native Release build (library, tests, tools, examples, benchmarks)"
  configure_release
  build "$BUILD/release"
  run_ctest "$BUILD/release"
}

# run_node_tests LOG_NAME [node --test arguments...]
# Runs node's test runner (spec reporter) and adds its pass/fail counts to $counts, for the one
# closing line of the whole run. Other JavaScript suites add themselves the same way.
run_node_tests() {
  [ $run_tests -eq 1 ] || return 0
  local log="$BUILD/$1.log"
  mkdir -p "$BUILD"
  node --test --test-reporter=spec "${@:2}" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local pass fail
  # The spec reporter's closing lines: "ℹ pass N", "ℹ fail N".
  pass=$(sed -n 's/^[^a-z]*pass \([0-9]*\)$/\1/p' "$log" | tail -1)
  fail=$(sed -n 's/^[^a-z]*fail \([0-9]*\)$/\1/p' "$log" | tail -1)
  if [ -z "$pass" ] || [ -z "$fail" ]; then
    echo "run_node_tests: no summary in $log" >&2
    return 1
  fi
  echo "$((pass + fail)) $fail" >>"$counts"
  return "$rc"
}

stage_sanitize() {
  heading "AddressSanitizer + UndefinedBehaviorSanitizer build of the tests (-O0)"
  # -O0 -g1: the instrumented code of a test file compiles ~2.5x faster than at -O1 (query_cache_test:
  # 47 s -> 17 s of CPU) and -g1 (line tables: a report still names file and line) saves a third
  # more than full -g: what decides whether a cold CI run fits its 90 minutes. The tests take a
  # couple of minutes either way, and ASan reports at -O0 all it reports at -O1.
  configure "$BUILD/sanitize" cmake -S . -B "$BUILD/sanitize" "${generator[@]}" \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g1 -O0" \
    -DMFSTATE_SANITIZE=address,undefined -DMFSTATE_BUILD_TOOLS=OFF
  build "$BUILD/sanitize"
  # ASan pads every stack frame with redzones (write_value's frame: ~2.4 KB at -O1, more at -O0), so
  # recursion to Value's nesting cap of 4096 that fits 8 MB natively needs more here.
  ulimit -s 65536 2>/dev/null || echo "note: cannot raise the stack limit; deep-nesting tests may overflow under ASan"
  ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_ctest "$BUILD/sanitize"
}

stage_tsan() {
  heading "ThreadSanitizer build of the native tests that use threads (label threads)"
  # -g1: line tables (a report names file and line) at a third less compile time than -g.
  configure "$BUILD/tsan" cmake -S . -B "$BUILD/tsan" "${generator[@]}" \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g1 -O1" \
    -DMFSTATE_SANITIZE=thread -DMFSTATE_BUILD_TOOLS=OFF
  build "$BUILD/tsan" --target mfstate-threads-tests
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    run_ctest "$BUILD/tsan" -L threads
}

stage_wasm() {
  heading "WebAssembly build (emscripten), tests run under node"
  # Debian's emscripten runs its JavaScript tools with the acorn etc. of /usr/share/nodejs.
  export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
  configure_wasm
  build "$BUILD/wasm"
  run_ctest "$BUILD/wasm"
}

# install_and_consume KIND BUILD_DIR: installs BUILD_DIR into a fresh prefix, then builds and runs
# tests/install as a separate project against it, through CMake and (static) through pkg-config.
install_and_consume() {
  local kind=$1 from=$2
  local prefix=$BUILD/install/$kind/prefix consumer=$BUILD/install/$kind/consumer
  rm -rf "$prefix"
  cmake --install "$from" --prefix "$prefix" >"$BUILD/install/$kind/install.log"
  echo "-- $kind: installed into $prefix"
  configure "$consumer" cmake -S tests/install -B "$consumer" "${generator[@]}" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix"
  build "$consumer"
  "$consumer/mfstate-consumer"
  "$consumer/mfstate-registry-consumer"
  echo "-- $kind: find_package(mfstate CONFIG REQUIRED) consumers of mfstate::mfstate and mfstate::registry build and run"
  local pcdir flags libdir
  pcdir=$(dirname "$(find "$prefix" -name mfstate.pc -print -quit)")
  flags=$(PKG_CONFIG_PATH=$pcdir pkg-config --cflags --libs mfstate)
  libdir=$(PKG_CONFIG_PATH=$pcdir pkg-config --variable=libdir mfstate)
  # The runtime alone links none of the registry's libraries (issue 10), in either form.
  if grep -Eq 'sqlite|httplib|-lpq|-lssl' <<<"$flags"; then
    echo "pkg-config --libs mfstate names the registry's libraries: $flags" >&2
    return 1
  fi
  if [ "$kind" = shared ] && ldd "$libdir/libmfstate.so" | grep -Eq 'sqlite|httplib|libpq|libssl'; then
    echo "libmfstate.so links the registry's libraries:" >&2
    ldd "$libdir/libmfstate.so" >&2
    return 1
  fi
  # shellcheck disable=SC2086
  c++ -O1 -o "$BUILD/install/$kind/pkgconfig-consumer" tests/install/main.cpp $flags \
    -Wl,-rpath,"$libdir"
  "$BUILD/install/$kind/pkgconfig-consumer"
  flags=$(PKG_CONFIG_PATH=$pcdir pkg-config --cflags --libs mfstate-registry)
  # shellcheck disable=SC2086
  c++ -O1 -o "$BUILD/install/$kind/pkgconfig-registry-consumer" tests/install/registry_main.cpp $flags \
    -Wl,-rpath,"$libdir"
  "$BUILD/install/$kind/pkgconfig-registry-consumer"
  echo "-- $kind: c++ \$(pkg-config --cflags --libs mfstate / mfstate-registry) consumers build and run"
}

stage_js() {
  heading "JavaScript packages (js/): build, TypeScript type check, node tests, Chromium smoke test"
  scripts/js.sh
  npm --prefix js run --silent typecheck
  echo "-- TypeScript type check passed"
  run_node_tests js-core js/packages/core/test/
  run_node_tests js-react js/packages/react/test/*.test.mjs
  run_node_tests js-redux-micro-frontend js/packages/redux-micro-frontend/test/*.test.mjs
  # The npm tool's tests compare it with the native tool and run the native `registry serve`.
  configure_release
  build "$BUILD/release" --target mfstate-cli
  MFSTATE_NATIVE_TOOL="$BUILD/release/tools/mfstate" run_node_tests js-cli js/packages/cli/test/*.test.mjs
}

stage_bench() {
  # The benchmarks run once, at a tenth of their size, so they cannot rot; no figure is asserted
  # (a run fails only when a harness or one of its own checks on what it computed fails).
  heading "benchmarks, once: make bench QUICK=1 ROUNDS=1 (mfstate beside the JavaScript peers)"
  [ $run_tests -eq 1 ] || return 0
  scripts/bootstrap.sh --npm
  QUICK=1 ROUNDS=1 scripts/bench.sh
}

stage_install() {
  heading "install test: cmake --install, then find_package and pkg-config consumers"
  mkdir -p "$BUILD/install/static" "$BUILD/install/shared"
  [ -f "$BUILD/release/CMakeCache.txt" ] || stage_release
  build "$BUILD/release" --target mfstate mfstate_http mfstate_registry
  install_and_consume static "$BUILD/release"
  # Unoptimised (the Release configuration, without -O3): this build checks what is installed and
  # how a consumer links it, not the optimiser, which the Release tree's tests cover; at -O3 it
  # was the install stage's whole cost on a cold machine.
  configure "$BUILD/shared" cmake -S . -B "$BUILD/shared" "${generator[@]}" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-DNDEBUG -DBUILD_SHARED_LIBS=ON \
    -DMFSTATE_BUILD_TESTS=OFF -DMFSTATE_BUILD_TOOLS=OFF
  build "$BUILD/shared"
  install_and_consume shared "$BUILD/shared"
}

stage_demo() {
  heading "the Module Federation demo (examples/mf-demo): its stories in headless Chromium"
  scripts/mf-demo.sh build
  # One file at a time: each starts its own servers and Chromium.
  run_node_tests mf-demo-stories --test-concurrency=1 \
    examples/mf-demo/tests/*.test.mjs examples/mf-demo/tests/stories/*.test.mjs
}

# CPU seconds (user + system) used so far by finished child processes: with other work on the
# machine, wall time alone says little about what a stage costs. `times` runs in this shell (a
# command substitution would report its own children), so its output goes through a file.
times_file=$(mktemp)
trap 'rm -f "$times_file"' EXIT
cpu_now=0
read_cpu() {
  times >"$times_file"
  cpu_now=$(awk 'NR == 2 {
    split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%d", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' \
    "$times_file")
}

summary=()
total_start=$SECONDS
mkdir -p "$BUILD"
counts="$BUILD/test-counts.txt"
: >"$counts"
read_cpu
total_cpu=$cpu_now
for stage in "${stages[@]}"; do
  case " ${all_stages[*]} " in *" $stage "*) ;; *) echo "unknown stage: $stage" >&2; exit 2 ;; esac
  start=$SECONDS
  read_cpu
  cpu=$cpu_now
  # A subshell outside any `if`, so that `set -e` stops the stage at its first failing command.
  set +e
  (set -e; "stage_$stage")
  rc=$?
  set -e
  if [ $rc -ne 0 ]; then
    echo >&2
    echo "make test: stage '$stage' FAILED after $((SECONDS - start)) s" >&2
    exit $rc
  fi
  read_cpu
  summary+=("$(printf '%-10s %5d s wall %6d s cpu' "$stage" $((SECONDS - start)) $((cpu_now - cpu)))")
done
heading "$([ $run_tests -eq 1 ] && echo "all passed" || echo built)"
printf '  %s\n' "${summary[@]}"
read_cpu
printf '  %-10s %5d s wall %6d s cpu\n' total $((SECONDS - total_start)) $((cpu_now - total_cpu))
if [ $run_tests -eq 1 ]; then
  # "N passed, N failed" over every ctest run of every stage (each line holds: total failed).
  awk '{ total += $1; failed += $2 } END { printf "tests: %d passed, %d failed\n", total - failed, failed }' "$counts"
fi
