# Checks shared by install_test.sh (a `cmake --install` tree) and deb_test.sh (an extracted .deb):
# sourced, after the caller has set tmp (a scratch folder holding migrations/), strata (the
# installed binary), module (the installed strata_postgres.so), build and src, and, when
# STRATA_TEST_PG_URL is set, pg_url (a database of its own).

fail() { echo "FAIL: $*" >&2; exit 1; }

# Runs CMD with the dynamic loader's log and fails unless it loaded the installed PostgreSQL
# module (not, say, the build folder's): WHO names CMD in the message.
expect_installed_module() {  # WHO CMD...
  local who=$1 used
  shift
  used=$(LD_DEBUG=files "$@" 2>&1 >/dev/null |
    sed -n 's/.*file=\([^ ]*strata_postgres\.so\).*/\1/p' | head -1 || true)
  [[ -n $module && $(readlink -f "$used") == $(readlink -f "$module") ]] ||
    fail "$who loaded '$used', not the installed module '$module'"
}

empty_pg_database() { psql -X -q -d "$pg_url" -c "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null; }

# The heads of $tmp/migrations, sorted, on one line.
example_heads() { (cd "$tmp" && "$strata" heads | awk '{print $1}' | sort | tr '\n' ' ' | sed 's/ $//'); }

# The installed strata upgrades PostgreSQL through the installed module.
check_installed_strata_on_postgres() {
  [[ -n ${STRATA_TEST_PG_URL:-} ]] || return 0
  expect_installed_module "installed strata" "$strata" --url "$pg_url" -d "$tmp/migrations" upgrade head
  "$strata" --url "$pg_url" -d "$tmp/migrations" check >/dev/null || fail "PostgreSQL: not at head after upgrade"
}

# tests/downstream, a CMake project outside the tree: find_package(strata) against PREFIX, then
# an upgrade through the C++ API on SQLite and PostgreSQL.
check_downstream_project() {  # PREFIX VERSION
  local prefix=$1 version=$2 out
  cmake -S "$src/tests/downstream" -B "$tmp/downstream" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$prefix" >"$tmp/downstream.log" 2>&1 || { cat "$tmp/downstream.log"; fail "configure"; }
  cmake --build "$tmp/downstream" >>"$tmp/downstream.log" 2>&1 || { cat "$tmp/downstream.log"; fail "build"; }
  out=$("$tmp/downstream/migrate_app" "sqlite:$tmp/api.db" "$tmp/migrations")
  [[ $(sed -n 's/^at //p' <<<"$out" | sort | tr '\n' ' ' | sed 's/ $//') == "$(example_heads)" ]] ||
    fail "downstream app (SQLite): $out"
  grep -qx "library $version (headers $version)" <<<"$out" || fail "downstream app version: $out"
  [[ -n ${STRATA_TEST_PG_URL:-} ]] || return 0
  empty_pg_database
  expect_installed_module "downstream app" "$tmp/downstream/migrate_app" "$pg_url" "$tmp/migrations"
  "$strata" --url "$pg_url" -d "$tmp/migrations" check >/dev/null || fail "downstream app (PostgreSQL): not at head"
}

# The Python module ships too, when the build has it: imported from the installed tree under
# ROOT, it migrates SQLite, and PostgreSQL through the installed driver module.
check_python_module() {  # ROOT
  [[ -f $build/python/strata/__init__.py ]] || return 0
  local init out
  init=$(find "$1" -path '*/dist-packages/strata/__init__.py' | head -1)
  [[ -n $init ]] || fail "the Python package strata was not installed"
  pypath=$(dirname "$(dirname "$init")")
  py_upgrade() {  # URL -> the heads after
    PYTHONPATH=$pypath /usr/bin/python3 -c 'import strata, sys
r = strata.upgrade(url=sys.argv[1], directory=sys.argv[2])
print(" ".join(sorted(r["heads_after"])))' "$1" "$tmp/migrations"
  }
  out=$(cd / && py_upgrade "sqlite:$tmp/py.db")
  [[ $out == "$(example_heads)" ]] || fail "Python module from the installed tree: $out"
  [[ -n ${STRATA_TEST_PG_URL:-} ]] || return 0
  empty_pg_database
  (cd / && expect_installed_module "the installed Python module" py_upgrade "$pg_url")
  "$strata" --url "$pg_url" -d "$tmp/migrations" check >/dev/null || fail "Python module (PostgreSQL): not at head"
}
