#!/usr/bin/env bash
# Operations bench (issue 10): what `strata upgrade --backup` adds to an upgrade of a large
# PostgreSQL database, against a plain `pg_dump -Fc` of it, and how many /ready requests per
# second `strata serve` answers under 50 concurrent connections, against the same server's 404
# path (the HTTP floor) and a Kubernetes-style exec probe running `strata check` per probe. All
# measured in the same run; figures in bench/README.md ("Operations").
#
# Usage: bench/ops/run.sh [--size-mb N] [--runs N] [--no-build]   (default 1024 MB, 3 runs)
# Environment: BENCH_TMPDIR (default /var/tmp: a 1 GB database and its dumps), BENCH_OUT
# (default bench/results/ops-latest.md).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
step() { echo "== $*" >&2; }
die() { echo "bench/ops: $*" >&2; exit 1; }
# shellcheck source=../lib.sh
source "$ROOT/bench/lib.sh"

size_mb=1024 runs=3 build=1
while (($#)); do
  case "$1" in
    --size-mb) size_mb=$2; shift ;;
    --runs) runs=$2; shift ;;
    --no-build) build=0 ;;
    *) die "unknown option $1" ;;
  esac
  shift
done
BUILD="${BENCH_BUILD:-$ROOT/build-bench}"   # BENCH_BUILD: an existing build folder
((build)) && bench_build "$BUILD"
STRATA="$BUILD/strata"
[[ -x $STRATA ]] || die "no $STRATA (run without --no-build)"
PGBIN=$(pg_config --bindir)

BENCH_TMPDIR=${BENCH_TMPDIR:-/var/tmp}
bench_workdir strata-bench-ops
export TMPDIR="$W"
eval "$("$ROOT/scripts/pg-test-cluster.sh" start --owner $$)"
URL_ADMIN=$STRATA_TEST_PG_URL
URL=${URL_ADMIN%/postgres}/bench
"$PGBIN/psql" -X -q "$URL_ADMIN" -c "CREATE DATABASE bench"

step "fill the database to about $size_mb MB"
rows=$((size_mb * 1024 * 1024 / 380))   # ~380 bytes a row with its index entry and overhead
"$PGBIN/psql" -X -q "$URL" -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE events (id bigint PRIMARY KEY, kind int NOT NULL, payload text NOT NULL,
                     created timestamptz NOT NULL);
INSERT INTO events SELECT g, g % 17, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text),
                          now() - g * interval '1 second'
  FROM generate_series(1, $rows) g;
VACUUM ANALYZE events;
SQL
db_size=$("$PGBIN/psql" -X -A -t "$URL" -c "SELECT pg_database_size(current_database())")
echo "database size: $db_size bytes" >&2

cd "$W"
mkdir -p migrations
cat > migrations/bench0001_add_table.sql <<'SQL'
-- bench: a small revision
--
-- Revision ID: bench0001
-- Revises:

-- migrate:upgrade
CREATE TABLE audit (id bigint);

-- migrate:downgrade
DROP TABLE audit;
SQL
printf 'url = "%s"\nbackup_keep_days = 0\n' "$URL" > strata.toml

step "upgrade --backup vs upgrade vs pg_dump -Fc ($runs runs each, interleaved by hyperfine)"
hyperfine -N --runs "$runs" --export-json backup.json \
  --prepare "rm -f $W/plain.dump" "$PGBIN/pg_dump -Fc -f $W/plain.dump $URL" \
  --prepare "sh -c '$STRATA -q downgrade base && rm -rf $W/backups'" "$STRATA -q upgrade head --backup" \
  --prepare "$STRATA -q downgrade base" "$STRATA -q upgrade head" >&2
dump_size=$(stat -c %s plain.dump)

step "/ready under 50 connections (cache on)"
g++ -O2 -std=c++20 -pthread -o http_load "$ROOT/bench/ops/http_load.cc"
"$STRATA" -q upgrade head
"$STRATA" serve --listen 127.0.0.1:0 > serve.out 2>&1 &
serve_pid=$!
for _ in $(seq 100); do grep -q 'http://' serve.out && break; sleep 0.1; done
port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\).*|\1|p' serve.out)
./http_load "$port" /ready 50 10 > ready.txt
./http_load "$port" /nothing 50 10 > floor.txt
kill -TERM "$serve_pid"; wait "$serve_pid" || true
hyperfine -N --runs 20 --export-json check.json "$STRATA -q check" >&2

/usr/bin/python3 - "$W" "$db_size" "$dump_size" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" \
  > "${BENCH_OUT:-$ROOT/bench/results/ops-latest.md}" <<'PY'
import json, sys, statistics, datetime, subprocess
w, db_size, dump_size, cpus, load = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
res = json.load(open(f"{w}/backup.json"))["results"]
med = [statistics.median(r["times"]) for r in res]
dump, up_backup, up = med
def kv(path):
    return dict(line.split() for line in open(path) if line.strip())
ready, floor = kv(f"{w}/ready.txt"), kv(f"{w}/floor.txt")
check = statistics.median(json.load(open(f"{w}/check.json"))["results"][0]["times"])
print(f"# Operations bench, {datetime.date.today()} ({cpus} CPUs, load average at the end {load})\n")
print(f"Database {db_size/2**20:.0f} MiB (pg_database_size); pg_dump -Fc file {dump_size/2**20:.0f} MiB. Medians of hyperfine runs.\n")
print("| measurement | seconds |\n|---|---|")
print(f"| `pg_dump -Fc` | {dump:.2f} |")
print(f"| `strata upgrade head --backup` | {up_backup:.2f} |")
print(f"| `strata upgrade head` | {up:.2f} |")
print(f"| what --backup adds | {up_backup - up:.2f} |")
print(f"\n**Ratio: (upgrade --backup − upgrade) / pg_dump -Fc = {(up_backup - up) / dump:.2f}**\n")
print("| probe, 50 connections, 10 s | requests/s |\n|---|---|")
print(f"| `GET /ready` (cached reading) | {float(ready['requests_per_second']):.0f} |")
print(f"| `GET /nothing` (404, the same server's HTTP floor) | {float(floor['requests_per_second']):.0f} |")
print(f"| exec probe: one `strata check` process per probe (serial) | {1/check:.0f} |")
print(f"\n/ready ÷ HTTP floor = {float(ready['requests_per_second'])/float(floor['requests_per_second']):.2f}; /ready ÷ exec probe = {float(ready['requests_per_second'])*check:.0f}×. Status counts: /ready { {k: v for k, v in ready.items() if k.startswith('status')} }, floor { {k: v for k, v in floor.items() if k.startswith('status')} }.")
PY
cat "${BENCH_OUT:-$ROOT/bench/results/ops-latest.md}"
