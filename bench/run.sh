#!/usr/bin/env bash
# strata's benchmark, one command: installs what it needs (scripts/install-deps.sh --bench), builds
# strata in Release into build-bench/, generates the revisions, times strata against its peers in
# the same run with hyperfine, and prints absolute times and ratios (bench/report.py), also written
# to bench/results/latest.md. What is measured: bench/README.md. Timings are never tests: this
# prints whether each target was met and exits 0 either way (non-zero only when something broke).
#
# Then runs the large-revision benchmark, bench/large/run.sh (one revision of 10,000 to
# 1,000,000 statements against sqlite3 and psql: time and peak memory), unless --no-large.
#
# Usage: bench/run.sh [--quick] [--no-pg] [--no-install] [--no-build] [--no-large]
#   --quick       fewer runs (a smoke test of the bench itself, figures are rough)
#   --no-pg       skip the PostgreSQL part
#   --no-install  do not run scripts/install-deps.sh (the tools must already be there)
#   --no-build    use build-bench/strata as it is
#   --no-large    skip bench/large/run.sh
# Environment: BENCH_TMPDIR  where the databases and generated revisions go (default /dev/shm when
#                            it exists, so that a shared disk's fsync latency does not drown the
#                            tools' own time; set BENCH_TMPDIR=/var/tmp to include the disk)
#              BENCH_OUT     the results file (default bench/results/latest.md)
#              BENCH_KEEP=1  keep the work folder (revisions, hyperfine JSON) and print where it is
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

quick=0 pg=1 install=1 build=1 large=1
for a in "$@"; do
  case "$a" in
    --quick) quick=1 ;;
    --no-pg) pg=0 ;;
    --no-install) install=0 ;;
    --no-build) build=0 ;;
    --no-large) large=0 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown option $a (see --help)" >&2; exit 2 ;;
  esac
done

PY=/usr/bin/python3            # Debian's interpreter: the one with alembic and psycopg2
ALEMBIC=/usr/bin/alembic
BUILD="$ROOT/build-bench"
STRATA="$BUILD/strata"
FLOOR="$BUILD/floor_current"
FLOOR_READ="$BUILD/floor_readfiles"
N_SQLITE=500 N_HISTORY=10000 N_PG=300 N_SNAPSHOT=1000

# Runs per command. The commands compared with each other are interleaved in ROUNDS rounds (each
# round runs every command of the group a few times) so that a change in the machine's load during
# the run (other jobs on a shared machine) hits every command alike instead of whichever came last.
# Sized so that the whole run stays under about five minutes on a 2-core machine; --quick runs a
# fraction, to check the bench itself.
if ((quick)); then
  ROUNDS=1 W_FAST=1 R_FAST=5 W_SLOW=1 R_SLOW=2 R_UP=1 R_UP_SLOW=1 R_PG_UP=1 R_VERIFY=1 R_SCHEMA=3
else
  # In all: 30 runs of a fast command, 9 of Alembic's current/history, 6 of strata's upgrade on
  # SQLite, 9 of strata's and psql's upgrade on PostgreSQL (their difference is small against the
  # noise of a shared machine: single runs of either vary from 1.1 to 2.4 s), 3 of Alembic's.
  ROUNDS=3 W_FAST=3 R_FAST=10 W_SLOW=1 R_SLOW=3 R_UP=2 R_UP_SLOW=1 R_PG_UP=3
  # verify replays every revision three times on scratch databases (seconds on PostgreSQL): it
  # runs in one round only, and `schema` of 1,000 tables a few times.
  R_VERIFY=2 R_SCHEMA=10
fi

step() { printf '\n== %s\n' "$*" >&2; }
die() { echo "bench/run.sh: $*" >&2; exit 1; }
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

if ((install)); then
  step "dependencies (scripts/install-deps.sh --bench)"
  scripts/install-deps.sh --bench
fi
for t in hyperfine cc cmake ninja; do command -v "$t" >/dev/null || die "$t not found (run without --no-install)"; done
[[ -x $ALEMBIC && -x $PY ]] || die "$ALEMBIC or $PY missing (Debian's alembic and python3-alembic)"

if ((build)); then bench_build "$BUILD"; fi
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
[[ -x $STRATA ]] || die "$STRATA missing (run without --no-build)"
cc -O2 -o "$FLOOR" bench/floor_current.c -lsqlite3
cc -O2 -o "$FLOOR_READ" bench/floor_readfiles.c

bench_workdir strata-bench
mkdir -p "$W/json"
cd "$W"     # no strata.toml here: only the options below apply
# Settings from the caller's environment must not reach the tools.
unset STRATA_URL DATABASE_URI DATABASE_URL STRATA_CONFIG

