#!/usr/bin/python3
"""In-process migrations and Alembic import, timed against Alembic in the same run.

    PYTHONPATH=build/python /usr/bin/python3 bench/python/run.py BUILD_DIR [--pg URL] [--reps N]

1. strata.upgrade() against alembic.command.upgrade(cfg, "head"), both called inside this
   Python process, on a fresh database each time: the 500-revision SQLite set and, with --pg
   (a server where the role may CREATE DATABASE), the 300-revision PostgreSQL set of
   bench/gen.py. Only the call is timed (not interpreter start-up or imports).
2. `strata import alembic` of a 300-revision Alembic history (PostgreSQL dialect), against
   `alembic upgrade head --sql` (Alembic generating the same offline SQL in one go).
Medians of --reps runs; prints a Markdown table of seconds and ratios.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GEN = os.path.join(ROOT, "bench", "gen.py")

OFFLINE_ENV = """\
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True,
                      transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    connectable = engine_from_config(config.get_section(config.config_ini_section),
                                     prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=None,
                          transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
"""


def generate(work, count, dialect, url):
    subprocess.run([sys.executable, GEN, "--count", str(count), "--dialect", dialect,
                    "--strata", os.path.join(work, "migrations"),
                    "--alembic", os.path.join(work, "alembic"), "--ini", "up.ini=" + url],
                   check=True, stdout=subprocess.DEVNULL)


def median_time(fn, reps, setup):
    times = []
    for _ in range(reps):
        setup()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_in_process(name, work, count, dialect, strata_url, alembic_url, reset, reps):
    import strata
    from alembic import command
    from alembic.config import Config

    generate(work, count, dialect, alembic_url)
    ini = os.path.join(work, "alembic", "up.ini")

    def run_strata():
        doc = strata.upgrade(url=strata_url, directory=os.path.join(work, "migrations"))
        assert len(doc["steps"]) == count

    def run_alembic():
        command.upgrade(Config(ini), "head")

    s = median_time(run_strata, reps, reset)
    a = median_time(run_alembic, reps, reset)
    return (name, s, a)


def bench_import(work, reps, binary):
    generate(work, 300, "postgresql", "postgresql://")
    with open(os.path.join(work, "alembic", "env.py"), "w") as f:
        f.write(OFFLINE_ENV)
    ini = os.path.join(work, "alembic", "up.ini")
    out = os.path.join(work, "converted")

    def clear():
        subprocess.run(["rm", "-rf", out], check=True)

    def run_import():
        subprocess.run([binary, "-q", "import", "alembic", ini, "--out", out, "--dialect",
                        "postgresql"], check=True, stdout=subprocess.DEVNULL)

    def run_alembic_sql():
        subprocess.run(["/usr/bin/alembic", "-c", ini, "upgrade", "head", "--sql"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    s = median_time(run_import, reps, clear)
    a = median_time(run_alembic_sql, reps, lambda: None)
    return ("import of 300 Alembic revisions (PostgreSQL SQL) vs `alembic upgrade head --sql`",
            s, a)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("build")
    p.add_argument("--pg", default=os.environ.get("STRATA_TEST_PG_URL"))
    p.add_argument("--reps", type=int, default=3)
    args = p.parse_args()
    sys.path.insert(0, os.path.join(os.path.abspath(args.build), "python"))
    import logging
    logging.getLogger("strata").setLevel(logging.WARNING)
    rows = []
    with tempfile.TemporaryDirectory() as work:
        db = os.path.join(work, "sqlite", "bench.db")
        os.makedirs(os.path.dirname(db))

        def reset_sqlite():
            if os.path.exists(db):
                os.remove(db)

        rows.append(bench_in_process("upgrade head, 500 revisions, SQLite", os.path.join(work, "sqlite"),
                                     500, "sqlite", "sqlite:///" + db, "sqlite:///" + db,
                                     reset_sqlite, args.reps))
        if args.pg:
            import psycopg2
            name = "strata_bench_py_" + uuid.uuid4().hex[:8]
            base = args.pg.rsplit("/", 1)[0]
            admin = psycopg2.connect(args.pg)
            admin.autocommit = True

            def reset_pg():
                admin.cursor().execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
                admin.cursor().execute('CREATE DATABASE "%s"' % name)

            try:
                url = base + "/" + name
                rows.append(bench_in_process(
                    "upgrade head, 300 revisions, PostgreSQL", os.path.join(work, "pg"), 300,
                    "postgresql", url, url.replace("postgresql://", "postgresql+psycopg2://"),
                    reset_pg, args.reps))
            finally:
                admin.cursor().execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
        rows.append(bench_import(os.path.join(work, "import"), args.reps,
                                 os.path.join(os.path.abspath(args.build), "strata")))
    print("| what | strata (s) | peer (s) | peer / strata |")
    print("|---|---|---|---|")
    for name, s, a in rows:
        print("| %s | %.3f | %.3f | %.1fx |" % (name, s, a, a / s))
    print("\nload average: %s (2 cores)" % " ".join("%.2f" % x for x in os.getloadavg()))


if __name__ == "__main__":
    main()
