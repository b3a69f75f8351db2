#!/usr/bin/env bash
# Fan-out benchmark (issue 14), one command: 20 revisions (bench/gen.py's, PostgreSQL flavour)
# applied to 200 databases on a throwaway PostgreSQL 15, three ways in the same run, each on its
# own 200 fresh databases:
#   (1) a shell loop of `alembic -c DB.ini upgrade head`      what "run it multiple times" means
#   (2) a shell loop of `strata --url URL upgrade head`
#   (3) `strata upgrade --targets FILE --parallel P`          the fan-out (default P = 4)
# Wall time of each, ratios against (3), and a check that every database ends at the head.
# Figures go to bench/results/fleet-latest.md. Timings are never tests: exits 0 whatever they are.
#
# Usage: bench/fleet/run.sh [--no-build] [--databases N] [--parallel P]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
build=1 n=200 parallel=4 revisions=20
while (($#)); do
  case "$1" in
    --no-build) build=0 ;;
    --databases) n=$2; shift ;;
    --parallel) parallel=$2; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "bench/fleet/run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
step() { echo "== $*" >&2; }
die() { echo "bench/fleet/run.sh: $*" >&2; exit 1; }
source "$ROOT/bench/lib.sh"
BUILD="${BENCH_BUILD:-$ROOT/build-bench}"   # BENCH_BUILD: another build folder, with --no-build
STRATA="$BUILD/strata"
PSQL=/usr/lib/postgresql/15/bin/psql
((build)) && bench_build "$BUILD"
[[ -x $STRATA ]] || die "no $STRATA (run without --no-build)"
bench_workdir strata-fleet
eval "$("$ROOT/scripts/pg-test-cluster.sh" start)"
ADMIN=$STRATA_TEST_PG_URL
server="${ADMIN%/postgres}"

step "$n databases x 3, $revisions revisions"
for tool in alembic loop fleet; do
  for ((i = 0; i < n; i++)); do echo "CREATE DATABASE ${tool}_$i TEMPLATE template0 STRATEGY FILE_COPY;"; done
done >"$W/create.sql"
"$PSQL" -X -q "$ADMIN" -f "$W/create.sql" >/dev/null
inis=()
for ((i = 0; i < n; i++)); do inis+=(--ini "alembic_$i.ini=$server/alembic_$i"); done
head=$(/usr/bin/python3 "$ROOT/bench/gen.py" --count "$revisions" --dialect postgresql \
  --strata "$W/migrations" --alembic "$W/alembic" "${inis[@]}")
for ((i = 0; i < n; i++)); do echo "$server/fleet_$i"; done >"$W/targets.txt"

now() { date +%s.%N; }
t0=$(now)
for ((i = 0; i < n; i++)); do
  (cd "$W/alembic" && /usr/bin/alembic -c "alembic_$i.ini" upgrade head >/dev/null 2>&1) || die "alembic failed on alembic_$i"
done
t1=$(now)
for ((i = 0; i < n; i++)); do
  "$STRATA" -q --url "$server/loop_$i" --dir "$W/migrations" upgrade head || die "strata failed on loop_$i"
done
t2=$(now)
"$STRATA" -q --dir "$W/migrations" upgrade --targets "$W/targets.txt" --parallel "$parallel" || die "fleet run failed"
t3=$(now)
t4=$t3
"$STRATA" -q --dir "$W/migrations" upgrade --targets "$W/targets.txt" --parallel "$parallel" || die "resume failed"
t4=$(now)

step "check: every database at $head"
for tool in alembic loop fleet; do
  for ((i = 0; i < n; i++)); do
    v=$("$PSQL" -X -q -A -t "$server/${tool}_$i" -c "SELECT version_num FROM alembic_version")
    [[ $v == "$head" ]] || die "${tool}_$i is at '$v', not $head"
  done
done

load=$(cut -d' ' -f1-3 /proc/loadavg)
/usr/bin/python3 - "$t0" "$t1" "$t2" "$t3" "$t4" "$n" "$revisions" "$parallel" "$load" <<'PY' | tee "$ROOT/bench/results/fleet-latest.md"
import sys
t0, t1, t2, t3, t4 = map(float, sys.argv[1:6])
n, revs, par, load = sys.argv[6], sys.argv[7], sys.argv[8], sys.argv[9]
a, l, f, r = t1 - t0, t2 - t1, t3 - t2, t4 - t3
print(f"# Fan-out: {revs} revisions over {n} databases (bench/fleet/run.sh)\n")
print(f"One PostgreSQL 15 server on this machine; load average when done: {load} "
      "(2 cores shared with other work).\n")
print("| how | wall s | per database ms | vs fan-out |")
print("|---|---:|---:|---:|")
for name, t in [("shell loop of `alembic upgrade head`", a),
                ("shell loop of `strata upgrade head`", l),
                (f"`strata upgrade --targets` --parallel {par}", f),
                ("the same again: all at head, skipped (resume)", r)]:
    print(f"| {name} | {t:.1f} | {1000 * t / int(n):.0f} | {t / f:.2f}x |")
PY
