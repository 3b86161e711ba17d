#!/usr/bin/env bash
# Installs what mfstate needs to build and test, and nothing when all is present (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(
  build-essential cmake clang libclang-rt-14-dev lld
  libboost1.81-dev libxxhash-dev libcli11-dev libcpp-httplib-dev libsqlite3-dev
  googletest libgtest-dev libbenchmark-dev
  gnuplot-nox emscripten nodejs npm
)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
