#!/usr/bin/env bash
# The man page the build writes (build/strata.1, from the CLI's own definition) renders without
# groff warnings and documents every command `strata --help` lists and every option of each.
# Usage: man_page_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
page="$build/strata.1"
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ -f $page ]] || fail "$page was not built"
text=$(MANWIDTH=200 MAN_KEEP_FORMATTING= man --warnings -l "$page" 2>"$build/man_page_test.err" | col -b)
[[ ! -s $build/man_page_test.err ]] || fail "groff warnings: $(cat "$build/man_page_test.err")"
grep -q "^NAME" <<<"$text" || fail "no NAME section"
grep -q "EXIT STATUS" <<<"$text" || fail "no EXIT STATUS section"
commands=$("$build/strata" --help | awk '/^Subcommands:/{on=1; next} on && NF {print $1}')
[[ -n $commands ]] || fail "could not read the commands from strata --help"
checked=0
for c in $commands; do
  grep -qE "^   $c\$" <<<"$text" || fail "command '$c' is not in the man page"
  for opt in $("$build/strata" "$c" --help | grep -oE '^ +(-[a-zA-Z], ?)?--[a-z-]+' | grep -oE -- '--[a-z-]+'); do
    [[ $opt == --help ]] && continue
    grep -qF -- "$opt" <<<"$text" || fail "option $opt of $c is not in the man page"
    checked=$((checked + 1))
  done
done
((checked > 20)) || fail "read only $checked options from the commands' --help"
echo "man page test passed ($(wc -w <<<"$commands") commands, $checked options)"
