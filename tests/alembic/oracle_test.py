#!/usr/bin/python3
"""Checks strata's planner against the real Alembic (Debian's python3-alembic 1.8.1).

For every case (a revision graph, the version table's rows, a command) this builds an Alembic
environment in a temporary folder, runs the command through alembic.command on a SQLite
database, reads alembic_version, and compares the rows with what plan_probe (strata's planner)
says the heads will be. Either both give the same heads, or both refuse; where Alembic warns that
a target is ambiguous and then guesses, strata must refuse with a usage error (exit 2).

Alembic runs in this one process (alembic.command, not /usr/bin/alembic): the same code as the
CLI without 0.5 s of interpreter start-up per case, so the whole suite takes seconds.

Usage: oracle_test.py PATH/TO/plan_probe [-v]
Environment: ORACLE_SAMPLE=N runs a fixed-seed sample of N cases instead of all of them.
"""
import contextlib
import io
import itertools
import logging
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import warnings

from alembic import command
from alembic.config import Config

ENV_PY = """
from alembic import context
from sqlalchemy import create_engine

engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
"""

# Graphs in plan_probe's notation (tests/unit/graph_spec.h): "ID<PARENTS dep=.. label=..".
GRAPHS = {
    "chain": "a1; b2<a1; c3<b2; d4<c3",
    "branch": "a1; b2<a1; c3<b2; d4<b2; e5<d4",
    "merge": "a1; b2<a1; c3<a1; m4<b2,c3; n5<m4",
    "two_bases": "a1; b2<a1; x1; y2<x1",
    "labels": "a1 label=main; b2<a1; x1 label=other; y2<x1; z3<y2",
    "branch_labels": "a1; b2<a1; c3<b2 label=feat; d4<c3; e5<b2 label=fix; f6<e5",
    "depends": "a1; b2<a1; x1; y2<x1; c3<b2 dep=y2",
    "depends_label": "a1; b2<a1 label=lib; x1; y2<x1 dep=lib; z3<y2",
    "merge3": "a1; b2<a1; c3<a1; d4<a1; m5<b2,c3,d4",
    "merge_then_branch": "a1; b2<a1; c3<a1; m4<b2,c3; d5<m4; e6<m4",
    "dep_within_line": "a1; b2<a1; c3<b2 dep=a1; d4<c3",
}

TARGETS = {
    "upgrade": ["head", "heads", "+1", "+2", "+9", "-1", "{rev}", "{rev}+1", "{rev}-1",
                "{label}@head", "{label}@heads", "{label}@+1", "{prefix}"],
    "downgrade": ["base", "-1", "-2", "-9", "+1", "{rev}", "{rev}-1", "{rev}+1", "{label}@base",
                  "{label}@-1", "{label}@{rev}"],
    "stamp": ["head", "heads", "base", "{rev}", "{label}@head"],
    "stamp-purge": ["{rev}", "heads"],
}


def parse_graph(spec):
    revs = []
    for item in spec.replace("\n", ";").split(";"):
        words = item.split()
        if not words:
            continue
        rid, _, parents = words[0].partition("<")
        rev = {"id": rid, "parents": [p for p in parents.split(",") if p], "deps": [],
               "labels": []}
        for w in words[1:]:
            if w.startswith("dep="):
                rev["deps"] = w[4:].split(",")
            if w.startswith("label="):
                rev["labels"] = w[6:].split(",")
        revs.append(rev)
    return revs


def tuple_or_none(items):
    if not items:
        return "None"
    if len(items) == 1:
        return repr(items[0])
    return repr(tuple(items))


def write_env(folder, revs):
    os.makedirs(os.path.join(folder, "versions"))
    with open(os.path.join(folder, "env.py"), "w") as f:
        f.write(ENV_PY)
    for rev in revs:
        with open(os.path.join(folder, "versions", rev["id"] + "_rev.py"), "w") as f:
            f.write(
                f"revision = {rev['id']!r}\n"
                f"down_revision = {tuple_or_none(rev['parents'])}\n"
                f"branch_labels = {tuple_or_none(rev['labels'])}\n"
                f"depends_on = {tuple_or_none(rev['deps'])}\n"
                "def upgrade():\n    pass\n"
                "def downgrade():\n    pass\n")


def antichains(revs):
    """Version-table states to start from: empty, each revision, and pairs of unrelated ones."""
    ids = [r["id"] for r in revs]
    by_label = {l: r["id"] for r in revs for l in r["labels"]}
    parents = {r["id"]: r["parents"] + [by_label.get(d, d) for d in r["deps"]] for r in revs}

    def ancestors(rid):
        seen, todo = set(), [rid]
        while todo:
            for p in parents[todo.pop()]:
                if p not in seen:
                    seen.add(p)
                    todo.append(p)
        return seen

    anc = {rid: ancestors(rid) for rid in ids}
    states = [[]] + [[rid] for rid in ids]
    for a, b in itertools.combinations(ids, 2):
        if a not in anc[b] and b not in anc[a]:
            states.append([a, b])
    return states


