#!/usr/bin/python3
"""Checks what an `upgrade head` left in the database, so that a tool that did less work cannot
post a better time: the generated tables (and indexes) are all there, and the version table, when
there is one (the psql floor has none), holds exactly the head. bench/run.sh runs it as hyperfine's
--cleanup, after each command's runs; a failure stops the bench.

Usage: check_db.py (--sqlite PATH | --pg URL) --tables N [--indexes N] --head REV [--log FILE]
(--log: also append the message to FILE, since hyperfine does not show a cleanup command's output)
"""
import argparse
import sys


def main():
    ap = argparse.ArgumentParser()
    db = ap.add_mutually_exclusive_group(required=True)
    db.add_argument("--sqlite")
    db.add_argument("--pg")
    ap.add_argument("--tables", type=int, required=True)
    ap.add_argument("--indexes", type=int)
    ap.add_argument("--head", required=True)
    ap.add_argument("--log")
    args = ap.parse_args()

    if args.sqlite:
        import sqlite3
        con = sqlite3.connect(f"file:{args.sqlite}?mode=ro", uri=True)
        tables = con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 't0%'").fetchone()[0]
        indexes = con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name LIKE 't0%_name_idx'").fetchone()[0]
        has_version = con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'").fetchone()[0]
        rows = [r[0] for r in con.execute("SELECT version_num FROM alembic_version")] if has_version else None
        where = args.sqlite
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
        where = args.pg
    con.close()

    problems = []
    if tables != args.tables:
        problems.append(f"{tables} tables, expected {args.tables}")
    if args.indexes is not None and indexes != args.indexes:
        problems.append(f"{indexes} indexes, expected {args.indexes}")
    if rows is not None and rows != [args.head]:
        problems.append(f"alembic_version holds {rows}, expected ['{args.head}']")
    if problems:
        msg = f"check_db: {where}: " + "; ".join(problems)
        print(msg, file=sys.stderr)
        if args.log:
            with open(args.log, "a") as f:
                print(msg, file=f)
        sys.exit(1)


if __name__ == "__main__":
    main()
