# Shared by the scripts behind `make`: paths, the generator, quiet configure, headings.
# Source it; it changes to the repository root.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac
JOBS=${JOBS:-$(nproc)}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

if [ -t 1 ]; then
  heading() { printf '\n\033[1m==== %s ====\033[0m\n' "$*"; }
else
  heading() { printf '\n==== %s ====\n' "$*"; }
fi

# configure DIR COMMAND...: (re)configures quietly; prints the log only when it fails.
configure() {
  local dir=$1
  shift
  mkdir -p "$dir"
  if ! "$@" >"$dir/configure.log" 2>&1; then
    cat "$dir/configure.log"
    echo "configure failed: $dir" >&2
    return 1
  fi
}

# build DIR [cmake --build options...]
build() { cmake --build "$1" -j"$JOBS" "${@:2}"; }

# The native Release tree that `make test`, `make demo` and `make bench` share.
configure_release() {
  configure "$BUILD/release" cmake -S . -B "$BUILD/release" "${generator[@]}" \
    -DCMAKE_BUILD_TYPE=Release -DMFSTATE_BUILD_BENCH=ON
}

# The WebAssembly tree (emscripten): the wasm tests and the @mfstate/core module share it.
configure_wasm() {
  configure "$BUILD/wasm" emcmake cmake -S . -B "$BUILD/wasm" "${generator[@]}" \
    -DCMAKE_BUILD_TYPE=Release
}
