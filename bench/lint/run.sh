#!/usr/bin/env bash
# Lint throughput against squawk, in the same run, on the same files. One command:
#
#   bench/lint/run.sh [STRATA_BINARY]        (default: build/strata)
#
# 1. Installs squawk (npm package squawk-cli, pinned) into a cache folder and calls its native
#    binary directly (node_modules/@squawk-cli/<platform>/bin/squawk), not the node wrapper, so
#    node's start-up is not counted against squawk. Without npm, installs Debian's npm when root.
#    If squawk cannot be installed (offline), says so and times strata and the floor alone.
# 2. Generates a corpus of revision files (bench/lint/gen.py, default 52 MB) in a tmpfs work folder.
# 3. Times, in interleaved rounds (floor, strata, squawk; LINT_BENCH_RUNS rounds after one checked
#    warm-up round), under GNU time: wall (median and best), user+sys CPU, peak RSS:
#      floor   bench/floor_readfiles.c: lists the folder and reads every file, nothing else
#      strata  strata lint --dialect postgresql migrations
#      squawk  squawk --reporter gcc --assume-in-transaction 'migrations/*.sql' (squawk globs)
#    Both linters write their findings to files (gcc is squawk's one-line-per-finding reporter).
# 4. Runs strata (and squawk) once more on a corpus twice as large: peak RSS should follow the
#    largest file, not the corpus.
# 5. Prints a table (MB/s, times, CPU, RSS, findings, strata ÷ squawk and strata ÷ floor
#    throughput; target ≥ 2.0 over squawk) and writes it as Markdown to bench/results/lint-latest.md
#    with the date, machine, load averages and versions. Timings are never tests: exits 0 whether
#    or not the target is met, non-zero only when something broke.
#
# Env: LINT_BENCH_MB=52 (corpus size, 10^6 bytes)   LINT_BENCH_RUNS=5 (timed rounds)
#      LINT_BENCH_DOUBLE=0 (skip the 2x-corpus memory run)   LINT_BENCH_OUT (the Markdown file)
#      BENCH_TMPDIR (work folder base; default /dev/shm)     BENCH_KEEP=1 (keep the work folder)
#      STRATA_BENCH_CACHE (default ~/.cache/strata-bench; squawk goes in squawk-VERSION/ there)
# Exit: 0 measured (whether or not the target is met), 1 a tool failed or broke, 2 bad usage.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
step() { printf '\n== %s\n' "$*" >&2; }
die() { echo "bench/lint/run.sh: $*" >&2; exit 1; }
usage_error() { echo "bench/lint/run.sh: $* (see --help)" >&2; exit 2; }
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

case ${1:-} in -h | --help) sed -n '2,28p' "$0"; exit 0 ;; esac
bin=${1:-build/strata}
[[ -x $bin ]] || usage_error "no strata binary at $bin; build it first (cmake --build build --target strata)"
bin=$(realpath "$bin")
mb=${LINT_BENCH_MB:-52}
runs=${LINT_BENCH_RUNS:-5}
double=${LINT_BENCH_DOUBLE:-1}
out_md=${LINT_BENCH_OUT:-$ROOT/bench/results/lint-latest.md}
[[ $mb =~ ^[1-9][0-9]*$ && $runs =~ ^[1-9][0-9]*$ ]] || usage_error "LINT_BENCH_MB and LINT_BENCH_RUNS must be positive integers"
SQUAWK_VERSION=2.66.0
squawk_dir=${STRATA_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/strata-bench}/squawk-$SQUAWK_VERSION
TIME=/usr/bin/time

