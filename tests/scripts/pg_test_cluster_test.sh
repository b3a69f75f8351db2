#!/usr/bin/env bash
# scripts/pg-test-cluster.sh keeps each cluster's state to itself: two test runs from two clones
# at once both pass, and neither one's `stop` touches the other's server.
#
# Two copies of the script (two "clones") each `run` a cluster. Run A waits until B's cluster is
# up, then ends (stopping its own cluster through the same path a finished suite takes) and also
# calls a bare `stop` with B's exports removed; B then checks that its server still answers and
# that A's is gone. The two runs meet through FIFOs, so nothing depends on timing.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
PSQL="$PGBIN/psql"
[[ -x $PSQL ]] || PSQL=psql

w=$(mktemp -d)
chmod 755 "$w"
trap 'rm -rf "$w"' EXIT
for clone in a b; do
  mkdir -p "$w/$clone/scripts"
  cp "$here/scripts/pg-test-cluster.sh" "$w/$clone/scripts/"
done
mkfifo "$w/b-up" "$w/a-done"
unset STRATA_PG_CLUSTER_DIR STRATA_TEST_PG_URL STRATA_TEST_PG_PORT STRATA_TEST_PG_SOCKET_DIR

answers() { "$PSQL" -X -q -t -A -d "$1" -c "SELECT 1" 2>/dev/null | grep -qx 1; }
export -f answers
export PSQL w

# Run A: up, learns B's URL, ends. On the way out it also runs a bare `stop` (no folder, no
# exports), which must refuse rather than pick some cluster.
"$w/a/scripts/pg-test-cluster.sh" run -- bash -c '
  set -euo pipefail
  echo "$STRATA_PG_CLUSTER_DIR" >"$w/a-dir"
  echo "$STRATA_TEST_PG_URL" >"$w/a-url"
  read -r b_url <"$w/b-up"
  answers "$STRATA_TEST_PG_URL" || { echo "A: own server does not answer"; exit 1; }
  answers "$b_url" || { echo "A: B is not up"; exit 1; }
  if env -u STRATA_PG_CLUSTER_DIR "$w/a/scripts/pg-test-cluster.sh" stop 2>"$w/bare-stop.err"; then
    echo "A: a bare stop succeeded; it must name a cluster"; exit 1
  fi
' >"$w/a.log" 2>&1 &
a_pid=$!

# Run B: up, tells A, waits until A has finished and stopped its cluster, then checks.
"$w/b/scripts/pg-test-cluster.sh" run -- bash -c '
  set -euo pipefail
  echo "$STRATA_TEST_PG_URL" >"$w/b-up"
  read -r _ <"$w/a-done"
  answers "$STRATA_TEST_PG_URL" || { echo "B: my server was stopped by the other run"; exit 1; }
  if answers "$(cat "$w/a-url")"; then echo "B: run A left its server running"; exit 1; fi
  echo "B: ok"
' >"$w/b.log" 2>&1 &
b_pid=$!

a_rc=0
wait "$a_pid" || a_rc=$?
# Held open read-write, these never block: B is released even when A failed before reading.
exec 3<>"$w/b-up" 4<>"$w/a-done"
echo done >&4
b_rc=0
wait "$b_pid" || b_rc=$?

fail=0
if ((a_rc != 0)); then echo "run A failed ($a_rc):"; cat "$w/a.log"; fail=1; fi
if ((b_rc != 0)); then echo "run B failed ($b_rc):"; cat "$w/b.log"; fail=1; fi
if ! grep -q "which cluster" "$w/bare-stop.err" 2>/dev/null; then
  echo "a bare stop did not say which cluster it needs:"; cat "$w/bare-stop.err" 2>/dev/null; fail=1
fi
if [[ -d "$(cat "$w/a-dir")" ]]; then echo "run A left its folder behind"; fail=1; fi
((fail == 0)) && echo "pg_test_cluster_test: two concurrent runs, both passed, neither stopped the other"
exit "$fail"
