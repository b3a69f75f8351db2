"""`strata import alembic` against real Alembic projects built here, run with Debian's Alembic:
a linear history, branches with labels and a merge, depends_on, an autocommit_block() index, a
data migration through op.get_bind() (flagged, exit 6), on SQLite and PostgreSQL; --verify on
the clean ones and on a conversion made wrong on purpose; and a database Alembic migrated half
way, continued by strata from the imported files."""
import json
import os
import subprocess

import pytest

from conftest import set_alembic_url, strata_binary, write_alembic_project

HEADER = '''\
"""{message}

Revision ID: {rev}
Revises: {down}
Create Date: 2026-01-0{day} 10:00:00

{doc}
"""
from alembic import op
import sqlalchemy as sa

revision = "{rev}"
down_revision = {down_py}
branch_labels = {labels}
depends_on = {depends}
'''


def revision(rev, down, message, upgrade, downgrade, labels=None, depends=None, doc="", day=1):
    down_py = repr(down) if not isinstance(down, list) else repr(tuple(down))
    text = HEADER.format(message=message, rev=rev, down=down or "", down_py=down_py,
                         labels=repr(labels), depends=repr(depends), doc=doc, day=day)
    text += "\n\ndef upgrade():\n" + "".join("    %s\n" % l for l in upgrade.splitlines())
    text += "\n\ndef downgrade():\n" + "".join("    %s\n" % l for l in downgrade.splitlines())
    return text


LINEAR = {
    "a1_users.py": revision(
        "a1", None, "create users",
        'op.create_table("users", sa.Column("id", sa.Integer, primary_key=True),\n'
        '                sa.Column("name", sa.String(50), nullable=False))',
        'op.drop_table("users")', doc="The users table.\nOne row per person.", day=1),
    "b2_email.py": revision(
        "b2", "a1", "add email", 'op.add_column("users", sa.Column("email", sa.String(100)))',
        'op.drop_column("users", "email")', day=2),
    "c3_orders.py": revision(
        "c3", "b2", "create orders",
        'op.create_table("orders", sa.Column("id", sa.Integer, primary_key=True),\n'
        '                sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id")))',
        'op.drop_table("orders")', day=3),
}

BRANCHES = {
    "a1_users.py": LINEAR["a1_users.py"],
    "b2_email.py": revision(
        "b2", "a1", "add email", 'op.add_column("users", sa.Column("email", sa.String(100)))',
        'op.drop_column("users", "email")', labels=("contact",), day=2),
    "c3_orders.py": revision(
        "c3", "a1", "create orders",
        'op.create_table("orders", sa.Column("id", sa.Integer, primary_key=True))',
        'op.drop_table("orders")', labels=("shop",), day=3),
    "d4_merge.py": revision("d4", ["b2", "c3"], "merge contact and shop", "pass", "pass", day=4),
    "e5_audit.py": revision(
        "e5", None, "audit log",
        'op.create_table("audit", sa.Column("id", sa.Integer, primary_key=True))',
        'op.drop_table("audit")', labels=("audit",), depends="c3", day=5),
    "f6_index.py": revision(
        "f6", "d4", "index email concurrently",
        'with op.get_context().autocommit_block():\n'
        '    op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)',
        'with op.get_context().autocommit_block():\n'
        '    op.drop_index("ix_users_email", table_name="users", postgresql_concurrently=True)',
        day=6),
}

DATA = dict(LINEAR)
DATA["d4_names.py"] = revision(
    "d4", "c3", "fill names",
    'conn = op.get_bind()\n'
    'for (uid,) in conn.execute(sa.text("SELECT id FROM users")).fetchall():\n'
    '    conn.execute(sa.text("UPDATE users SET name = :n WHERE id = :i"), {"n": "x", "i": uid})',
    "pass", day=4)


def strata(*args, cwd, env=None, check=None):
    run_env = dict(os.environ, **(env or {}))
    run_env.pop("STRATA_URL", None)
    proc = subprocess.run([strata_binary(), *args], cwd=cwd, env=run_env, capture_output=True,
                          text=True, timeout=300)
    if check is not None:
        assert proc.returncode == check, (proc.returncode, proc.stdout, proc.stderr)
    return proc


def parse(path):
    with open(path) as f:
        return f.read()


