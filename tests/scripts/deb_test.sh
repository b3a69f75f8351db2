#!/usr/bin/env bash
# CPack's DEB generator makes strata_<version>_<arch>.deb with Depends worked out by
# dpkg-shlibdeps; extracted into a scratch root (dpkg -x, no root needed), its strata runs:
# --version, an upgrade on SQLite, lint, and (with STRATA_TEST_PG_URL) an upgrade on PostgreSQL
# through the packaged module.
# Usage: deb_test.sh BUILD_DIR SOURCE_DIR
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
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v dpkg-shlibdeps >/dev/null || fail "dpkg-shlibdeps is missing (Debian: dpkg-dev; scripts/install-deps.sh --test installs it)"

version=$(sed -n 's/^project(strata VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
arch=$(dpkg --print-architecture)
(cd "$tmp" && cpack -G DEB -B "$tmp/pkg" --config "$build/CPackConfig.cmake" >"$tmp/cpack.log" 2>&1) ||
  { cat "$tmp/cpack.log"; fail "cpack"; }
deb="$tmp/pkg/strata_${version}_${arch}.deb"
[[ -f $deb ]] || fail "no $deb (made: $(ls "$tmp/pkg"))"

[[ $(dpkg-deb -f "$deb" Package) == strata ]] || fail "package name"
[[ $(dpkg-deb -f "$deb" Version) == "$version" ]] || fail "package version"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libpq5; do
  grep -q "\b$lib\b" <<<"$depends" || fail "Depends lacks $lib: $depends"
done

root="$tmp/root"
dpkg -x "$deb" "$root"
strata="$root/usr/bin/strata"
[[ -x $strata ]] || fail "no usr/bin/strata in the package"
[[ -f $root/usr/share/man/man1/strata.1.gz || -f $root/usr/share/man/man1/strata.1 ]] ||
  fail "no man page in the package"
[[ -f $root/usr/share/bash-completion/completions/strata ]] || fail "no bash completion"
[[ $("$strata" --version) == "strata $version" ]] || fail "--version: $("$strata" --version)"

cd "$tmp"
cp -r "$src/examples/migrations" migrations
"$strata" --url "sqlite:$tmp/app.db" upgrade head >/dev/null
"$strata" --url "sqlite:$tmp/app.db" check >/dev/null || fail "packaged strata: not at head"
set +e
"$strata" --url "sqlite:$tmp/app.db" lint >lint.out 2>&1
rc=$?
set -e
((rc == 0 || rc == 6)) || fail "lint exited $rc: $(cat lint.out)"
grep -q '^lint: ' lint.out || fail "lint printed no summary line"

if [[ -n ${STRATA_TEST_PG_URL:-} ]]; then
  pg_db="strata_deb_$$"
  psql -X -q -d "$STRATA_TEST_PG_URL" -c "CREATE DATABASE $pg_db" >/dev/null
  pg_url="${STRATA_TEST_PG_URL%/*}/$pg_db"
  module=$(find "$root" -name strata_postgres.so)
  used=$(LD_DEBUG=files "$strata" --url "$pg_url" upgrade head 2>&1 >/dev/null |
    sed -n 's/.*file=\([^ ]*strata_postgres\.so\).*/\1/p' | head -1)
  [[ -n $module && $(readlink -f "$used") == $(readlink -f "$module") ]] ||
    fail "packaged strata loaded '$used', not the packaged module '$module'"
  "$strata" --url "$pg_url" check >/dev/null || fail "PostgreSQL: not at head"
fi
# The downstream CMake consumer builds against the extracted package and migrates through it.
cmake -S "$src/tests/downstream" -B "$tmp/downstream" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$root/usr" >"$tmp/downstream.log" 2>&1 || { cat "$tmp/downstream.log"; fail "configure"; }
cmake --build "$tmp/downstream" >>"$tmp/downstream.log" 2>&1 || { cat "$tmp/downstream.log"; fail "build"; }
out=$("$tmp/downstream/migrate_app" "sqlite:$tmp/api.db" "$tmp/migrations")
grep -q "^at " <<<"$out" || fail "downstream app against the package: $out"
if [[ -n ${STRATA_TEST_PG_URL:-} ]]; then
  psql -X -q -d "$pg_url" -c "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null
  used=$(LD_DEBUG=files "$tmp/downstream/migrate_app" "$pg_url" "$tmp/migrations" 2>&1 >/dev/null |
    sed -n 's/.*file=\([^ ]*strata_postgres\.so\).*/\1/p' | head -1 || true)
  [[ $(readlink -f "$used") == $(readlink -f "$module") ]] ||
    fail "downstream app loaded '$used', not the packaged module '$module'"
  "$strata" --url "$pg_url" check >/dev/null || fail "downstream app (PostgreSQL): not at head"
fi
# The Python module ships too, when the build has it: imported from the installed tree, it
# migrates SQLite, and PostgreSQL through the installed driver module.
if [[ -f $build/python/strata/__init__.py ]]; then
  init=$(find "$root" -path '*/dist-packages/strata/__init__.py' | head -1)
  [[ -n $init ]] || fail "the Python package strata was not installed"
  pypath=$(dirname "$(dirname "$init")")
  py_upgrade() {  # URL -> the heads after
    PYTHONPATH=$pypath /usr/bin/python3 -c 'import strata, sys
r = strata.upgrade(url=sys.argv[1], directory=sys.argv[2])
print(" ".join(r["heads_after"]))' "$1" "$tmp/migrations"
  }
  out=$(cd / && py_upgrade "sqlite:$tmp/py.db")
  [[ $out == "$(cd "$tmp" && "$strata" heads | awk '{print $1}' | sort | tr '\n' ' ' | sed 's/ $//')" ]] ||
    fail "Python module from the installed tree: $out"
  if [[ -n ${STRATA_TEST_PG_URL:-} ]]; then
    psql -X -q -d "$pg_url" -c "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null
    used=$(cd / && LD_DEBUG=files py_upgrade "$pg_url" 2>&1 >/dev/null |
      sed -n 's/.*file=\([^ ]*strata_postgres\.so\).*/\1/p' | head -1 || true)
    [[ $(readlink -f "$used") == $(readlink -f "$module") ]] ||
      fail "the installed Python module loaded '$used', not the installed module '$module'"
    "$strata" --url "$pg_url" -d "$tmp/migrations" check >/dev/null || fail "Python module (PostgreSQL): not at head"
  fi
fi

echo "deb test passed: $(basename "$deb"), Depends: $depends"
