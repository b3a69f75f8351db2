#!/usr/bin/env bash
# strata's large-revision benchmark (issue 15), one command: one revision of N single-row INSERTs
# (10,000, 100,000 and 1,000,000) applied by strata and by the databases' own clients in the same
# run, each timed with its peak memory:
#   SQLite:      strata upgrade head        vs  sqlite3 DB ".read FILE" (FILE: BEGIN; ... COMMIT;)
#   PostgreSQL:  strata upgrade head        vs  psql -X -q -1 -v ON_ERROR_STOP=1 -f FILE
# Each run starts from an empty database and is checked afterwards (the table holds N rows);
# wall time, CPU time and peak RSS come from GNU time (`/usr/bin/time -f`). Prints a Markdown
# table with the ratios and the goals (strata within 1.5x of the peer's time at every size, peak
# RSS under 64 MB at 1M statements), also written to bench/results/large-latest.md. Timings are
# never tests: exits 0 whether or not a goal is met, non-zero only when a tool failed.
#
# Usage: bench/large/run.sh [--quick] [--no-pg] [--no-install] [--no-build]
#   --quick       10,000 and 100,000 statements, one run each (a smoke test of the bench itself)
#   --no-pg       SQLite only
#   --no-install  do not run scripts/install-deps.sh --bench
#   --no-build    use build-bench/strata as it is (bench/run.sh builds it, then calls this)
# Environment: BENCH_TMPDIR (default /dev/shm when writable), BENCH_LARGE_OUT (the results file),
#              BENCH_KEEP=1 (keep the work folder)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

quick=0 pg=1 install=1 build=1
for a in "$@"; do
  case "$a" in
    --quick) quick=1 ;;
    --no-pg) pg=0 ;;
    --no-install) install=0 ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "bench/large/run.sh: unknown option $a (see --help)" >&2; exit 2 ;;
  esac
done

PY=/usr/bin/python3
TIME=/usr/bin/time           # GNU time: -f with %e (wall), %U/%S (CPU), %M (peak RSS, KB)
BUILD="$ROOT/build-bench"
STRATA="$BUILD/strata"
if ((quick)); then
  SIZES=(10000 100000)
  declare -A RUNS=([10000]=1 [100000]=1)
else
  # Runs per tool and size, interleaved (strata, peer, strata, peer, ...) so that other work on a
  # shared machine hits both alike; the median counts. 1M on PostgreSQL takes psql about 40 s.
  SIZES=(10000 100000 1000000)
  declare -A RUNS=([10000]=5 [100000]=3 [1000000]=1)
fi

step() { printf '\n== %s\n' "$*" >&2; }
die() { echo "bench/large/run.sh: $*" >&2; exit 1; }
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

if ((install)); then
  step "dependencies (scripts/install-deps.sh --bench)"
  scripts/install-deps.sh --bench
fi
[[ -x $TIME ]] || die "$TIME missing (Debian package 'time'; scripts/install-deps.sh --bench)"
command -v sqlite3 >/dev/null || die "sqlite3 missing (scripts/install-deps.sh --bench)"
SQLITE3=$(command -v sqlite3)

if ((build)); then bench_build "$BUILD"; fi
[[ -x $STRATA ]] || die "$STRATA missing (run without --no-build)"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

bench_workdir strata-large
cd "$W"     # no strata.toml here: only the options below apply
unset STRATA_URL DATABASE_URI DATABASE_URL STRATA_CONFIG
RESULTS="$W/results.tsv"
printf 'driver\tsize\ttool\twall_s\tuser_s\tsys_s\tmaxrss_kb\n' >"$RESULTS"

# measure DRIVER SIZE TOOL COMMAND...: runs COMMAND once under GNU time and appends a row.
measure() {
  local driver=$1 size=$2 tool=$3; shift 3
  if ! "$TIME" -o "$W/time.out" -f '%e %U %S %M' "$@" >"$W/cmd.out" 2>&1; then
    cat "$W/cmd.out" >&2
    die "$tool failed on $driver with $size statements: $*"
  fi
  read -r wall user sys rss < <(tail -n 1 "$W/time.out")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$driver" "$size" "$tool" "$wall" "$user" "$sys" "$rss" \
    >>"$RESULTS"
}

