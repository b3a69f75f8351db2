#!/usr/bin/env bash
# Installs the Debian packages strata needs to build and test. Run as root (or with sudo available).
# Usage: scripts/install-deps.sh [--test] [--bench]   (--test adds the PostgreSQL server and Alembic for
# the test suite; --bench what bench/run.sh compares strata with: hyperfine, Alembic, PostgreSQL)
set -euo pipefail
pkgs=(cmake ninja-build ccache pkg-config g++ libsqlite3-dev libpq-dev libpg-query-dev rapidjson-dev libcli11-dev
      libfmt-dev nlohmann-json3-dev libtomlplusplus-dev)
pkgs+=(libcpp-httplib-dev)   # strata serve's HTTP module (strata_http.so)
# The Python module strata and `strata import alembic` (which runs Debian's Alembic).
pkgs+=(python3-dev pybind11-dev python3-pybind11 python3-alembic python3-psycopg2)
for arg in "$@"; do
  case "$arg" in
    --test) pkgs+=(libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev postgresql-15 sqlite3
                   alembic python3-alembic python3-psycopg2 pgbouncer
                   dpkg-dev file man-db bsdextrautils python3-yaml zsh fish python3-pytest)
           pkgs+=(python3-prometheus-client) ;;  # parses serve's /metrics in tests/cli/serve_test.cc
    --bench) pkgs+=(hyperfine gcc postgresql-15 alembic python3-alembic python3-psycopg2 sqlite3 time
                    python3-matplotlib) ;;
  esac
done
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
