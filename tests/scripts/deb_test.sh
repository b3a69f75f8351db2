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
# shellcheck source=installed_tree.sh
source "$(dirname "$0")/installed_tree.sh"
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

# The packaged binary, a downstream CMake project built against the package, and the packaged
# Python module each load the packaged module.
module=$(find "$root" -name strata_postgres.so)
if [[ -n ${STRATA_TEST_PG_URL:-} ]]; then
  pg_db="strata_deb_$$"
  psql -X -q -d "$STRATA_TEST_PG_URL" -c "CREATE DATABASE $pg_db" >/dev/null
  pg_url="${STRATA_TEST_PG_URL%/*}/$pg_db"
fi
check_installed_strata_on_postgres
check_downstream_project "$root/usr" "$version"
check_python_module "$root"

echo "deb test passed: $(basename "$deb"), Depends: $depends"