expect() {
  [[ "$2" == "$3" ]] || die "check failed: $1: got '$2', expected '$3'"
}

for n in "${SIZES[@]}"; do
  step "generating $n statements"
  $PY "$ROOT/bench/large/gen.py" --count "$n" --strata "$W/m$n" --sql "$W/all$n.sql" \
    --sqlite "$W/all$n.sqlite.sql"
  echo "file: $(stat -c %s "$W/all$n.sql") bytes" >&2
  printf '%s\t%s\n' "$n" "$(stat -c %s "$W/all$n.sql")" >>"$W/files.tsv"
done

# --- SQLite ----------------------------------------------------------------------------------------
for n in "${SIZES[@]}"; do
  step "SQLite, $n statements (${RUNS[$n]} runs each)"
  db="$W/sqlite.db"
  for ((r = 1; r <= RUNS[$n]; r++)); do
    rm -f "$db" "$db-journal"
    measure sqlite "$n" strata "$STRATA" --dir "$W/m$n" --url "sqlite:$db" -q upgrade head
    expect "strata on SQLite, $n statements" "$("$SQLITE3" "$db" 'SELECT count(*) FROM big')" "$n"
    rm -f "$db" "$db-journal"
    measure sqlite "$n" sqlite3 "$SQLITE3" -bail "$db" ".read $W/all$n.sqlite.sql"
    expect "sqlite3, $n statements" "$("$SQLITE3" "$db" 'SELECT count(*) FROM big')" "$n"
  done
  rm -f "$db" "$db-journal"
done

# --- PostgreSQL ------------------------------------------------------------------------------------
pg_status="skipped (--no-pg)"
if ((pg)); then
  PSQL="$(pg_config --bindir 2>/dev/null || true)/psql"   # the real psql, not Debian's Perl wrapper
  if [[ ! -x $PSQL || ! -x /usr/lib/postgresql/15/bin/initdb ]]; then
    pg_status="skipped: no PostgreSQL 15 server or psql (scripts/install-deps.sh --bench installs them)"
  else
    step "PostgreSQL: throwaway cluster"
    eval "$("$ROOT/scripts/pg-test-cluster.sh" start --owner $$)"
    admin="postgresql://postgres@127.0.0.1:$STRATA_TEST_PG_PORT/postgres"
    url="postgresql://postgres@127.0.0.1:$STRATA_TEST_PG_PORT/bench_large"
    reset() {
      PGOPTIONS="-c client_min_messages=warning" "$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$admin" \
        -c "DROP DATABASE IF EXISTS bench_large WITH (FORCE)" -c "CREATE DATABASE bench_large"
    }
    count() { "$PSQL" -X -q -A -t -d "$url" -c 'SELECT count(*) FROM big'; }
    for n in "${SIZES[@]}"; do
      step "PostgreSQL, $n statements (${RUNS[$n]} runs each)"
      for ((r = 1; r <= RUNS[$n]; r++)); do
        reset
        measure postgresql "$n" strata "$STRATA" --dir "$W/m$n" --url "$url" -q upgrade head
        expect "strata on PostgreSQL, $n statements" "$(count)" "$n"
        reset
        measure postgresql "$n" psql "$PSQL" -X -q -1 -v ON_ERROR_STOP=1 -f "$W/all$n.sql" -d "$url"
        expect "psql, $n statements" "$(count)" "$n"
      done
    done
    pg_version=$("$PSQL" -X -q -A -t -d "$admin" -c 'SHOW server_version')
    pg_status="ok, PostgreSQL $pg_version (throwaway cluster, fsync off)"
  fi
fi

commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- src include CMakeLists.txt 2>/dev/null || commit="$commit+dirty"
$PY "$ROOT/bench/large/report.py" --results "$RESULTS" --files "$W/files.tsv" \
  --out "${BENCH_LARGE_OUT:-$ROOT/bench/results/large-latest.md}" \
  --meta "commit=$commit" --meta "pg=$pg_status" --meta "tmpdir=$base" \
  --meta "sqlite3=$("$SQLITE3" --version | cut -d' ' -f1)" \
  --meta "load_start=$load_start" --meta "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" \
  --meta "runs=$([[ $quick == 1 ]] && echo quick || echo full)"
