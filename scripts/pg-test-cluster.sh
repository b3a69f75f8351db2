#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for strata's tests: initdb into a temp dir, listen on
# 127.0.0.1 on a free port with the unix socket in the same dir, durability off (the data is
# thrown away), trust auth. Nothing depends on a server started by hand.
#
# Usage:
#   eval "$(scripts/pg-test-cluster.sh start --owner $$)"   # exports STRATA_TEST_PG_URL, STRATA_PG_CLUSTER_DIR
#   trap 'scripts/pg-test-cluster.sh stop' EXIT   # stops it and removes the dir, even after failures
#   scripts/pg-test-cluster.sh env [DIR]          # prints the exports again for a running cluster
#   scripts/pg-test-cluster.sh run -- CMD ARGS... # start, run CMD with the exports, stop; CMD's exit code
#
# `start` also leaves a watchdog that stops the cluster when the process that called `start`
# (its parent, or --owner PID) exits, so a test run that is killed leaves no server behind.
# Each cluster's state lives only in its own folder, which `stop` and `env` take from DIR or
# $STRATA_PG_CLUSTER_DIR (exported by `start`): nothing is shared between runs, so a `stop` in
# one checkout can never stop another checkout's cluster. `stop` is idempotent.
#
# As root, initdb and the server run as the `postgres` system user (initdb refuses root); as any
# other user they run as that user. The admin URL is postgresql://postgres@127.0.0.1:PORT/postgres.
set -euo pipefail

PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"

die() { echo "pg-test-cluster: $*" >&2; exit 1; }

# Runs a command as the cluster's owner.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

print_env() {
  local dir="$1" port
  port=$(cat "$dir/port")
  echo "export STRATA_PG_CLUSTER_DIR='$dir'"
  echo "export STRATA_TEST_PG_URL='postgresql://postgres@127.0.0.1:$port/postgres'"
  echo "export STRATA_TEST_PG_SOCKET_DIR='$dir/pg'"
  echo "export STRATA_TEST_PG_PORT='$port'"
}

# Stops the cluster in $1 and removes the folder. Never fails: it runs from traps.
stop_dir() {
  local dir="$1"
  [[ -n "$dir" && -d "$dir" ]] || return 0
  [[ -f "$dir/strata-pg-test-cluster" ]] || { echo "pg-test-cluster: $dir is not a test cluster, left alone" >&2; return 0; }
  if [[ -f "$dir/watchdog.pid" ]]; then
    local wd
    wd=$(cat "$dir/watchdog.pid" 2>/dev/null || true)
    [[ -n "$wd" && "$wd" != "$BASHPID" ]] && kill "$wd" 2>/dev/null || true
  fi
  if [[ -f "$dir/pg/data/postmaster.pid" ]]; then
    as_owner "$PGBIN/pg_ctl" -D "$dir/pg/data" -m fast -w -t 20 stop >/dev/null 2>&1 ||
      as_owner "$PGBIN/pg_ctl" -D "$dir/pg/data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
    # Last resort: the postmaster's pid is the first line of postmaster.pid.
    if [[ -f "$dir/pg/data/postmaster.pid" ]]; then
      local pm
      pm=$(head -n1 "$dir/pg/data/postmaster.pid" 2>/dev/null || true)
      [[ -n "$pm" ]] && kill -9 "$pm" 2>/dev/null || true
    fi
  fi
  rm -rf "$dir"
}

start_cluster() {
  local owner="$1"
  [[ -x "$PGBIN/initdb" ]] || die "no PostgreSQL server binaries in $PGBIN (scripts/install-deps.sh --test installs postgresql-15)"
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/strata-pg.XXXXXX")
  # From here on, any failure removes what was made.
  trap 'stop_dir "$dir"' ERR
  chmod 755 "$dir"
  touch "$dir/strata-pg-test-cluster"
  mkdir "$dir/pg"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$dir/pg"
  as_owner "$PGBIN/initdb" -D "$dir/pg/data" -U postgres --auth=trust --encoding=UTF8 \
    --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; false; }
  local port="" attempt
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    # Another process may take the port between free_port and the server's bind: retry.
    if as_owner "$PGBIN/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c log_min_messages=warning" \
        start </dev/null >/dev/null 2>&1; then
      break
    fi
    port=""
  done
  if [[ -z "$port" ]]; then
    tail -n 20 "$dir/pg/server.log" >&2 || true
    false
  fi
  echo "$port" >"$dir/port"
  trap - ERR
  # Watchdog: stops the cluster when its owner goes away without calling stop (SIGKILL, crash).
  # Detached from our stdout so that "$(... start)" returns at once.
  if [[ "$owner" != "0" ]]; then
    (
      trap '' HUP
      while kill -0 "$owner" 2>/dev/null && [[ -d "$dir" ]]; do sleep 2; done
      stop_dir "$dir"
    ) </dev/null >/dev/null 2>&1 &
    echo $! >"$dir/watchdog.pid"
    disown $! 2>/dev/null || true
  fi
  print_env "$dir"
}

# The cluster a command means: its DIR argument, else $STRATA_PG_CLUSTER_DIR.
find_dir() {
  local dir="${1:-${STRATA_PG_CLUSTER_DIR:-}}"
  [[ -n "$dir" ]] || die "which cluster? pass its folder or set STRATA_PG_CLUSTER_DIR (printed by: $0 start)"
  echo "$dir"
}

cmd="${1:-}"
shift || true
case "$cmd" in
  start)
    # The default owner is the caller. A command substitution may run us from a forked copy of
    # the caller's shell that exits as soon as we print: then the caller is that copy's parent
    # (same command line).
    owner="$PPID"
    gp=$(awk '{print $4}' "/proc/$owner/stat" 2>/dev/null || echo 0)
    if [[ "$gp" != "0" && -r "/proc/$gp/cmdline" ]] && cmp -s "/proc/$owner/cmdline" "/proc/$gp/cmdline"; then
      owner="$gp"
    fi
    if [[ "${1:-}" == "--owner" ]]; then owner="${2:?--owner needs a pid (0 = no watchdog)}"; fi
    start_cluster "$owner"
    ;;
  stop)
    dir=$(find_dir "${1:-}")
    stop_dir "$dir"
    ;;
  env)
    dir=$(find_dir "${1:-}")
    [[ -n "$dir" && -f "$dir/port" ]] || die "no running test cluster (start one with: $0 start)"
    print_env "$dir"
    ;;
  run)
    [[ "${1:-}" == "--" ]] && shift
    (($#)) || die "usage: $0 run -- COMMAND [ARGS...]"
    eval "$(start_cluster "$$")"
    trap 'stop_dir "$STRATA_PG_CLUSTER_DIR"' EXIT
    trap 'exit 130' INT TERM
    set +e
    "$@"
    exit $?
    ;;
  *)
    echo "usage: $0 start [--owner PID] | stop [DIR] | env [DIR] | run -- COMMAND [ARGS...]" >&2
    exit 2
    ;;
esac
