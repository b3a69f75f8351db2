#!/usr/bin/python3
"""Reads bench/live/run.sh's pgbench logs; writes bench/results/live-latest.md and live-load.png.

pgbench's per-transaction log lines: client_id transaction_no latency_us script_no epoch_s epoch_us.
"""
import glob
import os
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

LABELS = {
    "psql": "(a) psql -f",
    "strata_retry": "(b) strata, statement_lock_timeout 200ms + retries",
    "strata_refuse": "(c) strata --refuse-if-blocked, re-run each second",
}
BUCKETS = [(0, 10), (10, 100), (100, 1000), (1000, 5000), (5000, None)]  # ms


def read(work, method):
    rows = []
    for path in glob.glob(os.path.join(work, method + ".*")):
        if not path.rsplit(".", 1)[1].isdigit():
            continue
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) < 6:
                    continue
                rows.append((int(p[4]) + int(p[5]) / 1e6, int(p[2]) / 1000.0))
    rows.sort()
    return rows


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main():
    work, seconds, load, methods = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_md = os.path.join(root, "results", "live-latest.md")
    out_png = os.path.join(root, "results", "live-load.png")
    lines = [
        "# Migrations under live load (bench/live/run.sh)",
        "",
        f"pgbench: 4 clients, {seconds} s, a SELECT and an UPDATE of one users row per transaction; "
        "a 10 s report holds a lock on users from 4 s; the ALTER TABLE is applied at 5 s. "
        f"Machine load average when done: {load} (2 cores shared with other work).",
        "",
        "| method | transactions | p50 ms | p99 ms | max ms | stalled seconds | ALTER took s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    hist_lines = ["", "Latency histogram (transactions per bucket):", "",
                  "| method | " + " | ".join(
                      f"{lo}-{hi} ms" if hi else f">{lo} ms" for lo, hi in BUCKETS) + " |",
                  "|---|" + "---:|" * len(BUCKETS)]
    fig, axes = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
    for m in methods:
        rows = read(work, m)
        if not rows:
            continue
        start = rows[0][0] - rows[0][1] / 1000.0
        lat = [r[1] for r in rows]
        per_second = [0] * (seconds + 1)
        for t, _ in rows:
            s = int(t - start)
            if 0 <= s <= seconds:
                per_second[s] += 1
        stalled = sum(1 for n in per_second[:seconds] if n == 0)
        with open(os.path.join(work, m + ".applied")) as f:
            t0, t1 = map(float, f.read().split())
        lines.append(f"| {LABELS.get(m, m)} | {len(rows)} | {pct(lat, 0.5):.2f} | "
                     f"{pct(lat, 0.99):.1f} | {max(lat):.0f} | {stalled} | {t1 - t0:.1f} |")
        counts = [sum(1 for v in lat if v >= lo and (hi is None or v < hi)) for lo, hi in BUCKETS]
        hist_lines.append(f"| {LABELS.get(m, m)} | " + " | ".join(map(str, counts)) + " |")
        axes[0].plot(range(seconds), per_second[:seconds], label=LABELS.get(m, m))
        axes[1].scatter([t - start for t, _ in rows], lat, s=2, label=LABELS.get(m, m))
    axes[0].set_ylabel("transactions / s")
    axes[0].axvspan(4, 14, color="grey", alpha=0.15, label="report holds its lock")
    axes[0].legend(fontsize=8)
    axes[1].set_yscale("log")
    axes[1].set_ylabel("latency, ms")
    axes[1].set_xlabel("seconds since pgbench started")
    fig.suptitle("pgbench during ALTER TABLE users behind a 10 s lock holder")
    fig.tight_layout()
    fig.savefig(out_png, dpi=100)
    text = "\n".join(lines + hist_lines) + "\n\n![pgbench throughput and latency](live-load.png)\n"
    with open(out_md, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
