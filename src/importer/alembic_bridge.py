# strata's bridge to Alembic, run by `strata import alembic` with /usr/bin/python3 -c (the text is
# compiled into strata; see src/importer/alembic_bridge.cc). It is the only code that talks to
# Alembic, through Alembic's own API and the project's own env.py:
#
#   read PROJECT DIALECT   prints one JSON document: every revision with its header fields and
#                          the SQL Alembic's offline mode gives for its upgrade and downgrade,
#                          and what offline mode cannot see (warnings)
#   online PROJECT         runs revisions one step at a time on the database named by the
#                          environment variable STRATA_ALEMBIC_URL (never argv: it may hold a
#                          password); reads "upgrade REV" / "downgrade REV" lines on stdin and
#                          answers each with one JSON line
#
# PROJECT is an alembic.ini or a script folder (the one holding env.py). Errors go to stdout as
# {"error": "..."} and the exit status is 3.
import ast
import functools
import io
import json
import os
import re
import sys
import traceback


def fail(message):
    sys.stdout.write(json.dumps({"error": message}) + "\n")
    sys.stdout.flush()
    sys.exit(3)


try:
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.runtime.migration import RevisionStep
    from alembic.script import ScriptDirectory
    import alembic
except Exception as e:  # pragma: no cover - depends on the machine
    fail("cannot import Alembic with %s: %s (install python3-alembic, or set "
         "STRATA_ALEMBIC_PYTHON to an interpreter that has it)" % (sys.executable, e))


def load_config(project):
    if os.path.isdir(project):
        ini = os.path.join(project, "alembic.ini")
        if os.path.isfile(ini) and not os.path.isfile(os.path.join(project, "env.py")):
            project = ini
    if os.path.isdir(project):
        if not os.path.isfile(os.path.join(project, "env.py")):
            fail("%s has neither an alembic.ini nor an env.py: name the project's alembic.ini or "
                 "its script folder" % project)
        cfg = Config()
        cfg.set_main_option("script_location", os.path.abspath(project))
        return cfg
    if not os.path.isfile(project):
        fail("%s does not exist: name the project's alembic.ini or its script folder" % project)
    # Relative script_location values are relative to the ini's folder, as for `alembic -c`.
    os.chdir(os.path.dirname(os.path.abspath(project)))
    cfg = Config(os.path.abspath(project))
    if not cfg.get_main_option("script_location"):
        fail("%s has no script_location in its [alembic] section" % project)
    return cfg


def as_tuple(value):
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


# --- what offline mode cannot see, from the revision's Python source ---------------------------

def call_name(node):
    f = node.func
    if isinstance(f, ast.Attribute):
        return f.attr
    if isinstance(f, ast.Name):
        return f.id
    return ""


def enclosing_functions(tree):
    """Maps each node to the name of the top-level function holding it."""
    owner = {}
    for top in tree.body:
        name = top.name if isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef)) else ""
        for node in ast.walk(top):
            owner[node] = name
    return owner


def source_findings(path, dialect):
    """(section, finding) pairs; section is "upgrade", "downgrade" or "" (both)."""
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
    except (OSError, SyntaxError, UnicodeDecodeError) as e:
        return [("", "cannot read the revision's source: %s" % e)], False, False
    owner = enclosing_functions(tree)
    found = []
    autocommit = {"upgrade": False, "downgrade": False}
    shown = os.path.relpath(path)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = call_name(node)
        where = owner.get(node, "")
        section = where if where in ("upgrade", "downgrade") else ""
        at = "%s:%d" % (shown, node.lineno)
        if name == "get_bind":
            found.append((section, "calls get_bind() at %s: offline SQL has nothing of what it "
                                   "reads or does through the connection" % at))
        elif name == "is_offline_mode":
            found.append((section, "checks is_offline_mode() at %s: offline SQL takes the offline "
                                   "branch, which may differ from what runs online" % at))
        elif name == "batch_alter_table":
            keywords = {k.arg for k in node.keywords}
            recreate = [k.value for k in node.keywords if k.arg == "recreate"]
            always = any(isinstance(v, ast.Constant) and v.value == "always" for v in recreate)
            if "copy_from" not in keywords and (dialect == "sqlite" or always):
                found.append((section, "uses batch_alter_table() without copy_from at %s: offline "
                                       "mode cannot reflect the table it rebuilds" % at))
        elif name == "autocommit_block":
            if section:
                autocommit[section] = True
            else:
                autocommit["upgrade"] = autocommit["downgrade"] = True
    return found, autocommit["upgrade"], autocommit["downgrade"]


