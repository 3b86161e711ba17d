#!/usr/bin/env bash
# scripts/npm-ci.sh DIR [FILE...]: installs DIR's npm packages with `npm ci` (from its lock file)
# when node_modules is missing or DIR's package.json, package-lock.json or a FILE (relative to DIR)
# changed since the last install (their hash is kept in node_modules/.mfstate-install-stamp).
# Quiet when there is nothing to do; prints npm's log when it fails.
set -euo pipefail
dir=${1:?usage: scripts/npm-ci.sh DIR [FILE...]}
shift
cd "$dir"
command -v npm >/dev/null || { echo "npm-ci.sh: npm not found" >&2; exit 1; }

stamp=node_modules/.mfstate-install-stamp
want=$(cat package.json package-lock.json "$@" | sha256sum | cut -d' ' -f1)
have=$(cat "$stamp" 2>/dev/null || true)
[[ -d node_modules && "$want" == "$have" ]] && exit 0

log=$(mktemp)
if ! npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
  echo "npm-ci.sh: npm ci in $dir failed:" >&2
  cat "$log" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
echo "$want" >"$stamp"
