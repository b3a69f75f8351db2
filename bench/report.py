#!/usr/bin/python3
"""Reads the hyperfine JSON files that bench/run.sh wrote (one per command, named after it), and
prints absolute times and the ratios against the peers measured in the same run, as Markdown, on
stdout and into --out. Ratios use medians: on a shared machine a few runs slowed by another
process move the mean more than the median.

Usage: report.py --json-dir DIR --out FILE [--meta KEY=VALUE ...]
"""
import argparse
import datetime
import glob
import json
import os
import platform
import statistics
import subprocess


def load(json_dir):
    """Merges the rounds of each benchmark (NAME.rN.json) into one result over all its runs."""
    runs = {}
    for path in sorted(glob.glob(os.path.join(json_dir, "*.json"))):
        name = os.path.basename(path).split(".")[0]
        with open(path) as f:
            runs.setdefault(name, []).append(json.load(f)["results"][0])
    res = {}
    for name, parts in runs.items():
        times = [t for p in parts for t in p["times"]]
        n = len(times)
        res[name] = {
            "times": times,
            "mean": statistics.fmean(times),
            "stddev": statistics.stdev(times) if n > 1 else 0.0,
            "median": statistics.median(times),
            "min": min(times),
            "max": max(times),
            # hyperfine reports mean user and system times per round: weight them by runs.
            "user": sum(p["user"] * len(p["times"]) for p in parts) / n,
            "system": sum(p["system"] * len(p["times"]) for p in parts) / n,
            "rounds": len(parts),
        }
    return res


def fmt(t):
    if t is None:
        return "—"
    if t < 1:
        return f"{t * 1000:.1f} ms"
    return f"{t:.2f} s"


def fmt_pm(r):
    mean, sd = r["mean"], r.get("stddev") or 0.0
    if mean < 1:
        return f"{mean * 1000:.1f} ± {sd * 1000:.1f} ms"
    return f"{mean:.2f} ± {sd:.2f} s"


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu or platform.processor() or 'unknown CPU'}, {os.cpu_count()} cores, {mem} RAM, " \
           f"Linux {platform.release()}"


