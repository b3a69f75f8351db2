"""Fixtures shared by the Python tests (run by ctest with Debian's /usr/bin/python3 -m pytest).

STRATA_BINARY names the strata executable, PYTHONPATH holds the built `strata` package; a
PostgreSQL server comes from STRATA_TEST_PG_URL (scripts/pg-test-cluster.sh). Without one the
PostgreSQL cases skip, unless STRATA_REQUIRE_PG=1, which makes them fail.
"""
import os
import shutil
import textwrap
import uuid

import pytest

# The generic env.py Alembic's `init` writes, reduced to what a project needs: offline mode
# renders SQL with literal values, online mode runs on the URL from alembic.ini.
ENV_PY = textwrap.dedent("""\
    from alembic import context
    from sqlalchemy import engine_from_config, pool

    config = context.config

    if context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=None,
                          literal_binds=True, dialect_opts={"paramstyle": "named"})
        with context.begin_transaction():
            context.run_migrations()
    else:
        connectable = engine_from_config(config.get_section(config.config_ini_section),
                                         prefix="sqlalchemy.", poolclass=pool.NullPool)
        with connectable.connect() as connection:
            context.configure(connection=connection, target_metadata=None)
            with context.begin_transaction():
                context.run_migrations()
    """)


def strata_binary():
    return os.environ["STRATA_BINARY"]


def pg_server_url():
    url = os.environ.get("STRATA_TEST_PG_URL", "")
    if not url:
        if os.environ.get("STRATA_REQUIRE_PG") == "1":
            pytest.fail("STRATA_REQUIRE_PG=1 but STRATA_TEST_PG_URL is not set")
        pytest.skip("no PostgreSQL (set STRATA_TEST_PG_URL, see scripts/pg-test-cluster.sh)")
    return url


class PgDatabase:
    """A fresh database on the test server, dropped afterwards."""

    def __init__(self, server_url):
        import psycopg2
        self.server_url = server_url
        self.name = "strata_py_" + uuid.uuid4().hex[:12]
        self._admin = psycopg2.connect(server_url)
        self._admin.autocommit = True
        self._admin.cursor().execute('CREATE DATABASE "%s"' % self.name)
        base, _, _ = server_url.rpartition("/")
        self.url = base + "/" + self.name

    def query(self, sql):
        import psycopg2
        with psycopg2.connect(self.url) as conn, conn.cursor() as cur:
            cur.execute(sql)
            rows = cur.fetchall() if cur.description else []
        conn.close()
        return rows

    def drop(self):
        self._admin.cursor().execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % self.name)
        self._admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """(dialect, strata URL, SQLAlchemy URL, query function) for a fresh database."""
    if request.param == "sqlite":
        import sqlite3
        path = tmp_path / "app.db"

        def query(sql):
            conn = sqlite3.connect(str(path))
            try:
                return conn.execute(sql).fetchall()
            finally:
                conn.close()

        yield ("sqlite", "sqlite:///%s" % path, "sqlite:///%s" % path, query)
        return
    db = PgDatabase(pg_server_url())
    try:
        yield ("postgresql", db.url, db.url, db.query)
    finally:
        db.drop()


def write_alembic_project(root, revisions, sqlalchemy_url="sqlite://"):
    """An Alembic project in root/alembic with root/alembic.ini; `revisions` maps a file name to
    the body of the revision module (header variables and functions)."""
    versions = os.path.join(root, "alembic", "versions")
    os.makedirs(versions, exist_ok=True)
    with open(os.path.join(root, "alembic", "env.py"), "w") as f:
        f.write(ENV_PY)
    with open(os.path.join(root, "alembic.ini"), "w") as f:
        f.write("[alembic]\nscript_location = alembic\nsqlalchemy.url = %s\n"
                % sqlalchemy_url.replace("%", "%%"))
    for name, body in revisions.items():
        with open(os.path.join(versions, name), "w") as f:
            f.write(textwrap.dedent(body))
    return os.path.join(root, "alembic.ini")


def set_alembic_url(ini, url):
    with open(ini) as f:
        lines = f.read().splitlines()
    lines = [("sqlalchemy.url = " + url.replace("%", "%%")) if l.startswith("sqlalchemy.url")
             else l for l in lines]
    with open(ini, "w") as f:
        f.write("\n".join(lines) + "\n")


@pytest.fixture
def alembic_available():
    if shutil.which("/usr/bin/alembic") is None:
        pytest.skip("Debian's alembic is not installed")
