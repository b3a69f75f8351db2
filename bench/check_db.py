#!/usr/bin/python3
"""Checks what an `upgrade head` left in the database, so that a tool that did less work cannot
post a better time: the generated tables (and indexes) are all there, and the version table, when
there is one (the psql floor has none), holds exactly the head. bench/run.sh runs it as hyperfine's
--cleanup, after each command's runs; a failure stops the bench.

Usage: check_db.py (--sqlite PATH | --pg URL) --tables N [--indexes N] --head REV [--require-version] [--log FILE]
(--log: also append the message to FILE, since hyperfine does not show a cleanup command's output)
"""
import argparse
import sys


def inspect(args):
    """Returns (generated tables, generated indexes, alembic_version rows or None when no table)."""
    if args.sqlite:
        import sqlite3
        con = sqlite3.connect(f"file:{args.sqlite}?mode=ro", uri=True)
        tables = con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 't0%'").fetchone()[0]
        indexes = con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name LIKE 't0%_name_idx'").fetchone()[0]
        has_version = con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'").fetchone()[0]
        rows = [r[0] for r in con.execute("SELECT version_num FROM alembic_version")] if has_version else None
    else:
        import psycopg2
        con = psycopg2.connect(args.pg)
        cur = con.cursor()
        cur.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 't0%'")
        tables = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND indexname LIKE 't0%_name_idx'")
        indexes = cur.fetchone()[0]
        cur.execute("SELECT to_regclass('alembic_version') IS NOT NULL")
        rows = None
        if cur.fetchone()[0]:
            cur.execute("SELECT version_num FROM alembic_version")
            rows = [r[0] for r in cur.fetchall()]

    con.close()
    return tables, indexes, rows


def main():
    ap = argparse.ArgumentParser()
    db = ap.add_mutually_exclusive_group(required=True)
    db.add_argument("--sqlite")
    db.add_argument("--pg")
    ap.add_argument("--tables", type=int, required=True)
    ap.add_argument("--indexes", type=int)
    ap.add_argument("--head", required=True)
    ap.add_argument("--log")
    ap.add_argument("--require-version", action="store_true",
                    help="fail when there is no version table (without it, only the psql floor may lack one)")
    args = ap.parse_args()

    def fail(msg):
        msg = f"check_db: {args.sqlite or args.pg}: {msg}"
        print(msg, file=sys.stderr)
        if args.log:
            with open(args.log, "a") as f:
                print(msg, file=f)
        sys.exit(1)

    try:
        tables, indexes, rows = inspect(args)
    except Exception as e:  # a missing file, a refused connection: say which, in one line
        fail(f"cannot read: {e}")

    problems = []
    if tables != args.tables:
        problems.append(f"{tables} tables, expected {args.tables}")
    if args.indexes is not None and indexes != args.indexes:
        problems.append(f"{indexes} indexes, expected {args.indexes}")
    if rows is None and args.require_version:
        problems.append("no alembic_version table")
    elif rows is not None and rows != [args.head]:
        problems.append(f"alembic_version holds {rows}, expected ['{args.head}']")
    if problems:
        fail("; ".join(problems))


if __name__ == "__main__":
    main()
