#!/usr/bin/python3
"""Alembic and strata taking turns on one database (DESIGN §5), with the real Alembic.

Usage: /usr/bin/python3 tests/interop/interop_test.py PATH/TO/strata

Both tools get migrations with the same revision ids and the same SQL: Alembic as .py files,
strata as .sql files. For SQLite always, and PostgreSQL when STRATA_TEST_PG_URL is set (a fresh
database per test; STRATA_REQUIRE_PG=1 turns a missing URL into a failure):
  - a database Alembic migrated to X reads as X in `strata current`, and strata upgrades it on;
  - a database strata migrated reads as its revision in `alembic current`, and Alembic upgrades
    it on; each tool then also downgrades what the other applied.
Runs Debian's /usr/bin/alembic (python3-alembic), which needs Debian's /usr/bin/python3.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest
import uuid

STRATA = None  # set from argv
ALEMBIC = "/usr/bin/alembic"

# (id, parent, upgrade SQL, downgrade SQL); ids as Alembic generates them (12 hex digits).
REVISIONS = [
    ("1975ea83b712", None, "CREATE TABLE accounts (id integer PRIMARY KEY, name text)",
     "DROP TABLE accounts"),
    ("3f2a9c1b7d4e", "1975ea83b712", "ALTER TABLE accounts ADD COLUMN email text",
     "ALTER TABLE accounts DROP COLUMN email"),
    ("ae1027a6acf5", "3f2a9c1b7d4e", "CREATE TABLE invoices (id integer PRIMARY KEY, total integer)",
     "DROP TABLE invoices"),
    ("d4b6e8f0a2c1", "ae1027a6acf5", "CREATE INDEX invoices_total_idx ON invoices (total)",
     "DROP INDEX invoices_total_idx"),
]
IDS = [r[0] for r in REVISIONS]
HEAD = IDS[-1]

ENV_PY = textwrap.dedent("""\
    from alembic import context
    from sqlalchemy import engine_from_config, pool

    config = context.config
    connectable = engine_from_config(config.get_section(config.config_ini_section),
                                     prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()
    """)


def write_projects(root, sqlalchemy_url):
    """Alembic project in root/alembic (+ alembic.ini), strata migrations in root/migrations."""
    versions = os.path.join(root, "alembic", "versions")
    os.makedirs(versions)
    os.makedirs(os.path.join(root, "migrations"))
    with open(os.path.join(root, "alembic", "env.py"), "w") as f:
        f.write(ENV_PY)
    with open(os.path.join(root, "alembic.ini"), "w") as f:
        f.write("[alembic]\nscript_location = %s\nsqlalchemy.url = %s\n" %
                (os.path.join(root, "alembic"), sqlalchemy_url.replace("%", "%%")))
    for rev, parent, up, down in REVISIONS:
        with open(os.path.join(versions, "%s_step.py" % rev), "w") as f:
            f.write(textwrap.dedent("""\
                from alembic import op

                revision = %r
                down_revision = %r
                branch_labels = None
                depends_on = None


                def upgrade():
                    op.execute(%r)


                def downgrade():
                    op.execute(%r)
                """) % (rev, parent, up, down))
        with open(os.path.join(root, "migrations", "%s_step.sql" % rev), "w") as f:
            f.write("-- step %s\n--\n-- Revision ID: %s\n-- Revises: %s\n"
                    "-- Create Date: 2026-02-09 10:21:33\n\n"
                    "-- migrate:upgrade\n%s;\n\n-- migrate:downgrade\n%s;\n" %
                    (rev, rev, parent or "", up, down))


class Interop:
    """The scenarios; mixed into one TestCase per backend, which provides make_database()."""

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="strata-interop-")
        self.strata_url, sqlalchemy_url = self.make_database()
        write_projects(self.root, sqlalchemy_url)

    def tearDown(self):
        self.drop_database()
        shutil.rmtree(self.root, ignore_errors=True)

    def run_tool(self, argv):
        env = dict(os.environ)
        for name in ("STRATA_URL", "DATABASE_URI", "DATABASE_URL", "STRATA_CONFIG"):
            env.pop(name, None)
        p = subprocess.run(argv, cwd=self.root, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=120)
        return p.returncode, p.stdout, p.stderr

    def strata(self, *args, expect=0):
        code, out, err = self.run_tool(
            [STRATA, "--url", self.strata_url, "--dir", os.path.join(self.root, "migrations")] +
            list(args))
        self.assertEqual(code, expect, "strata %s: exit %d\n%s%s" % (" ".join(args), code, out, err))
        return out

    def alembic(self, *args):
        code, out, err = self.run_tool([ALEMBIC, "-c", os.path.join(self.root, "alembic.ini")] +
                                       list(args))
        self.assertEqual(code, 0, "alembic %s: exit %d\n%s%s" % (" ".join(args), code, out, err))
        return out + err

    def alembic_current(self):
        # `alembic current` prints "<rev>" or "<rev> (head)" on stdout, logging on stderr.
        code, out, err = self.run_tool([ALEMBIC, "-c", os.path.join(self.root, "alembic.ini"),
                                        "current"])
        self.assertEqual(code, 0, err)
        return out.strip()

    def test_alembic_then_strata(self):
        self.alembic("upgrade", IDS[1])
        self.assertEqual(self.strata("current").strip(), IDS[1])
        self.strata("upgrade", "head")
        self.assertEqual(self.strata("current").strip(), HEAD + " (head)")
        self.assertEqual(self.alembic_current(), HEAD + " (head)")
        self.assertEqual(self.tables(), ["accounts", "invoices"])
        # strata ran only what Alembic had not.
        out = self.strata("history")
        self.assertIn(HEAD, out)
        # And Alembic can undo what strata did.
        self.alembic("downgrade", IDS[1])
        self.assertEqual(self.strata("current").strip(), IDS[1])
        self.assertEqual(self.tables(), ["accounts"])

    def test_strata_then_alembic(self):
        self.strata("upgrade", IDS[2])
        self.assertEqual(self.alembic_current(), IDS[2])
        self.alembic("upgrade", "head")
        self.assertEqual(self.alembic_current(), HEAD + " (head)")
        self.assertEqual(self.strata("current").strip(), HEAD + " (head)")
        self.strata("check")
        # strata undoes what Alembic did, down to base.
        self.strata("downgrade", "base")
        self.assertEqual(self.strata("current").strip(), "")
        self.assertEqual(self.alembic_current(), "")
        self.assertEqual(self.tables(), [])

    def test_version_table_layout_is_alembics(self):
        self.strata("upgrade", IDS[0])
        self.alembic("stamp", IDS[1])  # Alembic writes into strata's table without complaint
        self.assertEqual(self.strata("current").strip(), IDS[1])
        self.assertEqual(self.version_rows(), [IDS[1]])


class SqliteInterop(Interop, unittest.TestCase):
    def make_database(self):
        path = os.path.join(self.root, "app.db")
        return "sqlite:///" + path, "sqlite:///" + path

    def drop_database(self):
        pass

    def query(self, sql):
        import sqlite3
        con = sqlite3.connect(os.path.join(self.root, "app.db"))
        try:
            return [r[0] for r in con.execute(sql)]
        finally:
            con.close()

    def tables(self):
        return self.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN "
                          "('accounts', 'invoices') ORDER BY name")

    def version_rows(self):
        return self.query("SELECT version_num FROM alembic_version")


class PostgresInterop(Interop, unittest.TestCase):
    def setUp(self):
        self.admin = os.environ.get("STRATA_TEST_PG_URL", "")
        if not self.admin:
            if os.environ.get("STRATA_REQUIRE_PG") == "1":
                self.fail("STRATA_REQUIRE_PG=1 but STRATA_TEST_PG_URL is not set")
            self.skipTest("no PostgreSQL in this run (set STRATA_TEST_PG_URL)")
        super().setUp()

    def admin_execute(self, sql):
        import psycopg2
        con = psycopg2.connect(self.admin)
        con.autocommit = True
        try:
            con.cursor().execute(sql)
        finally:
            con.close()

    def make_database(self):
        self.database = "strata_interop_" + uuid.uuid4().hex[:12]
        self.admin_execute("CREATE DATABASE " + self.database)
        base, _, query = self.admin.partition("?")
        url = base.rsplit("/", 1)[0] + "/" + self.database + ("?" + query if query else "")
        return url, url

    def drop_database(self):
        self.admin_execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.database)

    def query(self, sql):
        import psycopg2
        con = psycopg2.connect(self.strata_url)
        try:
            cur = con.cursor()
            cur.execute(sql)
            return [r[0] for r in cur.fetchall()]
        finally:
            con.close()

    def tables(self):
        return self.query("SELECT tablename::text FROM pg_tables WHERE tablename IN "
                          "('accounts', 'invoices') ORDER BY 1")

    def version_rows(self):
        return self.query("SELECT version_num FROM alembic_version")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: interop_test.py PATH/TO/strata [unittest args]")
    STRATA = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