# apt_install PKG: Debian's package, as root only, under the lock the other apt users share.
apt_install() {
  [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null || return 1
  export DEBIAN_FRONTEND=noninteractive
  flock /tmp/apt.lock apt-get install -y -qq --no-install-recommends "$1" >&2 && return 0
  flock /tmp/apt.lock apt-get update -qq >&2 && flock /tmp/apt.lock apt-get install -y -qq --no-install-recommends "$1" >&2
}

# install_squawk: sets SQUAWK to the native binary, or SQUAWK_SKIP to why there is none.
install_squawk() {
  SQUAWK="" SQUAWK_SKIP=""
  local found=("$squawk_dir"/node_modules/@squawk-cli/*/bin/squawk)
  if [[ ! -x ${found[0]} ]]; then
    step "squawk $SQUAWK_VERSION (npm squawk-cli into $squawk_dir)"
    if ! command -v npm >/dev/null; then
      echo "npm not found: installing Debian's npm" >&2
      apt_install npm || { SQUAWK_SKIP="npm is missing and could not be installed (apt-get install npm, as root)"; return; }
    fi
    mkdir -p "$squawk_dir"
    if ! timeout 600 npm install --prefix "$squawk_dir" --no-audit --no-fund "squawk-cli@$SQUAWK_VERSION" >&2; then
      SQUAWK_SKIP="npm install squawk-cli@$SQUAWK_VERSION failed (offline?)"
      return
    fi
    found=("$squawk_dir"/node_modules/@squawk-cli/*/bin/squawk)
  fi
  if [[ ! -x ${found[0]} ]]; then
    SQUAWK_SKIP="squawk-cli installed no native binary for this platform under $squawk_dir/node_modules/@squawk-cli"
  elif [[ $("${found[0]}" --version 2>&1) != "squawk $SQUAWK_VERSION" ]]; then
    SQUAWK_SKIP="${found[0]} is not squawk $SQUAWK_VERSION (remove $squawk_dir to reinstall)"
  else
    SQUAWK=${found[0]}
  fi
}

if [[ ! -x $TIME ]]; then
  echo "GNU time missing: installing Debian's time" >&2
  apt_install time || die "$TIME missing (Debian package 'time'; scripts/install-deps.sh --bench)"
fi
command -v cc >/dev/null || die "cc missing (Debian package gcc)"
install_squawk
if [[ -n $SQUAWK_SKIP ]]; then
  printf '\nsquawk SKIPPED: %s; timing strata and the floor alone\n' "$SQUAWK_SKIP" >&2
fi

bench_workdir strata-lint-bench
cc -O2 -o "$W/floor_readfiles" bench/floor_readfiles.c
step "corpus: $mb MB in $W/c1"
/usr/bin/python3 bench/lint/gen.py "$W/c1/migrations" "$mb"
if [[ $double == 1 ]]; then
  step "corpus: $((2 * mb)) MB in $W/c2 (peak memory)"
  /usr/bin/python3 bench/lint/gen.py "$W/c2/migrations" "$((2 * mb))"
fi

RUNS=$W/runs.tsv
printf 'tool\tcorpus\twall_s\tuser_s\tsys_s\tmaxrss_kb\n' >"$RUNS"
# measure TOOL CORPUS OK_CODES: runs the TOOL's command once in $W/CORPUS (relative paths, so both
# linters print the same short names) under GNU time, output to $W/TOOL.CORPUS.out/.err; fails on
# an exit code not in OK_CODES; appends a row to runs.tsv unless CORPUS is a warm-up ("w" suffix).
measure() {
  local tool=$1 corpus=$2 ok=$3 dir=$W/${2%w} cmd t0 t1 code
  case $tool in
    floor) cmd=("$W/floor_readfiles" migrations) ;;
    strata) cmd=("$bin" lint --dialect postgresql migrations) ;;
    # squawk expands the pattern itself: tens of thousands of file names would not fit in argv.
    squawk) cmd=("$SQUAWK" --reporter gcc --assume-in-transaction 'migrations/*.sql') ;;
  esac
  t0=$(date +%s%N)
  code=0
  (
    cd "$dir"
    exec "$TIME" -o "$W/time.out" -f '%e %U %S %M' "${cmd[@]}"
  ) >"$W/$tool.$corpus.out" 2>"$W/$tool.$corpus.err" || code=$?
  t1=$(date +%s%N)
  if [[ " $ok " != *" $code "* ]]; then
    echo "$tool exited $code in $dir (its stderr: $W/$tool.$corpus.err, kept with BENCH_KEEP=1):" >&2
    tail -n 20 "$W/$tool.$corpus.err" >&2
    exit 1
  fi
  local _ user sys rss
  read -r _ user sys rss < <(tail -n 1 "$W/time.out")
  [[ $corpus == *w ]] && return 0
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$corpus" "$(((t1 - t0) / 1000))e-6" "$user" "$sys" "$rss" >>"$RUNS"
}

