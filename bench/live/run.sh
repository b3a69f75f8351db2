#!/usr/bin/env bash
# Migrations under live load (issue 14), one command. pgbench runs a read/write workload on the
# example service's `users` table; 4 s in, a long transaction takes a lock on it (a report
# reading the table for 10 s); 1 s later a revision that needs an ACCESS EXCLUSIVE lock on users
# (ALTER TABLE users ADD COLUMN) is applied by
#   (a) psql -f                                           what the runbook does today
#   (b) strata --statement-lock-timeout 200ms --retries N  gives up the lock queue, retries
#   (c) strata --refuse-if-blocked, re-run every second   never queues behind the report
# Each gets its own database and pgbench run of the same length; pgbench's per-transaction log
# gives p50/p99 latency, and "stalled seconds" (seconds in which no transaction completed) and a
# histogram of latencies. Figures go to bench/results/live-latest.md and a plot to
# bench/results/live-load.png (matplotlib). Timings are never tests: exits 0 whatever they are.
#
# Usage: bench/live/run.sh [--no-build] [--seconds N]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
build=1 seconds=20
while (($#)); do
  case "$1" in
    --no-build) build=0 ;;
    --seconds) seconds=$2; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "bench/live/run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
step() { echo "== $*" >&2; }
die() { echo "bench/live/run.sh: $*" >&2; exit 1; }
source "$ROOT/bench/lib.sh"
BUILD="${BENCH_BUILD:-$ROOT/build-bench}"   # BENCH_BUILD: another build folder, with --no-build
STRATA="$BUILD/strata"
PGBIN=/usr/lib/postgresql/15/bin
PSQL="$PGBIN/psql"
PGBENCH="$PGBIN/pgbench"
((build)) && bench_build "$BUILD"
[[ -x $STRATA ]] || die "no $STRATA (run without --no-build)"
bench_workdir strata-live
eval "$("$ROOT/scripts/pg-test-cluster.sh" start)"
ADMIN=$STRATA_TEST_PG_URL
server="${ADMIN%/postgres}"

# The example service at head, 10,000 users, plus the revision under test.
cp -r "$ROOT/examples/migrations" "$W/migrations"
cat >"$W/migrations/7a1b2c3d4e5f_users_nickname.sql" <<'SQL'
-- Add a nickname column to users
--
-- Revision ID: 7a1b2c3d4e5f
-- Revises: 9d8c7b6a5f40

-- migrate:upgrade
ALTER TABLE users ADD COLUMN nickname VARCHAR(64);

-- migrate:downgrade
ALTER TABLE users DROP COLUMN nickname;
SQL
echo "ALTER TABLE users ADD COLUMN nickname VARCHAR(64);" >"$W/upgrade.sql"
cat >"$W/workload.sql" <<'SQL'
\set id random(3, 10000)
SELECT name, email FROM users WHERE id = :id;
UPDATE users SET display_name = name WHERE id = :id;
SQL

methods=(psql strata_retry strata_refuse)
for m in "${methods[@]}"; do
  "$PSQL" -X -q "$ADMIN" -c "CREATE DATABASE live_$m" >/dev/null
  url="$server/live_$m"
  "$STRATA" -q --url "$url" --dir "$W/migrations" upgrade 9d8c7b6a5f40
  "$PSQL" -X -q "$url" -c "INSERT INTO users (id, name) SELECT g, 'user ' || g FROM generate_series(3, 10000) g" >/dev/null
  "$PSQL" -X -q "$url" -c "VACUUM ANALYZE users" >/dev/null
done

apply() {
  local m=$1 url=$2
  case "$m" in
    psql) "$PSQL" -X -q -v ON_ERROR_STOP=1 "$url" -f "$W/upgrade.sql" >/dev/null ;;
    strata_retry)
      "$STRATA" -q --url "$url" --dir "$W/migrations" upgrade head --statement-lock-timeout 200ms --retries 40 2>>"$W/$m.strata.log" ;;
    strata_refuse)
      # exit 5 while the report holds its lock: the deploy job tries again a second later.
      until "$STRATA" -q --url "$url" --dir "$W/migrations" upgrade head --refuse-if-blocked 2>>"$W/$m.strata.log"; do
        [[ $? -eq 5 ]] || return 1
        sleep 1
      done ;;
  esac
}

for m in "${methods[@]}"; do
  url="$server/live_$m"
  step "$m: pgbench ${seconds}s, a 10 s report at 4 s, the revision at 5 s"
  "$PGBENCH" -n -c 4 -j 2 -T "$seconds" -f "$W/workload.sql" --log --log-prefix="$W/$m" "$url" \
    >"$W/$m.pgbench.out" 2>&1 &
  bench=$!
  sleep 4
  "$PSQL" -X -q "$url" -c "BEGIN; SELECT count(*) FROM users; SELECT pg_sleep(10); COMMIT;" >/dev/null &
  report=$!
  sleep 1
  t0=$(date +%s.%N)
  apply "$m" "$url"
  t1=$(date +%s.%N)
  echo "$t0 $t1" >"$W/$m.applied"
  wait "$report" "$bench"
  "$PSQL" -X -q -A -t "$url" -c "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'nickname'" | grep -qx 1 ||
    die "$m: the column was not added"
done

load=$(cut -d' ' -f1-3 /proc/loadavg)
/usr/bin/python3 "$ROOT/bench/live/report.py" "$W" "$seconds" "$load" "${methods[@]}"