def alembic_run(folder, db, current, verb, target):
    if os.path.exists(db):
        os.remove(db)
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                 "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))")
    conn.executemany("INSERT INTO alembic_version VALUES (?)", [(c,) for c in current])
    conn.commit()
    conn.close()
    cfg = Config()
    cfg.set_main_option("script_location", folder)
    cfg.set_main_option("sqlalchemy.url", "sqlite:///" + db)
    caught = []
    try:
        with warnings.catch_warnings(record=True) as caught, \
                contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("always")
            if verb == "upgrade":
                command.upgrade(cfg, target)
            elif verb == "downgrade":
                command.downgrade(cfg, target)
            elif verb == "stamp":
                command.stamp(cfg, target)
            elif verb == "stamp-purge":
                command.stamp(cfg, target, purge=True)
    except Exception as e:  # CommandError, but also Alembic's own assertion failures
        return "error", f"{type(e).__name__}: {e}"
    # Alembic 1.8 guesses where it says a target is ambiguous ("downgrade -1 from multiple heads
    # is ambiguous; this usage will be disallowed"): strata refuses those with a usage error.
    ambiguous = [str(w.message) for w in caught if "ambiguous" in str(w.message)]
    if ambiguous:
        return "refused", ambiguous[0]
    conn = sqlite3.connect(db)
    rows = sorted(r[0] for r in conn.execute("SELECT version_num FROM alembic_version"))
    conn.close()
    return "ok " + " ".join(rows) if rows else "ok", ""


def expand(template, rev, label, prefix):
    return template.format(rev=rev, label=label, prefix=prefix)


def build_cases():
    cases = []
    for name, spec in GRAPHS.items():
        revs = parse_graph(spec)
        ids = [r["id"] for r in revs]
        labels = [l for r in revs for l in r["labels"]] or [None]
        for current in antichains(revs):
            for verb, templates in TARGETS.items():
                seen = set()
                for template in templates:
                    for rev in (ids if "{rev}" in template else [ids[0]]):
                        for label in (labels if "{label}" in template else [labels[0]]):
                            if "{label}" in template and label is None:
                                continue
                            target = expand(template, rev, label, rev + "xx")
                            if "{prefix}" in template:
                                continue  # ids are too short for prefixes; unit tests cover them
                            if target in seen:
                                continue
                            seen.add(target)
                            cases.append((name, spec, current, verb, target))
    return cases


def main():
    probe = sys.argv[1]
    verbose = "-v" in sys.argv
    logging.disable(logging.CRITICAL)
    started = time.time()
    cases = build_cases()
    # Every case runs (about 30 s on tmpfs); ORACLE_SAMPLE=N runs a fixed-seed sample instead.
    sample = cases
    if os.environ.get("ORACLE_SAMPLE"):
        size = int(os.environ["ORACLE_SAMPLE"])
        sample = sorted(random.Random(1).sample(cases, min(size, len(cases))), key=cases.index)

    lines = [f"{spec} | {' '.join(cur)} | {verb} {target}" for _, spec, cur, verb, target in sample]
    out = subprocess.run([probe], input="\n".join(lines) + "\n", capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert len(out) == len(sample), (len(out), len(sample))

    failures = 0
    summary = {}
    # tmpfs when there is one: the SQLite commits otherwise spend most of the time in fsync.
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(dir=shm) as tmp:
        folders = {}
        for (name, spec, current, verb, target), mine in zip(sample, out):
            if name not in folders:
                folders[name] = os.path.join(tmp, name)
                write_env(folders[name], parse_graph(spec))
            theirs, why = alembic_run(folders[name], os.path.join(tmp, "db.sqlite"), current,
                                      verb, target)
            mine_kind = "error" if mine.startswith("error") else mine
            if theirs == "refused":
                same = mine == "error 2"  # a usage error, exit 2
                verb = verb + " (alembic: ambiguous)"
            else:
                same = mine_kind == theirs
            summary.setdefault((verb, same), 0)
            summary[(verb, same)] += 1
            if not same or verbose:
                print(f"{'ok  ' if same else 'FAIL'} {name}: [{' '.join(current)}] {verb} {target}: "
                      f"alembic={theirs} {why} strata={mine}")
            failures += not same
    elapsed = time.time() - started
    for (verb, same), n in sorted(summary.items()):
        print(f"{verb:12} {'agree' if same else 'DIFFER'}: {n}")
    print(f"{len(sample)} cases, {failures} differences, {elapsed:.1f}s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
