#!/usr/bin/env bash
# Installs what the tests need (Debian packages), builds strata with its tests, starts a throwaway
# PostgreSQL 15 cluster, and runs every test against it and SQLite; then the unit tests again
# under AddressSanitizer + UndefinedBehaviorSanitizer, and each fuzz target for a few seconds.
# Every build here treats warnings as errors (STRATA_WERROR=ON); a user's build does not.
# Usage: scripts/test.sh            (as root, or a user with sudo, on Debian 12)
# Set STRATA_TEST_QUICK=1 to skip the sanitizer, fuzz and other-build-type builds;
# STRATA_BUILD_TYPES="Release MinSizeRel Debug" (the default) lists the other build types built.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
jobs=$(nproc)
# Each stage's start, in seconds since this script began: CI has 2 cores and a time budget.
stage() { echo "== $* (at ${SECONDS} s)"; }

stage "build"
# strata's own sources in unity batches (STRATA_UNITY=OFF scripts/test.sh builds them one file at
# a time, as a developer's build does by default).
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_BUILD_TESTS=ON \
  -DSTRATA_WERROR=ON -DSTRATA_UNITY="${STRATA_UNITY:-ON}" >/dev/null
cmake --build build -j "$jobs"

if [[ "${STRATA_TEST_QUICK:-0}" != 1 ]]; then
  # The builds below check that the other build types, the sanitizers and the fuzzers build
  # cleanly and run; as unity batches (STRATA_UNITY) they take a fraction of the time.
  for type in ${STRATA_BUILD_TYPES-Release MinSizeRel Debug}; do
    stage "$type build, warnings as errors"
    cmake -S . -B "build-$type" -G Ninja -DCMAKE_BUILD_TYPE="$type" -DSTRATA_BUILD_TESTS=OFF \
      -DSTRATA_WERROR=ON -DSTRATA_UNITY=ON >/dev/null
    cmake --build "build-$type" -j "$jobs"
  done

  stage "unit tests under ASan + UBSan"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSTRATA_SANITIZE=ON \
    -DSTRATA_BUILD_TESTS=ON -DSTRATA_WERROR=ON -DSTRATA_UNITY=ON >/dev/null
  # With the CLI too: this is also the Debug build of everything the unit tests do not link.
  cmake --build build-asan -j "$jobs" --target unit_tests strata
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ./build-asan/tests/unit_tests --gtest_brief=1

  stage "fleet and lint worker threads under ThreadSanitizer"
  cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_TSAN=ON \
    -DSTRATA_BUILD_TESTS=ON -DSTRATA_WERROR=ON -DSTRATA_UNITY=ON >/dev/null
  cmake --build build-tsan -j "$jobs" --target unit_tests
  TSAN_OPTIONS=halt_on_error=1 ./build-tsan/tests/unit_tests --gtest_filter='FleetRunner*:RunFleet*:LintPrefetch*' \
    --gtest_brief=1

  stage "fuzz targets (libFuzzer, a few seconds each)"
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSTRATA_FUZZ=ON -DSTRATA_BUILD_TESTS=ON -DSTRATA_WERROR=ON -DSTRATA_UNITY=ON >/dev/null
  fuzzers=$(cd tests/fuzz && ls *_fuzz.cc 2>/dev/null | sed 's/\.cc$//')
  for f in $fuzzers; do
    cmake --build build-fuzz -j "$jobs" --target "$f"
    corpus=$(mktemp -d)
    seeds="tests/fuzz/corpus/${f%_fuzz}"
    [[ -d "$seeds" ]] && cp -r "$seeds"/. "$corpus"/
    "./build-fuzz/$f" -max_total_time="${STRATA_FUZZ_SECONDS:-10}" -print_final_stats=0 "$corpus" 2>&1 | tail -n 2
    rm -rf "$corpus"
  done
fi

stage "all tests (SQLite and a throwaway PostgreSQL 15)"
# ctest's summary is the last thing printed: "100% tests passed, 0 tests failed out of N".
scripts/pg-test-cluster.sh run -- env STRATA_REQUIRE_PG=1 \
  ctest --test-dir build --output-on-failure -j "$jobs" --timeout 600