# --- header fields -----------------------------------------------------------------------------

HEADER_FIELD = re.compile(r"^(Revision ID|Revises|Create Date):\s*(.*)$")


def header_fields(script):
    doc = script.module.__doc__ or ""
    lines = doc.strip("\n").splitlines()
    message = lines[0].strip() if lines else ""
    create_date = ""
    rest = []
    for line in lines[1:]:
        m = HEADER_FIELD.match(line.strip())
        if m:
            if m.group(1) == "Create Date":
                create_date = m.group(2).strip()
            continue
        rest.append(line.rstrip())
    while rest and not rest[0].strip():
        rest.pop(0)
    while rest and not rest[-1].strip():
        rest.pop()
    if not message:
        message = (script.doc or "").strip()
    return message, create_date, "\n".join(rest)


# --- offline SQL ---------------------------------------------------------------------------------

class Recorder:
    """Wraps a revision step so that only what its own function emits is kept: not the
    "-- Running" comment, the version-table statements or the BEGIN/COMMIT around it."""

    def __init__(self, step, buffer):
        self.step = step
        self.buffer = buffer
        self.sql = None
        inner = step.migration_fn

        @functools.wraps(inner)  # Alembic's log line names the function
        def run(**kw):
            start = buffer.tell()
            inner(**kw)
            self.sql = buffer.getvalue()[start:]

        step.migration_fn = run


TRANSACTION_CONTROL = {"BEGIN;", "COMMIT;", "BEGIN TRANSACTION;", "COMMIT TRANSACTION;"}


def clean_sql(text):
    # Alembic writes each statement followed by a blank line; autocommit_block() writes
    # COMMIT/BEGIN around its statements, which strata's Transactional: false replaces.
    parts = [p.strip() for p in text.split("\n\n")]
    return "\n\n".join(p for p in parts if p and p.upper() not in TRANSACTION_CONTROL)


def offline_sql(cfg, script_dir, script, upgrade, dialect_url):
    buffer = io.StringIO()
    cfg.output_buffer = buffer
    cfg.set_main_option("sqlalchemy.url", dialect_url)
    step = RevisionStep(script_dir.revision_map, script, upgrade)
    recorder = Recorder(step, buffer)
    if upgrade:
        start = list(script._all_down_revisions) + list(script._resolved_dependencies or ())
    else:
        start = [script.revision]

    def steps(heads, context):
        return [step]

    with EnvironmentContext(cfg, script_dir, fn=steps, as_sql=True, starting_rev=start or None,
                            destination_rev=script.revision):
        script_dir.run_env()
    if recorder.sql is None:
        raise RuntimeError("env.py did not run the migration (does it call "
                           "context.run_migrations() in offline mode?)")
    return clean_sql(recorder.sql)


def describe(e):
    text = "%s: %s" % (type(e).__name__, str(e).strip().splitlines()[0] if str(e).strip() else "")
    tb = traceback.extract_tb(e.__traceback__)
    for frame in reversed(tb):
        if "/versions/" in frame.filename or frame.filename.endswith("env.py"):
            text += " (at %s:%d)" % (os.path.relpath(frame.filename), frame.lineno)
            break
    return text