def versions():
    out = []
    try:
        import alembic
        import sqlalchemy
        out.append(f"Alembic {alembic.__version__} (SQLAlchemy {sqlalchemy.__version__})")
    except ImportError:
        pass
    import sqlite3
    out.append(f"SQLite {sqlite3.sqlite_version}")
    try:
        hv = subprocess.run(["hyperfine", "--version"], capture_output=True, text=True).stdout.strip()
        out.append(hv)
    except OSError:
        pass
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json-dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--meta", action="append", default=[])
    args = ap.parse_args()
    meta = dict(m.partition("=")[::2] for m in args.meta)
    res = load(args.json_dir)

    def med(name):
        r = res.get(name)
        return r["median"] if r else None

    def ratio(a, b):
        return a / b if a is not None and b else None

    def x(v, digits=1):
        return "—" if v is None else f"{v:.{digits}f}×"

    lines = []
    w = lines.append
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    w(f"# strata bench — {now}")
    w("")
    w(f"- machine: {machine()}; load average {meta.get('load_start', '?')} at start, "
      f"{meta.get('load_end', '?')} at end")
    w(f"- strata commit {meta.get('commit', '?')}, Release build; `ldd strata`: "
      f"{meta.get('strata_libs', '?')} lines, `ldd strata_postgres.so`: {meta.get('pg_module_libs') or '—'} lines")
    vs = versions()
    if meta.get("pg_version"):
        vs.append(f"PostgreSQL {meta['pg_version']} (throwaway cluster, fsync off)")
    w(f"- {'; '.join(vs)}")
    w(f"- databases and revision files under {meta.get('tmpdir', '?')}; "
      f"runs: {meta.get('runs', '?')}; ratios from medians")
    w("")

    # Headline: the acceptance figure.
    cur_x = ratio(med("sqlite_current_alembic"), med("sqlite_current_strata"))

    def cpu(name):
        r = res.get(name)
        return r["user"] + r["system"] if r else None

    cpu_x = ratio(cpu("sqlite_current_alembic"), cpu("sqlite_current_strata")) or 0.0
    if cur_x is not None:
        w(f"**SQLite `current`: strata is {cur_x:.0f}× faster than Alembic** "
          f"({fmt(med('sqlite_current_strata'))} vs {fmt(med('sqlite_current_alembic'))}; target ≥ 30×, "
          f"{'met' if cur_x >= 30 else 'NOT MET'}; in CPU time, user + system, {cpu_x:.0f}×)")
        w("")

    n_sqlite = meta.get("n_sqlite", "500")
    w(f"## SQLite, {n_sqlite} revisions")
    w("")
    w("| operation | strata | alembic | floor | alembic ÷ strata | strata ÷ floor |")
    w("|---|---:|---:|---:|---:|---:|")
    for op, floor in (("current", "sqlite_current_floor"), ("history", None), ("upgrade", None)):
        s, a = med(f"sqlite_{op}_strata"), med(f"sqlite_{op}_alembic")
        fl = med(floor) if floor else None
        label = {"current": "`current` (at head)", "history": "`history`",
                 "upgrade": "`upgrade head` (empty db)"}[op]
        w(f"| {label} | {fmt(s)} | {fmt(a)} | {fmt(fl)} | {x(ratio(a, s))} | {x(ratio(s, fl), 2)} |")
    w("")
    w("floor: bench/floor_current.c, a C program linked only with libsqlite3 that opens the file and "
      "reads alembic_version.")
    w("")

    h, hf = med("history10k_strata"), med("history10k_floor")
    w(f"## `history` over {int(meta.get('n_history', 10000)):,} revisions")
    w("")
    w("| operation | strata | floor | strata ÷ floor | target |")
    w("|---|---:|---:|---:|---|")
    w(f"| `history` | {fmt(h)} | {fmt(hf)} | {x(ratio(h, hf), 2)} | < 100 ms: "
      f"{'met' if h is not None and h < 0.1 else 'NOT MET'} |")
    w("")
    w("floor: bench/floor_readfiles.c, which lists the folder and reads every file, and does nothing else.")
    w("")

    n_pg = meta.get("n_pg", "300")
    w(f"## PostgreSQL, {n_pg} revisions")
    w("")
    pg_status = meta.get("pg", "ok")
    up_ratio = over = None
    if pg_status != "ok":
        w(f"PostgreSQL part {pg_status}")
    else:
        s, p, a = med("pg_upgrade_strata"), med("pg_upgrade_psql"), med("pg_upgrade_alembic")
        up_ratio = ratio(s, p)
        over = (s - p) / (a - p) if None not in (s, p, a) and a != p else None
        w("| operation | strata | psql floor | alembic | strata ÷ psql | (strata − psql) ÷ (alembic − psql) | alembic ÷ strata |")
        w("|---|---:|---:|---:|---:|---:|---:|")
        w(f"| `upgrade head` (fresh db) | {fmt(s)} | {fmt(p)} | {fmt(a)} | {x(up_ratio, 3)} | "
          f"{'—' if over is None else f'{over:.3f}'} | {x(ratio(a, s))} |")
        cs, cp, ca = med("pg_current_strata"), med("pg_current_psql"), med("pg_current_alembic")
        w(f"| `current` (at head) | {fmt(cs)} | {fmt(cp)} | {fmt(ca)} | {x(ratio(cs, cp), 3)} | "
          f"{'—' if None in (cs, cp, ca) or ca == cp else f'{(cs - cp) / (ca - cp):.3f}'} | {x(ratio(ca, cs))} |")
        w("")
        b_s, b_p = (res[n]["min"] if n in res else None for n in ("pg_upgrade_strata", "pg_upgrade_psql"))
        if b_s is not None and b_p:
            w(f"Best runs (the least disturbed by other work on the machine): strata {fmt(b_s)}, "
              f"psql {fmt(b_p)}: strata ÷ psql = {x(b_s / b_p, 3)}.")
            w("")
        c_s, c_p, c_a = cpu("pg_upgrade_strata"), cpu("pg_upgrade_psql"), cpu("pg_upgrade_alembic")
        if None not in (c_s, c_p, c_a) and c_a != c_p:
            w(f"The tools' own CPU time (user + system of the client process, which the machine's load "
              f"hardly moves; the server's work is not in it): strata {fmt(c_s)}, psql {fmt(c_p)}, "
              f"alembic {fmt(c_a)}: (strata − psql) ÷ (alembic − psql) = {(c_s - c_p) / (c_a - c_p):.3f}.")
            w("")
        if s is not None and p is not None and s <= p:
            w("strata came in at or under the psql floor: `psql -f` sends each statement and waits for "
              "its answer (900 round trips), strata sends each revision's statements in one round trip "
              "(300); on a busy machine every round trip waits for a CPU, so the floor is not a hard "
              "one, and a negative overhead means strata added nothing measurable.")
            w("")
        w("psql floor: for `upgrade head`, `psql -X -q -1 -v ON_ERROR_STOP=1 -f all.sql`, the upgrade "
          "sections concatenated, in one transaction, no version table; for `current`, "
          "`psql -X -A -t -c 'SELECT version_num FROM alembic_version'`.")
    w("")

    n_snap = int(meta.get("n_snapshot", 1000))
    w(f"## Schema snapshots and `verify` (docs/verify.md)")
    w("")
    w("| operation | strata | per unit |")
    w("|---|---:|---:|")
    for name, label, units, unit in (
            ("sqlite_verify_strata", f"SQLite `verify`, {n_sqlite} revisions", int(n_sqlite), "revision"),
            ("pg_verify_strata", f"PostgreSQL `verify`, {n_pg} revisions", int(n_pg), "revision"),
            ("sqlite_schema1k_strata", f"SQLite `schema`, {n_snap:,} tables", n_snap, "table"),
            ("pg_schema1k_strata", f"PostgreSQL `schema`, {n_snap:,} tables"
             + (f" ({int(meta['pg_snapshot_objects']):,} objects)" if meta.get("pg_snapshot_objects") else ""),
             n_snap, "table")):
        t = med(name)
        per = None if t is None else t / units
        per_text = "—" if per is None else (f"{per * 1e6:.0f} µs" if per < 0.001 else fmt(per))
        w(f"| {label} | {fmt(t)} | {per_text} per {unit} |")
    w("")
    w("`verify` upgrades, downgrades and upgrades each revision again on a scratch database, taking "
      "three schema snapshots per revision, then runs a straight `upgrade heads` on a second one. "
      "`upgrade head` above includes recording the schema hash once, on the run's last step (one "
      "catalog read of the whole schema, in that step's own transaction).")
    w("")

    w("## Targets")
    w("")
    w("| target | figure | |")
    w("|---|---:|---|")

    def target(name, val, shown, ok):
        w(f"| {name} | {shown if val is not None else '—'} | "
          f"{'—' if val is None else ('met' if ok else '**NOT MET**')} |")

    target("SQLite `current`: alembic ÷ strata ≥ 30", cur_x, x(cur_x), cur_x is not None and cur_x >= 30)
    target("`history` of 10,000 revisions < 100 ms", h, fmt(h), h is not None and h < 0.1)
    target("PostgreSQL `upgrade head`: strata ÷ psql ≤ 1.10", up_ratio, x(up_ratio, 3),
           up_ratio is not None and up_ratio <= 1.10)
    target("PostgreSQL `upgrade head`: (strata − psql) ÷ (alembic − psql) ≤ 0.10", over,
           "—" if over is None else f"{over:.3f}", over is not None and over <= 0.10)
    w("")

    w("## Every command")
    w("")
    w("| benchmark | median | mean ± σ | min | max | runs (rounds) | user | system | user + system |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in sorted(res):
        r = res[name]
        w(f"| {name} | {fmt(r['median'])} | {fmt_pm(r)} | {fmt(r['min'])} | {fmt(r['max'])} | "
          f"{len(r['times'])} ({r['rounds']}) | {fmt(r['user'])} | {fmt(r['system'])} | "
          f"{fmt(r['user'] + r['system'])} |")
    w("")
    w("user and system: the CPU time of the measured process and its children, per run. On a busy "
      "machine they move less than the wall-clock times; the PostgreSQL server's own work is not in them.")
    w("")

    text = "\n".join(lines)
    print(text)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    print(f"\n(written to {args.out})")


if __name__ == "__main__":
    main()
