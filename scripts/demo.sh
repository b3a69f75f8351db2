#!/usr/bin/env bash
# The main job on the embedded default: installs what strata needs (Debian packages), builds it
# (Release, into build-release/), and migrates a SQLite database (./strata.db) with the example
# service's revisions. Needs nothing the main job does not: the tests are not configured.
# Usage: scripts/demo.sh            (as root, or a user with sudo, on Debian 12)
#        STRATA_WERROR=ON scripts/demo.sh   warnings as errors (CI builds it so in a fresh Debian)
#        STRATA_UNITY=ON scripts/demo.sh    a faster build: the sources compiled in unity batches
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTRATA_BUILD_TESTS=OFF \
  -DSTRATA_WERROR="${STRATA_WERROR:-OFF}" -DSTRATA_UNITY="${STRATA_UNITY:-OFF}" >/dev/null
cmake --build build-release --target strata
export STRATA_URL="${STRATA_URL:-sqlite:strata.db}"
strata=(./build-release/strata --dir examples/migrations)
echo "== strata history"
"${strata[@]}" history
echo "== strata upgrade head   ($STRATA_URL)"
"${strata[@]}" upgrade head
echo "== strata current"
"${strata[@]}" current
"${strata[@]}" check
echo "== done: the binary is build-release/strata"