def import_json(tmp_path, dialect, *extra, check=0):
    proc = strata("--format", "json", "import", "alembic", "alembic.ini", "--out", "converted",
                  "--dialect", dialect, *extra, cwd=tmp_path, check=check)
    return json.loads(proc.stdout), proc


def dialects():
    return ["sqlite", "postgresql"]


@pytest.mark.parametrize("dialect", dialects())
def test_linear_history_converts_with_ids_parents_message_date_and_docstring(tmp_path, dialect):
    write_alembic_project(str(tmp_path), LINEAR)
    doc, _ = import_json(tmp_path, dialect)
    assert [r["revision"] for r in doc["revisions"]] == ["a1", "b2", "c3"]
    assert doc["warned"] == 0 and doc["ok"]
    text = parse(tmp_path / "converted" / "a1_create_users.sql")
    assert "-- Revision ID: a1\n" in text
    assert "-- Create Date: 2026-01-01 10:00:00\n" in text
    assert "-- The users table.\n-- One row per person.\n" in text
    assert "CREATE TABLE users" in text and "DROP TABLE users" in text
    assert "alembic_version" not in text and "BEGIN" not in text and "COMMIT" not in text
    b2 = parse(tmp_path / "converted" / "b2_add_email.sql")
    assert "-- Revises: a1\n" in b2 and "ADD COLUMN email VARCHAR(100)" in b2
    # The converted folder is a valid strata history with the same head.
    heads = strata("--dir", "converted", "--format", "json", "heads", cwd=tmp_path, check=0)
    assert [h["revision"] for h in json.loads(heads.stdout)["heads"]] == ["c3"]
    # Importing again changes nothing; a file edited since is refused, naming it (exit 3).
    again, _ = import_json(tmp_path, dialect)
    assert all(r["unchanged"] for r in again["revisions"])
    with open(tmp_path / "converted" / "b2_add_email.sql", "a") as f:
        f.write("-- edited\n")
    _, proc = import_json(tmp_path, dialect, check=3)
    assert "b2_add_email.sql exists and differs" in proc.stderr


@pytest.mark.parametrize("dialect", dialects())
def test_branches_labels_merge_depends_on_and_autocommit_block(tmp_path, dialect):
    write_alembic_project(str(tmp_path), BRANCHES)
    doc, _ = import_json(tmp_path, dialect)
    by_id = {r["revision"]: r for r in doc["revisions"]}
    assert set(by_id) == {"a1", "b2", "c3", "d4", "e5", "f6"}
    d4 = parse(by_id["d4"]["path"] if os.path.isabs(by_id["d4"]["path"])
               else tmp_path / by_id["d4"]["path"])
    assert "-- Revises: b2, c3\n" in d4
    b2 = parse(tmp_path / by_id["b2"]["path"])
    assert "-- Branch Labels: contact\n" in b2
    e5 = parse(tmp_path / by_id["e5"]["path"])
    assert "-- Depends On: c3\n" in e5 and "-- Branch Labels: audit\n" in e5
    f6 = parse(tmp_path / by_id["f6"]["path"])
    assert "-- Transactional: false\n" in f6
    assert by_id["f6"]["transactional"] is False and by_id["a1"]["transactional"] is True
    if dialect == "postgresql":
        assert "CREATE INDEX CONCURRENTLY ix_users_email" in f6
    assert "COMMIT" not in f6 and "BEGIN" not in f6
    assert doc["warned"] == 0


@pytest.mark.parametrize("dialect", dialects())
def test_get_bind_data_migration_is_flagged_and_exits_6(tmp_path, dialect):
    write_alembic_project(str(tmp_path), DATA)
    doc, proc = import_json(tmp_path, dialect, check=6)
    assert doc["warned"] == 1 and not doc["ok"]
    flagged = [r for r in doc["revisions"] if r["warnings"]]
    assert [r["revision"] for r in flagged] == ["d4"]
    text = parse(tmp_path / flagged[0]["path"])
    assert "-- strata:import-warning: calls get_bind() at alembic/versions/d4_names.py:" in text
    # Written all the same, so a person can fill in the SQL; the summary names it.
    assert "d4" in proc.stderr and "get_bind()" in proc.stderr


