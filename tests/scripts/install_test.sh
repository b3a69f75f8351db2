#!/usr/bin/env bash
# `cmake --install` puts a working strata in place, under any prefix and wherever it is moved:
# the binary runs an upgrade on SQLite and (with STRATA_TEST_PG_URL) on PostgreSQL through the
# installed module, lint works, the man page and completion are there, and a C++ program outside
# the tree builds against the installed library with find_package(strata) and with pkg-config,
# and migrates through the C++ API.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
pg_db=""
cleanup() {
  if [[ -n $pg_db ]]; then
    psql -X -q -d "$STRATA_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
# shellcheck source=installed_tree.sh
source "$(dirname "$0")/installed_tree.sh"

# DESTDIR staging with a prefix other than /usr, then the staged tree moved somewhere else: every
# path inside it must be relative.
DESTDIR="$tmp/stage" cmake --install "$build" --prefix /opt/strata-test >"$tmp/install.log"
mv "$tmp/stage/opt/strata-test" "$tmp/moved"
root="$tmp/moved"
strata="$root/bin/strata"
module=$(find "$root" -name strata_postgres.so)
[[ -n $module ]] || fail "no strata_postgres.so installed"
for f in include/strata/migrator.h include/strata/version.h share/man/man1/strata.1 \
  share/bash-completion/completions/strata share/zsh/vendor-completions/_strata \
  share/fish/vendor_completions.d/strata.fish share/doc/strata/CHANGELOG.md; do
  [[ -f $root/$f ]] || fail "$f not installed"
done
config=$(find "$root" -name strataConfig.cmake)
pc=$(find "$root" -name strata.pc)
[[ -n $config && -n $pc ]] || fail "no CMake package config or pkg-config file"
libstrata=$(find "$root" -name 'libstrata.so.*' | head -1)
[[ -n $libstrata ]] || fail "libstrata.so not installed"
if grep -rq "$build" "$config" "$(dirname "$config")"/*.cmake "$pc"; then
  fail "an installed file names the build folder"
fi

version=$(sed -n 's/^project(strata VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
[[ $("$strata" --version) == "strata $version" ]] || fail "--version: $("$strata" --version)"

# SQLite through the installed binary.
cd "$tmp"
cp -r "$src/examples/migrations" "$tmp/migrations"
"$strata" --url "sqlite:$tmp/app.db" upgrade head >/dev/null
"$strata" --url "sqlite:$tmp/app.db" check >/dev/null || fail "installed strata: not at head after upgrade"
set +e
"$strata" --url "sqlite:$tmp/app.db" lint >"$tmp/lint.out" 2>&1
lint_rc=$?
set -e
((lint_rc == 0 || lint_rc == 6)) || fail "lint exited $lint_rc: $(cat "$tmp/lint.out")"
grep -q '^lint: ' "$tmp/lint.out" || fail "lint printed no summary line"

# The man page renders, and completion offers the example's revisions from the installed tree.
MANWIDTH=80 man -l "$root/share/man/man1/strata.1" 2>"$tmp/man.err" | grep -q "EXIT STATUS" ||
  fail "installed man page does not render"

# The installed binary, a downstream CMake project and the Python module each load the module
# from the installed tree, not from the build folder.
if [[ -n ${STRATA_TEST_PG_URL:-} ]]; then
  pg_db="strata_install_$$"
  psql -X -q -d "$STRATA_TEST_PG_URL" -c "CREATE DATABASE $pg_db" >/dev/null
  pg_url="${STRATA_TEST_PG_URL%/*}/$pg_db"
fi
check_installed_strata_on_postgres
check_downstream_project "$root" "$version"
check_python_module "$root"

# pkg-config, for builds without CMake.
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")
g++ -o "$tmp/pc_app" "$src/tests/downstream/migrate_app.cc" $(pkg-config --cflags --libs strata)
out=$(LD_LIBRARY_PATH=$(dirname "$libstrata") "$tmp/pc_app" "sqlite:$tmp/pc.db" "$tmp/migrations")
[[ $(sed -n 's/^at //p' <<<"$out" | sort | tr '\n' ' ' | sed 's/ $//') == "$(example_heads)" ]] ||
  fail "pkg-config app: $out"
echo "install test passed (module: ${module#"$root"/})"
