# Shared by bench/run.sh and bench/large/run.sh (sourced, after ROOT is set and with `step` and
# `die` defined): building strata for the benchmarks and the work folder they run in.

# bench_build BUILD: strata (and the PostgreSQL module when configured) in Release into BUILD.
# -O2 rather than CMake's -O3: GCC 12 reports a false -Wrestrict in libstdc++ at -O3, and our
# code builds with -Werror.
bench_build() {
  local build=$1 targets=(strata)
  step "build (Release, $build)"
  cmake -S "$ROOT" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTRATA_BUILD_TESTS=OFF \
    "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" >/dev/null
  ninja -C "$build" -t targets all 2>/dev/null | grep -q '^strata_postgres:' && targets+=(strata_postgres)
  ninja -C "$build" -j "$(nproc)" "${targets[@]}" >&2
}

# bench_workdir NAME: creates the work folder W (under BENCH_TMPDIR, else /dev/shm when writable,
# so that a shared disk's fsync latency does not drown the tools' own time, else TMPDIR) and sets
# `base` to where it lies. On exit, stops the PostgreSQL cluster started by this script, if any,
# and removes W unless BENCH_KEEP=1. Run from the script itself, not a subshell.
bench_workdir() {
  base="${BENCH_TMPDIR:-}"
  if [[ -z $base ]]; then
    if [[ -d /dev/shm && -w /dev/shm ]]; then base=/dev/shm; else base="${TMPDIR:-/tmp}"; fi
  fi
  W=$(mktemp -d "$base/$1.XXXXXX")
  chmod 755 "$W"
  unset STRATA_PG_CLUSTER_DIR   # set by our own cluster's start, never a caller's
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

bench_cleanup() {
  if [[ -n ${STRATA_PG_CLUSTER_DIR:-} ]]; then "$ROOT/scripts/pg-test-cluster.sh" stop || true; fi
  if [[ ${BENCH_KEEP:-0} == 1 ]]; then echo "$0: kept $W" >&2; else rm -rf "$W"; fi
}
