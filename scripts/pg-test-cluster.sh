#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the registry's tests (Debian's postgresql package).
#
#   scripts/pg-test-cluster.sh start DIR OWNER_PID   initdb in DIR, start the server on a unix
#                                                    socket in DIR only (no TCP), create schemas
#                                                    t_1 … t_64; print the base URL
#   scripts/pg-test-cluster.sh stop DIR              stop the server by the pid in its pid file
#
# PostgreSQL refuses to run as root, and CI runs as root: then the cluster runs as Debian's
# `postgres` user (created by the package). A watcher stops the cluster and removes DIR as soon as
# OWNER_PID is gone, so a test that crashes leaves no server behind. Every wait is bounded.
set -euo pipefail
cmd=${1:?usage: pg-test-cluster.sh start DIR OWNER_PID | stop DIR}
dir=${2:?usage: pg-test-cluster.sh start DIR OWNER_PID | stop DIR}

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "pg-test-cluster: no PostgreSQL server under /usr/lib/postgresql: install postgresql (scripts/bootstrap.sh)" >&2
  exit 1
fi
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "pg-test-cluster: no postgres user (install postgresql)" >&2; exit 1; }
  as_owner=(runuser -u postgres --)
fi

case $cmd in
start)
  owner=${3:?usage: pg-test-cluster.sh start DIR OWNER_PID}
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  if ! "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -A trust -U mfstate -E UTF8 --locale=C --no-sync \
    >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    exit 1
  fi
  if ! "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off -c max_connections=100" \
    start >/dev/null 2>&1; then
    cat "$dir/server.log" >&2 || true
    exit 1
  fi
  # The watcher: our own background process, ended by the owner's end.
  nohup bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; "$0" stop "$2"; rm -rf "$2"' \
    "$0" "$owner" "$dir" >/dev/null 2>&1 &
  schemas=$(for i in $(seq 1 64); do printf 'CREATE SCHEMA t_%d;' "$i"; done)
  if ! "$bin/psql" -q -X -v ON_ERROR_STOP=1 "postgresql:///postgres?host=$dir&user=mfstate" -c "$schemas" \
    >"$dir/psql.log" 2>&1; then
    cat "$dir/psql.log" >&2
    exit 1
  fi
  echo "postgresql:///postgres?host=$dir&user=mfstate"
  ;;
stop)
  [ -f "$dir/data/postmaster.pid" ] || exit 0
  if ! "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1; then
    pid=$(head -1 "$dir/data/postmaster.pid" 2>/dev/null || true)
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  fi
  ;;
*)
  echo "pg-test-cluster: unknown command $cmd" >&2
  exit 2
  ;;
esac
