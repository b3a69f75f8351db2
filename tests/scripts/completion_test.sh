#!/usr/bin/env bash
# Bash completion as the build writes it (build/completion/strata.bash, from the CLI's own
# definition), driven the way bash drives it (COMP_WORDS/COMP_CWORD, then COMPREPLY), against the
# example migrations: commands, each command's options, option values, and revision ids read from
# the migrations folder without touching the database. The zsh and fish scripts are checked for
# syntax where those shells are installed.
# Usage: completion_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export PATH="$build:$PATH"
script="$build/completion/strata.bash"
[[ -f $script ]] || fail "$script was not built"
cmp -s "$script" <(strata completion bash) || fail "the built script differs from 'strata completion bash'"

# shellcheck source=/dev/null
source "$script"
[[ $(complete -p strata) == "complete -F _strata strata" ]] || fail "complete -p: $(complete -p strata)"
# The words bash would offer for a command line whose last word is being completed.
offered() {
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _strata
  printf '%s\n' "${COMPREPLY[@]}" | sort
}
expect() {  # expect "WANTED WORDS" -- COMMAND LINE
  local want=$1
  shift 2
  local got
  got=$(offered "$@" | tr '\n' ' ' | sed 's/ $//')
  [[ $got == "$want" ]] || fail "completing '$*': got '$got', want '$want'"
}

cd "$tmp"
cp -r "$src/examples/migrations" migrations
# Every revision id, oldest to newest as `strata history` lists them (newest first).
ids=$(strata history | sed -n 's/.*-> \([0-9a-f]*\).*/\1/p' | sort -u)
[[ $(wc -l <<<"$ids") -ge 3 ]] || fail "could not read the example's revision ids: $ids"

expect "upgrade" -- strata up
expect "downgrade" -- strata dow
expect "--dir" -- strata --di
expect "json text" -- strata --format ""
expect "--sql" -- strata upgrade --sq
expect "--purge" -- strata stamp --pu
expect "postgres postgresql sqlite" -- strata lint --dialect ""
expect "bash fish zsh" -- strata completion ""
# Revision positions: ids, labels and keywords, from the folder only (an unreachable URL is
# never contacted: completion must not hang on a database).
export STRATA_URL="postgresql://nobody:secret@192.0.2.1:9/none?connect_timeout=30"
want=$(printf '%s\n' base head heads $ids $(strata __revisions | grep '@head$') | sort -u | tr '\n' ' ' | sed 's/ $//')
expect "$want" -- strata upgrade ""
expect "$want" -- strata show ""
expect "$want" -- strata --url sqlite:x.db stamp ""
first=$(head -1 <<<"$ids")
expect "$first" -- strata downgrade "${first:0:5}"

# -d DIR is passed on: a folder with one other revision completes that one.
mkdir other
strata -d other revision -m "only one" --rev-id 0123abcd4567 --head base >/dev/null
expect "0123abcd4567" -- strata -d other upgrade 0123
expect "" -- strata upgrade 0123

unset STRATA_URL
if command -v zsh >/dev/null; then zsh -n <(strata completion zsh) || fail "zsh script syntax"; fi
if command -v fish >/dev/null; then
  strata completion fish >"$tmp/strata.fish"
  fish -n "$tmp/strata.fish" || fail "fish script syntax"
  # fish completes a command line itself (complete -C): the same cases as for bash.
  fish_offers() { fish -c "source $tmp/strata.fish; complete -C '$1'" | cut -f1 | sort | tr '\n' ' ' | sed 's/ $//'; }
  [[ $(fish_offers "strata up") == upgrade ]] || fail "fish: strata up -> $(fish_offers "strata up")"
  [[ $(fish_offers "strata --format ") == "json text" ]] || fail "fish: --format -> $(fish_offers "strata --format ")"
  [[ $(fish_offers "strata upgrade ") == "$want" ]] || fail "fish: upgrade -> $(fish_offers "strata upgrade ")"
fi
echo "completion test passed"
