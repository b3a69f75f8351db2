"""The Python module `strata`, in-process, on SQLite and PostgreSQL: every function and the
fields it returns (those of `strata --format json`), each exception class, logging to the
`strata` logger only, Ctrl-C during a long revision, and concurrent upgrades from threads and
from processes applying each revision once."""
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

import strata
from conftest import strata_binary

REVISIONS = [
    ("1a2b3c4d5e6f", "", "create users", "CREATE TABLE users (id integer PRIMARY KEY, name text);",
     "DROP TABLE users;"),
    ("2b3c4d5e6f70", "1a2b3c4d5e6f", "add email", "ALTER TABLE users ADD COLUMN email text;",
     "ALTER TABLE users DROP COLUMN email;"),
    ("3c4d5e6f7081", "2b3c4d5e6f70", "create orders",
     "CREATE TABLE orders (id integer PRIMARY KEY, user_id integer);", "DROP TABLE orders;"),
]
HEAD = REVISIONS[-1][0]


def write_revision(folder, rev, parent, message, up, down):
    with open(os.path.join(folder, "%s_%s.sql" % (rev, message.replace(" ", "_"))), "w") as f:
        f.write("-- %s\n--\n-- Revision ID: %s\n-- Revises: %s\n\n-- migrate:upgrade\n%s\n\n"
                "-- migrate:downgrade\n%s\n" % (message, rev, parent, up, down))


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A migrations folder with REVISIONS; the working folder is tmp_path, with no strata.toml
    and no URL in the environment."""
    for name in ("STRATA_URL", "DATABASE_URI", "DATABASE_URL", "STRATA_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "migrations"
    folder.mkdir()
    for r in REVISIONS:
        write_revision(str(folder), *r)
    return folder


def cli_json(url, folder, *args):
    proc = subprocess.run([strata_binary(), "--url", url, "--dir", str(folder), "--format",
                           "json", *args], capture_output=True, text=True, timeout=120)
    return json.loads(proc.stdout)


def test_every_function_returns_the_cli_json_fields(project, database):
    dialect, url, _, query = database
    d = str(project)
    up = strata.upgrade("2b3c", url=url, directory=d)
    assert up["command"] == "upgrade" and up["heads_after"] == ["2b3c4d5e6f70"]
    assert [s["revision"] for s in up["steps"]] == ["1a2b3c4d5e6f", "2b3c4d5e6f70"]
    assert "password" not in up["database"]
    with pytest.raises(strata.Pending) as pending:
        strata.check(url=url, directory=d)
    assert pending.value.document["pending"] == [HEAD] and pending.value.exit_code == 6
    up = strata.upgrade(url=url, directory=d)
    assert up["heads_before"] == ["2b3c4d5e6f70"] and up["heads_after"] == [HEAD]
    # The same documents as the command line's --format json, key for key.
    cur = strata.current(url=url, directory=d)
    assert cur == cli_json(url, project, "current")
    assert strata.check(url=url, directory=d) == cli_json(url, project, "check")
    assert strata.heads(directory=d) == cli_json(url, project, "heads")
    assert strata.history(directory=d, verbose=True) == cli_json(url, project, "history",
                                                                "--verbose")
    assert strata.history("current:", url=url, directory=d) == cli_json(url, project, "history",
                                                                       "-r", "current:")
    assert [r["revision"] for r in cur["current"]] == [HEAD]
    down = strata.downgrade("-1", url=url, directory=d)
    assert set(down) == {"command", "target", "database", "heads_before", "heads_after",
                         "steps"}
    assert set(down["steps"][0]) == {"revision", "direction", "from", "to", "message",
                                     "duration_ms"}
    assert down["heads_after"] == ["2b3c4d5e6f70"]
    assert query("SELECT version_num FROM alembic_version") == [("2b3c4d5e6f70",)]
    st = strata.stamp("base", url=url, directory=d, purge=True)
    assert st["heads_after"] == [] and st["command"] == "stamp"
    st = strata.stamp(HEAD, url=url, directory=d)
    assert st["heads_after"] == [HEAD]
    status = strata.status(url=url, directory=d, runs=3)
    assert status == cli_json(url, project, "status", "-n", "3") or (
        # recent runs carry durations and times: compare what does not move
        {k: v for k, v in status.items() if k != "schema"}
        == {k: v for k, v in cli_json(url, project, "status", "-n", "3").items()
            if k != "schema"})
    assert status["up_to_date"] and status["current"] == [HEAD] and len(status["recent_runs"]) == 3
    lint = strata.lint(directory=d, dialect=dialect)
    assert set(lint) == {"findings", "notes", "skipped_rules", "summary"}
    assert lint["summary"]["revisions"] == 3
    scratch = {"scratch_url": os.environ["STRATA_TEST_PG_URL"]} if dialect == "postgresql" else {}
    report = strata.verify(url=url, directory=d, **scratch)
    assert report["ok"] and report["checked"] == [r[0] for r in REVISIONS]


def test_settings_come_from_the_environment_and_strata_toml_as_on_the_command_line(
        project, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URI", "sqlite:from_env.db")
    assert strata.upgrade(directory=str(project))["database"] == "sqlite:from_env.db"
    monkeypatch.delenv("DATABASE_URI")
    (tmp_path / "strata.toml").write_text('url = "sqlite:from_toml.db"\ndir = "migrations"\n')
    assert strata.current()["database"] == "sqlite:from_toml.db"
    assert strata.upgrade()["heads_after"] == [HEAD]
    assert os.path.exists(tmp_path / "from_toml.db")


def test_each_exception_class(project, tmp_path, database):
    dialect, url, _, query = database
    d = str(project)
    with pytest.raises(strata.UsageError) as e:
        strata.upgrade("zzzz", url=url, directory=d)
    assert e.value.exit_code == 2 and "zzzz" in str(e.value)
    bad = tmp_path / "bad"
    bad.mkdir()
    write_revision(str(bad), "4d5e6f708192", "", "broken", "SELECT * FROM no_such_table;", "")
    with pytest.raises(strata.MigrationFailed) as e:
        strata.upgrade(url=url, directory=str(bad))
    assert e.value.exit_code == 1 and e.value.revision == "4d5e6f708192"
    assert e.value.file.endswith("4d5e6f708192_broken.sql") and e.value.line == 7
    (bad / "x_junk.sql").write_text("-- junk\n")
    with pytest.raises(strata.InvalidScripts) as e:
        strata.heads(directory=str(bad))
    assert e.value.exit_code == 3 and "x_junk.sql" in str(e.value)
    with pytest.raises(strata.ConnectionFailed) as e:
        strata.current(url="postgresql://app:secret@127.0.0.1:1/app", directory=d)
    assert e.value.exit_code == 4 and "secret" not in str(e.value)
    strata.upgrade(url=url, directory=d)
    strata.stamp(HEAD, url=url, directory=d)
    query("SELECT 1")  # the database is reachable from the test
    write_revision(d, "5e6f70819203", HEAD, "later", "CREATE TABLE later (id integer);",
                   "DROP TABLE later;")
    with pytest.raises(strata.Pending) as e:
        strata.check(url=url, directory=d)
    assert e.value.exit_code == 6 and "5e6f70819203" in str(e.value)
    assert issubclass(strata.BackupFailed, strata.Error) and strata.BackupFailed.exit_code == 8


def test_lint_reports_pending_revisions_of_the_database_and_raises_pending(project, tmp_path):
    d = str(project)
    url = "sqlite:///%s" % (tmp_path / "lint.db")
    strata.upgrade(url=url, directory=d)
    # A new revision that drops a column: an error-level finding (dropping-column).
    write_revision(d, "4d5e6f708192", HEAD, "drop email", "ALTER TABLE users DROP COLUMN email;",
                   "ALTER TABLE users ADD COLUMN email text;")
    with pytest.raises(strata.Pending) as e:
        strata.lint(url=url, directory=d, dialect="postgresql")
    doc = e.value.document
    assert doc["summary"]["history"] == "database"
    assert ("4d5e6f708192", "dropping-column") in {(f["revision"], f["rule"]) for f in doc["findings"]}
    assert doc == cli_json(url, project, "lint", "--dialect", "postgresql")


def test_needs_person_and_lock_timeout(project, tmp_path):
    db = tmp_path / "app.db"
    url = "sqlite:///%s" % db
    strata.upgrade(url=url, directory=str(project))
    conn = sqlite3.connect(str(db))
    conn.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    conn.commit()
    with pytest.raises(strata.NeedsPerson) as e:
        strata.current(url=url, directory=str(project))
    assert e.value.exit_code == 7 and "ffffffffffff" in str(e.value)
    conn.execute("UPDATE alembic_version SET version_num = ?", (REVISIONS[0][0],))
    conn.commit()
    # Another writer holds the database: the migration lock is not had within lock_timeout.
    (tmp_path / "strata.toml").write_text("lock_timeout = 1\n")
    conn.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(strata.LockTimeout) as e:
            strata.upgrade(url=url, directory=str(project), config=str(tmp_path / "strata.toml"))
        assert e.value.exit_code == 5
    finally:
        conn.rollback()
        conn.close()


def test_logging_goes_to_the_strata_logger_only_and_is_never_configured(project, tmp_path):
    root = logging.getLogger()
    before = (list(root.handlers), root.level, logging.getLogger("strata").handlers[:])
    records = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Collect(level=logging.DEBUG)
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    try:
        strata.upgrade(url="sqlite:///%s" % (tmp_path / "l.db"), directory=str(project))
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    assert (list(root.handlers), root.level, logging.getLogger("strata").handlers) == before
    assert records and {r.name for r in records} == {"strata"}
    assert any("Running upgrade <base> -> 1a2b3c4d5e6f" in r.getMessage() for r in records)


def sqlite_heads(path):
    conn = sqlite3.connect(str(path))
    try:
        return sorted(r[0] for r in conn.execute("SELECT version_num FROM alembic_version"))
    finally:
        conn.close()


def test_upgrade_with_backup_writes_a_backup_and_manifest_first_then_migrates(
        project, tmp_path, caplog):
    (tmp_path / "strata.toml").write_text('backup_dir = "bk"\n')
    db = tmp_path / "b.db"
    url = "sqlite:///%s" % db
    d = str(project)
    strata.upgrade("2b3c", url=url, directory=d)
    conn = sqlite3.connect(str(db))
    conn.execute("INSERT INTO users (id, name) VALUES (1, 'ada')")
    conn.commit()
    conn.close()
    with caplog.at_level(logging.INFO, logger="strata"):
        up = strata.upgrade(url=url, directory=d, backup=True)
    assert up["heads_after"] == [HEAD] and [s["revision"] for s in up["steps"]] == [HEAD]
    assert sqlite_heads(db) == [HEAD]
    taken = up["backup"]
    manifest = taken["backup"]
    path = manifest["path"]
    assert os.path.dirname(os.path.abspath(path)) == str(tmp_path / "bk")
    assert os.path.basename(path).startswith("pre_migration_") and path.endswith(".db")
    assert os.stat(path).st_mode & 0o777 == 0o600
    with open(path + ".json") as f:
        on_disk = json.load(f)
    assert on_disk["heads"] == ["2b3c4d5e6f70"] and on_disk["sha256"] == manifest["sha256"]
    # The backup holds the database as it was before the upgrade.
    assert manifest["heads"] == ["2b3c4d5e6f70"] and manifest["table_rows"]["users"] == 1
    assert sqlite_heads(path) == ["2b3c4d5e6f70"]
    assert taken["removed"] == [] and taken["kept_for_revision"] == []
    # The same document as `strata upgrade --backup --format json`, key for key.
    cli_db = tmp_path / "cli.db"
    strata.upgrade("2b3c", url="sqlite:///%s" % cli_db, directory=d)
    cli = cli_json("sqlite:///%s" % cli_db, project, "upgrade", "--backup")
    assert set(cli) == set(up) and set(cli["backup"]) == set(taken)
    assert set(cli["backup"]["backup"]) == set(manifest)
    messages = [r.getMessage() for r in caplog.records if r.name == "strata"]
    assert any(m.startswith("Backup written: " + path) for m in messages)
    assert messages.index(next(m for m in messages if m.startswith("Backup written"))) < \
        messages.index(next(m for m in messages if m.startswith("Running upgrade")))


def test_backup_before_upgrade_in_strata_toml_backs_up_as_on_the_command_line(project, tmp_path):
    (tmp_path / "strata.toml").write_text('backup_dir = "bk"\nbackup_before_upgrade = true\n')
    db = tmp_path / "t.db"
    up = strata.upgrade(url="sqlite:///%s" % db, directory=str(project))
    assert up["backup"] is not None and os.path.exists(up["backup"]["backup"]["path"])
    assert up["backup"]["backup"]["heads"] == [] and sqlite_heads(db) == [HEAD]


def test_upgrade_with_backup_takes_none_when_nothing_is_pending(project, tmp_path):
    (tmp_path / "strata.toml").write_text('backup_dir = "bk"\n')
    url = "sqlite:///%s" % (tmp_path / "n.db")
    strata.upgrade(url=url, directory=str(project))
    up = strata.upgrade(url=url, directory=str(project), backup=True)
    assert up["backup"] is None and up["steps"] == []
    assert not (tmp_path / "bk").exists() or os.listdir(tmp_path / "bk") == []
    # Without backup, the document still has "backup", as the command line's.
    assert strata.upgrade(url=url, directory=str(project))["backup"] is None


def test_a_backup_that_cannot_be_written_raises_backup_failed_and_migrates_nothing(
        project, tmp_path):
    (tmp_path / "plain_file").write_text("not a folder\n")
    (tmp_path / "strata.toml").write_text('backup_dir = "plain_file/bk"\n')
    db = tmp_path / "f.db"
    url = "sqlite:///%s" % db
    strata.upgrade("1a2b", url=url, directory=str(project))
    with pytest.raises(strata.BackupFailed) as e:
        strata.upgrade(url=url, directory=str(project), backup=True)
    assert e.value.exit_code == 8 and "nothing was migrated" in str(e.value)
    assert "plain_file" in str(e.value)
    assert sqlite_heads(db) == ["1a2b3c4d5e6f"]
    assert (tmp_path / "plain_file").read_text() == "not a folder\n"


SLOW = {
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 4000000000) "
              "SELECT count(*) FROM c;",
    "postgresql": "SELECT pg_sleep(120);",
}


def test_keyboard_interrupt_during_a_long_revision_rolls_it_back(project, database):
    dialect, url, _, query = database
    d = str(project)
    strata.upgrade(HEAD, url=url, directory=d)
    write_revision(d, "4d5e6f708192", HEAD, "slow", "CREATE TABLE slow_t (id integer);\n" +
                   SLOW[dialect], "DROP TABLE slow_t;")
    started = threading.Event()

    class Watch(logging.Handler):
        def emit(self, record):
            if "4d5e6f708192" in record.getMessage():
                started.set()

    watch = Watch()
    logging.getLogger("strata").addHandler(watch)
    logging.getLogger("strata").setLevel(logging.INFO)

    def press_ctrl_c():
        assert started.wait(60)
        if dialect == "postgresql":  # wait until the statement runs on the server
            deadline = time.monotonic() + 60
            while not query("SELECT 1 FROM pg_stat_activity WHERE query LIKE '%pg_sleep(120)%' "
                            "AND pid <> pg_backend_pid()"):
                assert time.monotonic() < deadline
                time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGINT)

    presser = threading.Thread(target=press_ctrl_c)
    presser.start()
    t0 = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            strata.upgrade(url=url, directory=d)
    finally:
        presser.join()
        logging.getLogger("strata").removeHandler(watch)
    assert time.monotonic() - t0 < 60
    assert query("SELECT version_num FROM alembic_version") == [(HEAD,)]
    tables = ("SELECT name FROM sqlite_master WHERE name = 'slow_t'" if dialect == "sqlite" else
              "SELECT tablename FROM pg_tables WHERE tablename = 'slow_t'")
    assert query(tables) == []
    # And the next run applies it (here without the slow statement).
    write_revision(d, "4d5e6f708192", HEAD, "slow", "CREATE TABLE slow_t (id integer);",
                   "DROP TABLE slow_t;")
    assert strata.upgrade(url=url, directory=d)["heads_after"] == ["4d5e6f708192"]


def applied_once(query):
    rows = query("SELECT revision FROM strata_log WHERE direction = 'upgrade' AND status = 'done'")
    return sorted(r[0] for r in rows)


def test_concurrent_upgrades_from_threads_apply_each_revision_once(project, database):
    dialect, url, _, query = database
    errors = []

    def run():
        try:
            strata.upgrade(url=url, directory=str(project))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert applied_once(query) == sorted(r[0] for r in REVISIONS)
    assert query("SELECT version_num FROM alembic_version") == [(HEAD,)]


def test_concurrent_upgrades_from_processes_apply_each_revision_once(project, database):
    dialect, url, _, query = database
    code = "import strata, sys; strata.upgrade(url=sys.argv[1], directory=sys.argv[2])"
    procs = [subprocess.Popen([sys.executable, "-c", code, url, str(project)],
                              env=dict(os.environ), stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    assert applied_once(query) == sorted(r[0] for r in REVISIONS)


def test_lint_with_a_postgresql_url_targets_the_servers_version(project, tmp_path):
    """As `strata lint --url`: the server's major version is the target (newer syntax stays a
    parse-error on this PostgreSQL 15 server); pg_version, as --pg-version, wins."""
    from conftest import PgDatabase, pg_server_url
    db = PgDatabase(pg_server_url())
    try:
        d = str(project)
        major = int(db.query("SELECT current_setting('server_version_num')::int / 10000")[0][0])
        write_revision(d, "4d5e6f708192", HEAD, "virtual column",
                       "CREATE TABLE n (a int, b int GENERATED ALWAYS AS (a * 2) VIRTUAL);",
                       "DROP TABLE n;")
        if major <= 15:
            with pytest.raises(strata.Pending) as e:
                strata.lint(url=db.url, directory=d)
            doc = e.value.document
            assert "parse-error" in {f["rule"] for f in doc["findings"]}
        else:
            doc = strata.lint(url=db.url, directory=d)
        assert doc["summary"]["pg_version"] == major
        assert doc["summary"]["pg_version_source"] == "the server's version"
        assert doc == cli_json(db.url, project, "lint")
        newer = strata.lint(url=db.url, directory=d, pg_version=17)
        assert newer["summary"]["pg_version"] == 17 and newer["summary"]["errors"] == 0
        assert [n["revision"] for n in newer["notes"]] == ["4d5e6f708192"]
        with pytest.raises(strata.UsageError):
            strata.lint(url=db.url, directory=d, pg_version="17")
    finally:
        db.drop()