# cmd ARGS...: one command line, quoted for hyperfine (which splits it as a shell would, -N).
cmd() { local c; printf -v c '%q ' "$@"; echo "${c% }"; }

# rounds PREPARE CLEANUP NAME WARMUP RUNS COMMAND [NAME WARMUP RUNS COMMAND...]
# Times the commands (each quoted by `cmd`) interleaved in $ROUNDS rounds: in each round every
# command runs RUNS timed times (after WARMUP untimed ones, in the first round only), PREPARE
# before each run and CLEANUP (a check of what the command did) after them; either may be empty.
# Round N's results go to json/NAME.rN.json; report.py merges the rounds.
rounds() {
  local prepare=$1 cleanup=$2 r i w; shift 2
  local opts=()
  [[ -n $prepare ]] && opts+=(--prepare "$prepare")
  [[ -n $cleanup ]] && opts+=(--cleanup "$cleanup")
  for ((r = 1; r <= ROUNDS; r++)); do
    for ((i = 1; i <= $#; i += 4)); do
      local n=$i k=$((i + 2)) c=$((i + 3))
      w=$((i + 1)); w=${!w}; ((r == 1)) || w=0
      if ! hyperfine -N --style basic --warmup "$w" --runs "${!k}" "${opts[@]}" \
          --command-name "${!n} (round $r/$ROUNDS)" --export-json "$W/json/${!n}.r$r.json" "${!c}" >&2; then
        [[ -s $W/check.log ]] && cat "$W/check.log" >&2
        die "${!n} failed: ${!c}"
      fi
    done
  done
}

# expect WHAT ACTUAL WANTED: a correctness check of what a tool did, before its figures count.
expect() {
  [[ "$2" == "$3" ]] || die "check failed: $1: got '$2', expected '$3'"
}

# --- 1. SQLite, 500 revisions --------------------------------------------------------------------
step "SQLite: generating $N_SQLITE revisions"
head_sqlite=$($PY "$ROOT/bench/gen.py" --count $N_SQLITE --dialect sqlite --strata "$W/sqlite/migrations" \
  --alembic "$W/sqlite/alembic" --ini "cur.ini=sqlite:///$W/sqlite/cur.db" --ini "up.ini=sqlite:///$W/sqlite/up.db")
S=("$STRATA" --dir "$W/sqlite/migrations")
A_CUR=("$ALEMBIC" -c "$W/sqlite/alembic/cur.ini")
A_UP=("$ALEMBIC" -c "$W/sqlite/alembic/up.ini")

# The database for `current`: brought to head once by strata, then read by all three.
"${S[@]}" --url "sqlite:$W/sqlite/cur.db" -q upgrade head >/dev/null || die "strata upgrade head failed on SQLite"
expect "strata current (SQLite)" "$("${S[@]}" --url "sqlite:$W/sqlite/cur.db" current)" "$head_sqlite (head)"
expect "alembic current (SQLite)" "$("${A_CUR[@]}" current 2>/dev/null)" "$head_sqlite (head)"
expect "floor_current" "$("$FLOOR" "$W/sqlite/cur.db")" "$head_sqlite"
expect "strata history lines" "$("${S[@]}" history | wc -l)" "$N_SQLITE"

step "SQLite: current and history"
rounds "" "" \
  sqlite_current_strata $W_FAST $R_FAST "$(cmd "${S[@]}" --url "sqlite:$W/sqlite/cur.db" current)" \
  sqlite_current_floor $W_FAST $R_FAST "$(cmd "$FLOOR" "$W/sqlite/cur.db")" \
  sqlite_current_alembic $W_SLOW $R_SLOW "$(cmd "${A_CUR[@]}" current)" \
  sqlite_history_strata $W_FAST $R_FAST "$(cmd "${S[@]}" history)" \
  sqlite_history_alembic $W_SLOW $R_SLOW "$(cmd "${A_CUR[@]}" history)"

step "SQLite: upgrade head from an empty database"
rounds "$(cmd rm -f "$W/sqlite/up.db")" \
  "$(cmd $PY "$ROOT/bench/check_db.py" --sqlite "$W/sqlite/up.db" --tables $N_SQLITE --head "$head_sqlite" --require-version --log "$W/check.log")" \
  sqlite_upgrade_strata 1 $R_UP "$(cmd "${S[@]}" --url "sqlite:$W/sqlite/up.db" upgrade head)" \
  sqlite_upgrade_alembic 1 $R_UP_SLOW "$(cmd "${A_UP[@]}" upgrade head)"

# verify and schema snapshots (docs/verify.md). Scratch databases are temporary files under
# $TMPDIR, which points into the work folder for these commands only.
mkdir -p "$W/tmp"
SV=(env "TMPDIR=$W/tmp" "${S[@]}" --url "sqlite:$W/sqlite/cur.db" -q verify)
expect "strata verify (SQLite) exit code" "$("${SV[@]}" >/dev/null 2>&1; echo $?)" 0
step "SQLite: verify of $N_SQLITE revisions (upgrade, downgrade, upgrade each, on scratch files)"
ROUNDS=1 rounds "" "" sqlite_verify_strata 0 $R_VERIFY "$(cmd "${SV[@]}")"

step "SQLite: schema snapshot of $N_SNAPSHOT tables"
$PY "$ROOT/bench/gen.py" --count $N_SNAPSHOT --dialect sqlite --sql "$W/snapshot-sqlite.sql" >/dev/null
$PY -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(open(sys.argv[2]).read())' \
  "$W/snapshot.db" "$W/snapshot-sqlite.sql"
expect "strata schema (SQLite) tables" \
  "$("$STRATA" --url "sqlite:$W/snapshot.db" schema | grep -c '^-- table ')" "$N_SNAPSHOT"
rounds "" "" sqlite_schema1k_strata $W_FAST $R_SCHEMA "$(cmd "$STRATA" --url "sqlite:$W/snapshot.db" schema)"

# --- 2. history over 10,000 revisions ------------------------------------------------------------
step "history over $N_HISTORY revisions"
$PY "$ROOT/bench/gen.py" --count $N_HISTORY --dialect sqlite --strata "$W/history/migrations" >/dev/null
expect "strata history lines (10k)" "$("$STRATA" --dir "$W/history/migrations" history | wc -l)" "$N_HISTORY"
rounds "" "" \
  history10k_strata $W_FAST $R_FAST "$(cmd "$STRATA" --dir "$W/history/migrations" history)" \
  history10k_floor $W_FAST $R_FAST "$(cmd "$FLOOR_READ" "$W/history/migrations")"

# --- 3. PostgreSQL, 300 revisions ----------------------------------------------------------------
pg_status="skipped (--no-pg)"
if ((pg)); then
  PGBIN=$(pg_config --bindir 2>/dev/null || true)
  PSQL="$PGBIN/psql"            # the real psql: /usr/bin/psql is a Perl wrapper (~40 ms a call)
  if [[ ! -x $PSQL || ! -x /usr/lib/postgresql/15/bin/initdb ]]; then
    pg_status="skipped: no PostgreSQL 15 server or psql (scripts/install-deps.sh --bench installs them)"
  else
    step "PostgreSQL: throwaway cluster"
    eval "$("$ROOT/scripts/pg-test-cluster.sh" start --owner $$)"
    port=$STRATA_TEST_PG_PORT
    admin="postgresql://postgres@127.0.0.1:$port/postgres"
    url() { echo "postgresql://postgres@127.0.0.1:$port/$1"; }
    # reset DB: a fresh, empty database (hyperfine --prepare, not timed)
    cat >"$W/reset-db.sh" <<EOF
#!/bin/sh
exec "$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$admin" -c "DROP DATABASE IF EXISTS \$1 WITH (FORCE)" -c "CREATE DATABASE \$1"
EOF
    chmod +x "$W/reset-db.sh"
    "$W/reset-db.sh" bench_cur
    "$W/reset-db.sh" bench_up

    step "PostgreSQL: generating $N_PG revisions"
    head_pg=$($PY "$ROOT/bench/gen.py" --count $N_PG --dialect postgresql --strata "$W/pg/migrations" \
      --alembic "$W/pg/alembic" --sql "$W/pg/all.sql" \
      --ini "cur.ini=postgresql+psycopg2://postgres@127.0.0.1:$port/bench_cur" \
      --ini "up.ini=postgresql+psycopg2://postgres@127.0.0.1:$port/bench_up")
    P=("$STRATA" --dir "$W/pg/migrations")
    q() { "$PSQL" -X -q -A -t -d "$(url "$1")" -c "$2"; }

    if ! probe=$("${P[@]}" --url "$(url bench_cur)" current 2>&1); then
      pg_status="skipped: \`strata --url postgresql://... current\` failed: ${probe//$'\n'/ }"
      echo "bench/run.sh: PostgreSQL part $pg_status" >&2
    else
      "${P[@]}" --url "$(url bench_cur)" -q upgrade head >/dev/null || die "strata upgrade head failed on PostgreSQL"
      expect "strata current (PostgreSQL)" "$("${P[@]}" --url "$(url bench_cur)" current)" "$head_pg (head)"
      expect "alembic current (PostgreSQL)" "$("$ALEMBIC" -c "$W/pg/alembic/cur.ini" current 2>/dev/null)" "$head_pg (head)"

      step "PostgreSQL: upgrade head of $N_PG revisions into a fresh database"
      rounds "$(cmd "$W/reset-db.sh" bench_up)" \
        "$(cmd $PY "$ROOT/bench/check_db.py" --pg "$(url bench_up)" --tables $N_PG --indexes $N_PG --head "$head_pg" --log "$W/check.log")" \
        pg_upgrade_psql 1 $R_PG_UP "$(cmd "$PSQL" -X -q -1 -v ON_ERROR_STOP=1 -f "$W/pg/all.sql" -d "$(url bench_up)")" \
        pg_upgrade_strata 1 $R_PG_UP "$(cmd "${P[@]}" --url "$(url bench_up)" upgrade head)" \
        pg_upgrade_alembic 1 $R_UP_SLOW "$(cmd "$ALEMBIC" -c "$W/pg/alembic/up.ini" upgrade head)"

      step "PostgreSQL: verify of $N_PG revisions (scratch databases on the same server)"
      PV=("${P[@]}" --url "$(url postgres)" -q verify)
      expect "strata verify (PostgreSQL) exit code" "$("${PV[@]}" >/dev/null 2>&1; echo $?)" 0
      ROUNDS=1 rounds "" "" pg_verify_strata 0 $R_VERIFY "$(cmd "${PV[@]}")"

      step "PostgreSQL: schema snapshot of $N_SNAPSHOT tables"
      "$W/reset-db.sh" bench_snapshot
      $PY "$ROOT/bench/gen.py" --count $N_SNAPSHOT --dialect postgresql --sql "$W/snapshot-pg.sql" >/dev/null
      "$PSQL" -X -q -1 -v ON_ERROR_STOP=1 -f "$W/snapshot-pg.sql" -d "$(url bench_snapshot)" >/dev/null
      expect "strata schema (PostgreSQL) tables" \
        "$("$STRATA" --url "$(url bench_snapshot)" schema | grep -c '^-- table ')" "$N_SNAPSHOT"
      pg_snapshot_objects=$("$STRATA" --url "$(url bench_snapshot)" --format json schema |
        $PY -c 'import json, sys; print(len(json.load(sys.stdin)["objects"]))')
      rounds "" "" pg_schema1k_strata $W_FAST $R_SCHEMA "$(cmd "$STRATA" --url "$(url bench_snapshot)" schema)"

      step "PostgreSQL: current"
      rounds "" "" \
        pg_current_strata $W_FAST $R_FAST "$(cmd "${P[@]}" --url "$(url bench_cur)" current)" \
        pg_current_psql $W_FAST $R_FAST "$(cmd "$PSQL" -X -A -t -d "$(url bench_cur)" -c "SELECT version_num FROM alembic_version")" \
        pg_current_alembic $W_SLOW $R_SLOW "$(cmd "$ALEMBIC" -c "$W/pg/alembic/cur.ini" current)"
      pg_status="ok"
    fi
  fi
fi

# --- report --------------------------------------------------------------------------------------
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- src include CMakeLists.txt 2>/dev/null || commit="$commit+dirty"
pg_version=""
[[ $pg_status == ok ]] && pg_version=$(q bench_cur 'show server_version')
$PY "$ROOT/bench/report.py" --json-dir "$W/json" --out "${BENCH_OUT:-$ROOT/bench/results/latest.md}" \
  --meta "commit=$commit" --meta "strata_libs=$(ldd "$STRATA" | wc -l)" \
  --meta "pg_module_libs=$([[ -f $BUILD/strata_postgres.so ]] && ldd "$BUILD/strata_postgres.so" | wc -l)" \
  --meta "load_start=$load_start" --meta "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" \
  --meta "pg=$pg_status" --meta "pg_version=$pg_version" --meta "tmpdir=$base" \
  --meta "runs=$([[ $quick == 1 ]] && echo quick || echo full)" \
  --meta "n_sqlite=$N_SQLITE" --meta "n_history=$N_HISTORY" --meta "n_pg=$N_PG" \
  --meta "n_snapshot=$N_SNAPSHOT" --meta "pg_snapshot_objects=${pg_snapshot_objects:-}"

# --- large revisions (bench/large/run.sh: its own cluster and work folder) --------------------------
if ((large)); then
  if [[ -n ${STRATA_PG_CLUSTER_DIR:-} ]]; then
    "$ROOT/scripts/pg-test-cluster.sh" stop || true   # ours is done; the large bench starts its own
    unset STRATA_PG_CLUSTER_DIR
  fi
  large_opts=(--no-install --no-build)
  ((quick)) && large_opts+=(--quick)
  ((pg)) || large_opts+=(--no-pg)
  "$ROOT/bench/large/run.sh" "${large_opts[@]}"
fi