tools=(floor strata)
[[ -n $SQUAWK ]] && tools+=(squawk)
declare -A ok=([floor]=0 [strata]="0 6" [squawk]="0 1") # strata: 6 = lint errors; squawk: 1 = findings

step "warm-up and checks"
for t in "${tools[@]}"; do measure "$t" c1w "${ok[$t]}"; done
corpus_bytes() { find "$W/$1/migrations" -type f -printf '%s\n' | awk '{ n += $1 } END { print n + 0 }'; }
bytes=$(corpus_bytes c1)
read -r _ _ floor_bytes _ < "$W/floor.c1w.out"
[[ $floor_bytes == "$bytes" ]] || die "the floor read $floor_bytes bytes, the corpus has $bytes"
# A finding is a "file:line: severity[rule]: ..." line for strata, "file:line:col: severity: rule ..." for squawk.
count_findings() {
  case $1 in
    strata) grep -cE '^[^ ]+:[0-9]+: [a-z]+\[' "$2" || true ;;
    squawk) grep -cE '^[^ ]+:[0-9]+:[0-9]+: [a-z]+: ' "$2" || true ;;
    *) echo "" ;;
  esac
}
for t in strata squawk; do
  [[ " ${tools[*]} " == *" $t "* ]] || continue
  [[ $(count_findings $t "$W/$t.c1w.out") -gt 0 ]] || die "$t found nothing in the corpus (see $W/$t.c1w.out; BENCH_KEEP=1 keeps it)"
done

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= runs; r++)); do
  step "round $r of $runs: ${tools[*]}"
  for t in "${tools[@]}"; do measure "$t" c1 "${ok[$t]}"; done
done
if [[ $double == 1 ]]; then
  step "peak memory on the $((2 * mb)) MB corpus: ${tools[*]:1}"
  for t in "${tools[@]:1}"; do measure "$t" c2 "${ok[$t]}"; done
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

largest() { [[ -d $W/$1/migrations ]] && find "$W/$1/migrations" -type f -printf '%s\n' | sort -n | tail -n 1 || echo 0; }
files() { [[ -d $W/$1/migrations ]] && find "$W/$1/migrations" -type f | wc -l || echo 0; }
STRATA_FINDINGS=$(count_findings strata "$W/strata.c1.out")
SQUAWK_FINDINGS="" SQUAWK_VERSION_OUT=""
if [[ -n $SQUAWK ]]; then
  SQUAWK_FINDINGS=$(count_findings squawk "$W/squawk.c1.out")
  SQUAWK_VERSION_OUT=$("$SQUAWK" --version)
fi
C1_FILES=$(files c1) C1_LARGEST=$(largest c1) C2_FILES=$(files c2) C2_LARGEST=$(largest c2) C2_BYTES=0
if [[ $double == 1 ]]; then C2_BYTES=$(corpus_bytes c2); fi
STRATA_VERSION=$("$bin" --version)
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD)
CPU_MODEL=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)
NPROC=$(nproc)
export RUNS out_md bytes load_before load_after runs bin SQUAWK_SKIP STRATA_FINDINGS SQUAWK_FINDINGS \
  SQUAWK_VERSION_OUT C1_FILES C1_LARGEST C2_FILES C2_LARGEST C2_BYTES STRATA_VERSION COMMIT CPU_MODEL NPROC
mkdir -p "$(dirname "$out_md")"
/usr/bin/python3 - <<'PY'
import csv, os, statistics, time

env = os.environ
rows = list(csv.DictReader(open(env["RUNS"]), delimiter="\t"))
mbytes = int(env["bytes"]) / 1e6


def stats(tool, corpus="c1"):
    rs = [r for r in rows if r["tool"] == tool and r["corpus"] == corpus]
    if not rs:
        return None
    walls = [float(r["wall_s"]) for r in rs]
    cpus = [float(r["user_s"]) + float(r["sys_s"]) for r in rs]
    return {"med": statistics.median(walls), "best": min(walls), "cpu": statistics.median(cpus),
            "rss": max(int(r["maxrss_kb"]) for r in rs) / 1024, "n": len(rs)}


def secs(s):
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


