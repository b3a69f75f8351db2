#!/usr/bin/env bash
# The main job on the embedded default: installs what strata needs (Debian packages), builds it,
# and migrates a SQLite database (./strata.db) with the example service's revisions.
# Usage: scripts/demo.sh            (as root, or a user with sudo, on Debian 12)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target strata
export STRATA_URL="${STRATA_URL:-sqlite:strata.db}"
strata=(./build/strata --dir examples/migrations)
echo "== strata history"
"${strata[@]}" history
echo "== strata upgrade head   ($STRATA_URL)"
"${strata[@]}" upgrade head
echo "== strata current"
"${strata[@]}" current
"${strata[@]}" check
