#!/usr/bin/env bash
# docs/deploy/ stays true: every YAML recipe parses (python3-yaml) and each `strata COMMAND
# --option` any recipe uses exists in that command's --help; the systemd unit passes
# `systemd-analyze verify`; the Dockerfile's final layout (/usr/bin/strata beside
# /usr/lib/strata/strata_postgres.so) finds its module; and every ```sh block of the Markdown
# recipes whose first line is `# test: run` (SQLite) or `# test: run-pg` (the test PostgreSQL)
# runs, in order, each file in a fresh folder, with set -e.
# Usage: deploy_docs_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
docs="$src/docs/deploy"
tmp=$(mktemp -d)
pg_dbs=()
cleanup() {
  for db in "${pg_dbs[@]}"; do
    psql -X -q -d "$STRATA_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export PATH="$build:$PATH"

# YAML parses; every strata invocation in any recipe names real commands and options.
/usr/bin/python3 - "$docs" <<'PY' >"$tmp/invocations"
import pathlib, re, shlex, sys, yaml
docs = pathlib.Path(sys.argv[1])
files = sorted(p for p in docs.rglob("*") if p.suffix in (".yml", ".yaml"))
assert files, "no YAML recipes found"
for path in files:
    for doc in yaml.safe_load_all(path.read_text()):
        assert doc, f"{path}: empty document"
calls = []
def visit(node):  # Kubernetes container args: ["upgrade", "head", "--backup"]
    if isinstance(node, dict):
        if "args" in node and "image" in node and "strata" in str(node["image"]):
            calls.append(["strata"] + [str(a) for a in node["args"]])
        for v in node.values():
            visit(v)
    elif isinstance(node, list):
        for v in node:
            visit(v)
for path in files:
    for doc in yaml.safe_load_all(path.read_text()):
        visit(doc)
# Command lines: YAML `run:`/script items, systemd Exec lines, the Markdown recipes' sh blocks.
line_re = re.compile(r"^\s*(?:-\s+|run:\s+|Exec\w+=-?\S*/)?(strata\s[^#>|;&]*)")
def scan(text):
    for line in text.splitlines():
        m = line_re.match(line)
        if m:
            calls.append(shlex.split(m.group(1)))
for path in sorted(docs.rglob("*")):
    if not path.is_file():
        continue
    text = path.read_text()
    if path.suffix == ".md":
        for block in re.findall(r"```sh\n(.*?)```", text, re.S):
            scan(block)
    else:
        scan(text)
for words in calls:
    print(" ".join(words))
PY
checked=0
while read -r -a words; do
  [[ ${words[0]} == strata && ${#words[@]} -ge 2 ]] || continue
  cmd=${words[1]}
  [[ $cmd == -* ]] && continue
  "$build/strata" "$cmd" --help >"$tmp/help" 2>&1 || fail "a recipe runs 'strata $cmd', which does not exist"
  # A command with its own subcommands (import alembic, backup list): that one's options.
  if [[ ${#words[@]} -ge 3 && ${words[2]} != -* ]] && grep -q "^Subcommands:" "$tmp/help"; then
    "$build/strata" "$cmd" "${words[2]}" --help >"$tmp/help" 2>&1 ||
      fail "a recipe runs 'strata $cmd ${words[2]}', which does not exist"
  fi
  for w in "${words[@]:2}"; do
    [[ $w == --* ]] || continue
    opt=${w%%=*}
    grep -qE -- "(^|[ ,])$opt([ =]|$)" "$tmp/help" "$tmp/global_help" 2>/dev/null ||
      "$build/strata" --help | grep -qE -- "(^|[ ,])$opt([ =]|$)" ||
      fail "a recipe runs 'strata $cmd $opt', an option $cmd does not have"
  done
  checked=$((checked + 1))
done <"$tmp/invocations"
((checked >= 10)) || fail "found only $checked strata invocations in docs/deploy"

# systemd: the unit as shipped, with its two programs pointed at real files here.
if command -v systemd-analyze >/dev/null; then
  sed -e "s|/usr/bin/strata|$build/strata|" -e "s|/srv/myapp/bin/myapp|/bin/true|" \
    -e "s|^User=myapp|User=root|" -e "s|^WorkingDirectory=/srv/myapp|WorkingDirectory=$tmp|" \
    "$docs/systemd/myapp.service" >"$tmp/myapp.service"
  systemd-analyze verify "$tmp/myapp.service" >"$tmp/systemd.out" 2>&1 ||
    fail "systemd-analyze verify: $(cat "$tmp/systemd.out")"
  if grep -v "Failed to .*/etc/myapp\|network-online\|postgresql.service\|Unit .*not found\|Cannot add dependency" \
    "$tmp/systemd.out" | grep -qi "myapp.service"; then
    fail "systemd-analyze verify complained: $(cat "$tmp/systemd.out")"
  fi
fi

# The Dockerfile cannot be built here (no container runtime): check that its final image's
# layout, /usr/bin/strata with /usr/lib/strata/strata_postgres.so, works as it installs them.
grep -q "install -D -m 0755 build/strata /out/usr/bin/strata" "$docs/Dockerfile" &&
  grep -q "build/strata_postgres.so /out/usr/lib/strata/strata_postgres.so" "$docs/Dockerfile" ||
  fail "the Dockerfile no longer installs the layout this test checks"
install -D -m 0755 "$build/strata" "$tmp/image/usr/bin/strata"
install -D -m 0644 "$build/strata_postgres.so" "$tmp/image/usr/lib/strata/strata_postgres.so"
if [[ -n ${STRATA_TEST_PG_URL:-} ]]; then
  used=$(cd "$tmp" && LD_DEBUG=files "$tmp/image/usr/bin/strata" --url "$STRATA_TEST_PG_URL" \
    -d "$src/examples/migrations" current 2>&1 >/dev/null |
    sed -n 's/.*file=\([^ ]*strata_postgres\.so\).*/\1/p' | head -1 || true)
  [[ $(readlink -f "$used") == "$(readlink -f "$tmp/image/usr/lib/strata/strata_postgres.so")" ]] ||
    fail "the image layout's strata loaded '$used', not /usr/lib/strata/strata_postgres.so"
fi

# Markdown recipes: run the marked blocks.
run_blocks() {  # FILE
  local file=$1
  local work
  work="$tmp/run-$(basename "$file" .md)"
  mkdir -p "$work"
  /usr/bin/python3 - "$file" "$work" <<'PY'
import pathlib, re, sys
text = pathlib.Path(sys.argv[1]).read_text()
out = pathlib.Path(sys.argv[2])
n = 0
for m in re.finditer(r"```sh\n(.*?)```", text, re.S):
    body = m.group(1)
    first = body.split("\n", 1)[0].strip()
    if first in ("# test: run", "# test: run-pg"):
        n += 1
        (out / f"block{n:02d}.{'pg' if first.endswith('-pg') else 'sqlite'}.sh").write_text(body)
PY
  local b ran=0
  for b in "$work"/block*.sh; do
    [[ -e $b ]] || continue
    if [[ $b == *.pg.sh ]]; then
      [[ -n ${STRATA_TEST_PG_URL:-} ]] || { echo "skip (no PostgreSQL): $b"; continue; }
      if [[ -z ${pg_url:-} ]]; then
        local db="strata_docs_$$_${#pg_dbs[@]}"
        psql -X -q -d "$STRATA_TEST_PG_URL" -c "CREATE DATABASE $db" >/dev/null
        pg_dbs+=("$db")
        pg_url="${STRATA_TEST_PG_URL%/*}/$db"
      fi
      (cd "$work" && DATABASE_URI="$pg_url" bash -e "$b") >"$b.out" 2>&1 ||
        fail "$(basename "$file") block $(basename "$b"): $(tail -20 "$b.out")"
    else
      (cd "$work" && bash -e "$b") >"$b.out" 2>&1 ||
        fail "$(basename "$file") block $(basename "$b"): $(tail -20 "$b.out")"
    fi
    ran=$((ran + 1))
  done
  echo "$(basename "$file"): ran $ran blocks"
}
for md in "$docs"/*.md; do
  pg_url=""
  run_blocks "$md"
done
echo "deploy docs test passed ($checked strata invocations checked)"