findings = {"strata": env.get("STRATA_FINDINGS", ""), "squawk": env.get("SQUAWK_FINDINGS", ""), "floor": "–"}
s = {t: stats(t) for t in ("strata", "squawk", "floor")}
lines = ["| tool | MB/s (median) | wall median | wall best | CPU user+sys (median) | peak RSS | findings |",
         "|---|---:|---:|---:|---:|---:|---:|"]
for t in ("strata", "squawk", "floor"):
    x = s[t]
    if x is None:
        lines.append(f"| {t} | skipped | | | | | |")
        continue
    lines.append(f"| {t} | {mbytes / x['med']:.1f} | {secs(x['med'])} | {secs(x['best'])} | "
                 f"{secs(x['cpu'])} | {x['rss']:.1f} MB | {findings[t]} |")

ratios = []
st, sq, fl = s["strata"], s["squawk"], s["floor"]
if sq:
    r = sq["med"] / st["med"]
    ratios.append(f"- strata ÷ squawk throughput: **{r:.2f}×** (median wall; target ≥ 2.0: "
                  f"{'met' if r >= 2.0 else 'NOT met'}); best runs {sq['best'] / st['best']:.2f}×; "
                  f"CPU time {sq['cpu'] / st['cpu']:.2f}×")
else:
    ratios.append(f"- strata ÷ squawk: not measured, squawk skipped ({env.get('SQUAWK_SKIP')})")
ratios.append(f"- strata ÷ floor throughput: {fl['med'] / st['med']:.3f} "
              f"(strata takes {st['med'] / fl['med']:.0f}× the time it takes to read the files)")

mem = []
c2 = {t: stats(t, "c2") for t in ("strata", "squawk")}
if c2["strata"]:
    mem = ["| corpus | files | largest file | strata peak RSS | squawk peak RSS |", "|---|---:|---:|---:|---:|"]
    for corpus, size, files, largest in (("c1", mbytes, env["C1_FILES"], env["C1_LARGEST"]),
                                         ("c2", int(env["C2_BYTES"]) / 1e6, env["C2_FILES"], env["C2_LARGEST"])):
        a, b = stats("strata", corpus), stats("squawk", corpus)
        mem.append(f"| {size:.1f} MB | {files} | {int(largest) / 1e3:.1f} kB | {a['rss']:.1f} MB | "
                   + (f"{b['rss']:.1f} MB |" if b else "skipped |"))
    added = int(env["C2_FILES"]) - int(env["C1_FILES"])
    growth = {t: (c2[t]["rss"] - s[t]["rss"]) * 1024 / added for t in ("strata", "squawk") if c2[t]}
    mem += ["", "Growth per added revision: " + ", ".join(f"{t} {g:.1f} kB" for t, g in growth.items())
            + f" (a file averages {int(env['C2_BYTES']) / int(env['C2_FILES']) / 1e3:.1f} kB; each revision"
            " creates a table of 13 columns, which a history model of the schema has to hold)."]

when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
head = [f"# `strata lint` against squawk ({when})", "",
        f"bench/lint/run.sh, commit {env['COMMIT']}, {env['STRATA_VERSION']} ({env['bin']}), "
        + (env["SQUAWK_VERSION_OUT"] + " (npm squawk-cli, its native binary called directly)"
           if env.get("SQUAWK_VERSION_OUT") else "squawk skipped") + ".",
        f"Machine: {env['NPROC']} cores ({env['CPU_MODEL']}); load average {env['load_before']} before the "
        f"timed rounds, {env['load_after']} after.",
        f"Corpus: {mbytes:.1f} MB in {env['C1_FILES']} revision files (bench/lint/gen.py); "
        f"timed rounds: {env['runs']}, interleaved (floor, strata, squawk), after a checked warm-up round; files on tmpfs.",
        "Commands: `strata lint --dialect postgresql migrations`, "
        "`squawk --reporter gcc --assume-in-transaction 'migrations/*.sql'`, `floor_readfiles migrations`; "
        "output to files.", ""]
text = "\n".join(head + lines + [""] + ratios + ([""] + ["Peak memory, one run on a corpus twice as large:", ""] + mem
                                                 if mem else []) + [""])
print("\n" + text)
with open(env["out_md"], "w") as f:
    f.write(text)
print(f"written to {env['out_md']}")
PY