def test_is_offline_mode_and_batch_without_copy_from_are_flagged(tmp_path):
    revs = dict(LINEAR)
    revs["d4_branchy.py"] = revision(
        "d4", "c3", "offline aware",
        'if not op.get_context().is_offline_mode():\n    op.execute("DELETE FROM orders")',
        "pass", day=4)
    revs["e5_batch.py"] = revision(
        "e5", "d4", "batch rename",
        'with op.batch_alter_table("orders") as batch:\n'
        '    batch.alter_column("user_id", new_column_name="owner_id")',
        'with op.batch_alter_table("orders") as batch:\n'
        '    batch.alter_column("owner_id", new_column_name="user_id")', day=5)
    write_alembic_project(str(tmp_path), revs)
    doc, _ = import_json(tmp_path, "sqlite", check=6)
    warnings = {r["revision"]: " ".join(r["warnings"]) for r in doc["revisions"]}
    assert "is_offline_mode()" in warnings["d4"]
    assert "batch_alter_table() without copy_from" in warnings["e5"]
    assert warnings["a1"] == ""


def scratch_args(dialect):
    if dialect == "sqlite":
        return []
    from conftest import pg_server_url
    return ["--scratch-url", pg_server_url()]


@pytest.mark.parametrize("dialect", dialects())
def test_verify_passes_on_clean_histories_and_names_an_injected_difference(tmp_path, dialect):
    write_alembic_project(str(tmp_path), BRANCHES)
    doc, _ = import_json(tmp_path, dialect, "--verify", *scratch_args(dialect))
    assert doc["verify"]["ok"] is True
    assert set(doc["verify"]["checked"]) == {"a1", "b2", "c3", "d4", "e5", "f6"}
    # A wrong conversion: the email column gets another type.
    path = tmp_path / "converted" / "b2_add_email.sql"
    text = parse(path).replace("email VARCHAR(100)", "email VARCHAR(20)")
    with open(path, "w") as f:
        f.write(text)
    proc = strata("--format", "json", "import", "alembic", "alembic.ini", "--out", "converted",
                  "--dialect", dialect, "--verify-only", *scratch_args(dialect), cwd=tmp_path,
                  check=6)
    verify = json.loads(proc.stdout)["verify"]
    assert verify["ok"] is False
    assert [(d["revision"], d["direction"]) for d in verify["differences"]] == [("b2", "upgrade")]
    # SQLite snapshots a table as one object, PostgreSQL each column.
    assert verify["differences"][0]["differences"][0]["name"] in ("users", "public.users.email")
    assert "b2" in proc.stderr


@pytest.mark.parametrize("dialect", dialects())
def test_database_alembic_migrated_half_way_is_continued_by_strata(tmp_path, database, dialect):
    kind, strata_url, sa_url, query = database
    if kind != dialect:
        pytest.skip("one dialect per database")
    ini = write_alembic_project(str(tmp_path), LINEAR)
    set_alembic_url(ini, sa_url)
    subprocess.run(["/usr/bin/alembic", "-c", ini, "upgrade", "b2"], check=True,
                   capture_output=True, cwd=tmp_path)
    import_json(tmp_path, dialect)
    current = strata("--url", strata_url, "--dir", "converted", "current", cwd=tmp_path, check=0)
    assert current.stdout.strip() == "b2"
    strata("--url", strata_url, "--dir", "converted", "upgrade", "head", cwd=tmp_path, check=0)
    assert query("SELECT version_num FROM alembic_version") == [("c3",)]
    assert len(query("SELECT * FROM orders")) == 0  # the table strata created
    # And Alembic still reads the database strata moved on.
    out = subprocess.run(["/usr/bin/alembic", "-c", ini, "current"], check=True,
                         capture_output=True, text=True, cwd=tmp_path)
    assert "c3" in out.stdout


def test_a_project_alembic_cannot_read_is_exit_3_naming_it(tmp_path):
    revs = {"a1_broken.py": revision("a1", "zz", "broken", "pass", "pass")}
    write_alembic_project(str(tmp_path), revs)
    _, proc = import_json(tmp_path, "sqlite", check=3)
    assert "alembic.ini" in proc.stderr and "zz" in proc.stderr
    proc = strata("import", "alembic", "missing.ini", cwd=tmp_path, check=3)
    assert "missing.ini does not exist" in proc.stderr
