#!/usr/bin/env bash
# Runs serve's threaded code under ThreadSanitizer without a second full build: compiles
# tests/tsan/probe_server_tsan.cc with src/serve/*.cc under -fsanitize=thread, links the other
# modules from an existing build (default build/), and runs it against a fresh SQLite database.
# Usage: scripts/tsan-serve.sh [BUILD_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "${1:-$ROOT/build}" && pwd)
cmake --build "$B" --target strata strata_http strata_serve >/dev/null
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
g++ -std=c++20 -O1 -g -fsanitize=thread -fPIE -pie -DFMT_HEADER_ONLY=1 \
  -I"$ROOT/include" -I"$ROOT/src" \
  "$ROOT/tests/tsan/probe_server_tsan.cc" "$ROOT"/src/serve/*.cc \
  "$B/libstrata_backup.a" "$B/libstrata_script.a" "$B/libstrata_runtime.a" "$B/libstrata_driver.a" \
  "$B/libstrata_snapshot.a" "$B/libstrata_core.a" /usr/lib/x86_64-linux-gnu/libsqlite3.a \
  -ldl -lpthread -lm -o "$W/probe_server_tsan"
mkdir "$W/migrations"
printf -- '-- a\n--\n-- Revision ID: tsan0001\n-- Revises:\n\n-- migrate:upgrade\nCREATE TABLE t (id INTEGER);\n' \
  >"$W/migrations/tsan0001_a.sql"
"$B/strata" --url "sqlite:///$W/tsan.db" --dir "$W/migrations" -q upgrade head
TSAN_OPTIONS=halt_on_error=1 "$W/probe_server_tsan" "$W/migrations" "sqlite:///$W/tsan.db"
