#!/usr/bin/python3
"""Reads the runs bench/large/run.sh recorded (results.tsv: driver, size, tool, wall, user and
system seconds, peak RSS in KB; files.tsv: size, bytes of SQL) and prints, as Markdown on stdout
and into --out, strata against the database's own client at each size: median wall time, median
CPU time (user + system), the highest peak RSS over the runs, the ratios, and the goals of
issue 15 (strata within 1.5x of the peer's time at every size; peak RSS under 64 MB at 1M).

Usage: report.py --results FILE --files FILE --out FILE [--meta KEY=VALUE ...]
"""
import argparse
import csv
import datetime
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from report import machine  # noqa: E402  (bench/report.py: CPU, cores, RAM, kernel)

TIME_GOAL = 1.5
RSS_GOAL_MB = 64
PEERS = {"sqlite": ("sqlite3", "SQLite", "`sqlite3 DB .read FILE` (BEGIN; ... COMMIT;)"),
         "postgresql": ("psql", "PostgreSQL", "`psql -X -q -1 -v ON_ERROR_STOP=1 -f FILE`")}


def secs(t):
    return f"{t * 1000:.0f} ms" if t < 1 else f"{t:.2f} s"


def mb(kb):
    return f"{kb / 1024:.1f} MB"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--files", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--meta", action="append", default=[])
    args = ap.parse_args()
    meta = dict(m.partition("=")[::2] for m in args.meta)

    runs = {}
    with open(args.results) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            key = (row["driver"], int(row["size"]), row["tool"])
            runs.setdefault(key, []).append(
                (float(row["wall_s"]), float(row["user_s"]) + float(row["sys_s"]), int(row["maxrss_kb"])))
    files = {}
    with open(args.files) as f:
        for line in f:
            size, nbytes = line.split()
            files[int(size)] = int(nbytes)

    def stat(driver, size, tool):
        r = runs.get((driver, size, tool))
        if not r:
            return None
        return {"wall": statistics.median(x[0] for x in r), "cpu": statistics.median(x[1] for x in r),
                "rss": max(x[2] for x in r), "n": len(r)}

    out = []
    w = out.append
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    w(f"# strata large-revision bench — {now}")
    w("")
    w(f"- machine: {machine()}; load average {meta.get('load_start', '?')} at start, "
      f"{meta.get('load_end', '?')} at end")
    w(f"- strata commit {meta.get('commit', '?')}, Release build; SQLite {meta.get('sqlite3', '?')}; "
      f"PostgreSQL: {meta.get('pg', '?')}")
    w(f"- one revision of N single-row INSERTs (`INSERT INTO big VALUES (i);`, about 28 bytes each) "
      f"into an empty database; files under {meta.get('tmpdir', '?')}; runs: {meta.get('runs', '?')}")
    w("- time: median wall-clock; CPU: median user + system of the client process (not the server's); "
      "peak RSS: the highest over the runs (GNU time's %M)")
    w("")
    verdicts = []
    for driver, (peer, title, how) in PEERS.items():
        sizes = sorted({k[1] for k in runs if k[0] == driver})
        if not sizes:
            continue
        w(f"## {title}: strata `upgrade head` vs {how}")
        w("")
        w(f"| statements | file | strata | {peer} | strata ÷ {peer} | strata CPU | {peer} CPU | "
          f"strata peak RSS | {peer} peak RSS | runs |")
        w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for size in sizes:
            s, p = stat(driver, size, "strata"), stat(driver, size, peer)
            if s is None or p is None:
                continue
            ratio = s["wall"] / p["wall"] if p["wall"] > 0 else float("inf")
            w(f"| {size:,} | {files.get(size, 0) / 1e6:.1f} MB | {secs(s['wall'])} | {secs(p['wall'])} | "
              f"**{ratio:.2f}×** | {secs(s['cpu'])} | {secs(p['cpu'])} | {mb(s['rss'])} | {mb(p['rss'])} | "
              f"{s['n']} |")
            verdicts.append(f"{title}, {size:,}: time {ratio:.2f}× {peer} "
                            f"(goal ≤ {TIME_GOAL}×: {'met' if ratio <= TIME_GOAL else 'NOT MET'})")
            if size >= 1_000_000:
                ok = s["rss"] / 1024 < RSS_GOAL_MB
                verdicts.append(f"{title}, {size:,}: peak RSS {mb(s['rss'])} "
                                f"(goal < {RSS_GOAL_MB} MB: {'met' if ok else 'NOT MET'}; "
                                f"the file alone is {files.get(size, 0) / 1e6:.1f} MB)")
        w("")
    if meta.get("pg", "").startswith("skipped"):
        w(f"PostgreSQL part {meta['pg']}.")
        w("")
    w("## Goals")
    w("")
    for v in verdicts:
        w(f"- {v}")
    text = "\n".join(out) + "\n"
    print(text)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