def read(project, dialect):
    cfg = load_config(project)
    try:
        script_dir = ScriptDirectory.from_config(cfg)
        revisions = list(script_dir.walk_revisions("base", "heads"))
    except Exception as e:
        fail("Alembic cannot read the revisions of %s: %s" % (project, describe(e)))
    revisions.reverse()  # oldest first
    dialect_url = {"postgresql": "postgresql://", "sqlite": "sqlite://"}[dialect]
    out = []
    # Messages that env.py's logging prints for each step would only be noise here.
    for script in revisions:
        message, create_date, explanation = header_fields(script)
        findings, auto_up, auto_down = source_findings(script.path, dialect)
        warnings = {"upgrade": [], "downgrade": []}
        for section, text in findings:
            for s in ([section] if section else ["upgrade", "downgrade"]):
                warnings[s].append(text)
        sql = {}
        for section, upgrade in (("upgrade", True), ("downgrade", False)):
            try:
                sql[section] = offline_sql(cfg, script_dir, script, upgrade, dialect_url)
            except NotImplementedError:
                sql[section] = None  # a downgrade that refuses: no downgrade section
                if upgrade:
                    warnings[section].append("raises NotImplementedError in offline mode")
                    sql[section] = ""
            except Exception as e:
                sql[section] = ""
                warnings[section].append("Alembic's offline mode failed: " + describe(e))
        out.append({
            "revision": script.revision,
            "parents": list(script._all_down_revisions),
            "branch_labels": sorted(script._orig_branch_labels or ()),
            "depends_on": list(script._resolved_dependencies or ()),
            "message": message,
            "create_date": create_date,
            "explanation": explanation,
            "path": os.path.relpath(script.path),
            "upgrade_sql": sql["upgrade"],
            "downgrade_sql": sql["downgrade"],
            "upgrade_transactional": not auto_up,
            "downgrade_transactional": not auto_down,
            "upgrade_warnings": warnings["upgrade"],
            "downgrade_warnings": warnings["downgrade"],
        })
    sys.stdout.write(json.dumps({"alembic": alembic.__version__, "revisions": out}) + "\n")


# --- online steps ---------------------------------------------------------------------------------

def sqlalchemy_url(url):
    """A strata URL or libpq keyword string as a SQLAlchemy URL (for engine_from_config)."""
    from sqlalchemy.engine import URL
    if url.startswith("sqlite:"):
        path = url[len("sqlite:"):]
        if path.startswith("//"):
            path = path[2:]
        return "sqlite:///" + path
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql://" + url.split("://", 1)[1]
    from psycopg2.extensions import parse_dsn
    d = parse_dsn(url)
    query = {k: v for k, v in d.items() if k not in ("user", "password", "host", "port", "dbname")}
    return URL.create("postgresql", username=d.get("user"), password=d.get("password"),
                      host=d.get("host"), port=int(d["port"]) if d.get("port") else None,
                      database=d.get("dbname"), query=query).render_as_string(hide_password=False)


def online(project):
    cfg = load_config(project)
    url = os.environ.get("STRATA_ALEMBIC_URL", "")
    # configparser interpolates '%': a password may hold one.
    cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    script_dir = ScriptDirectory.from_config(cfg)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        try:
            script = script_dir.get_revision(words[1])
            step = RevisionStep(script_dir.revision_map, script, words[0] == "upgrade")

            def steps(heads, context, step=step):
                return [step]

            with EnvironmentContext(cfg, script_dir, fn=steps, as_sql=False):
                script_dir.run_env()
            reply = {"ok": True}
        except Exception as e:
            reply = {"ok": False, "error": describe(e)}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def main():
    if len(sys.argv) < 3:
        fail("usage: read PROJECT DIALECT | online PROJECT")
    # env.py usually calls logging.config.fileConfig: its output goes to stderr, which strata
    # shows only when something fails.
    if sys.argv[1] == "read" and len(sys.argv) == 4 and sys.argv[3] in ("postgresql", "sqlite"):
        read(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "online":
        online(sys.argv[2])
    else:
        fail("usage: read PROJECT postgresql|sqlite | online PROJECT")


main()
