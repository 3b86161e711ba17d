#!/usr/bin/env bash
# Installs what mfstate needs to build and test; does nothing (in well under a second) when all
# is present. Works as root without sudo, and as a user with sudo, on Debian 12.
#
#   scripts/bootstrap.sh          apt packages
#   scripts/bootstrap.sh --npm    also the npm packages of the JavaScript peer harness (bench/js/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-14-dev lld clang-format clang-tidy
  libboost1.81-dev libxxhash-dev libcli11-dev libcpp-httplib-dev libsqlite3-dev
  libpq-dev libssl-dev postgresql
  googletest libgtest-dev libbenchmark-dev
  gnuplot-nox emscripten valgrind
  chromium
)
# A node from elsewhere (e.g. NodeSource, which bundles npm and conflicts with Debian's npm
# package) is kept; otherwise Debian's.
command -v node >/dev/null || apt_packages+=(nodejs)
command -v npm >/dev/null || apt_packages+=(npm)

# One dpkg-query for all: the fast path when everything is installed.
mapfile -t installed < <(dpkg-query -W -f='${Package} ${Status}\n' "${apt_packages[@]}" 2>/dev/null |
  awk '$NF == "installed" { print $1 }')
missing=()
for p in "${apt_packages[@]}"; do
  case " ${installed[*]} " in *" $p "*) ;; *) missing+=("$p") ;; esac
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "bootstrap: run as root or install sudo" >&2; exit 1; }
    as_root=(sudo)
  fi
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# npm packages: the JavaScript peer harness installs its own (npm ci from its lock file, only
# when something changed) and bundles itself.
if [ "${1:-}" = --npm ] && [ -x bench/js/setup.sh ]; then
  bench/js/setup.sh
fi
