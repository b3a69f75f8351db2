"""strata: schema migrations for PostgreSQL and SQLite, in-process.

The functions mirror strata's commands (and alembic.command's names): each resolves its
settings exactly as the command line does (the url/directory/config arguments, then STRATA_URL,
DATABASE_URI, DATABASE_URL, then strata.toml, then the defaults) and returns the document
`strata --format json COMMAND` prints, as dicts and lists.

Failures raise one exception class per exit code, all subclasses of strata.Error, carrying the
message, revision, file, line and hint.

Progress goes only to logging.getLogger("strata"): this module never configures logging.
Migrations run with the GIL released; Ctrl-C (KeyboardInterrupt) interrupts the running
statement, whose transaction rolls back, and is raised once it has.
"""
import logging

from . import _strata

__all__ = [
    "Error", "MigrationFailed", "UsageError", "InvalidScripts", "ConnectionFailed",
    "LockTimeout", "Pending", "NeedsPerson", "BackupFailed",
    "upgrade", "downgrade", "stamp", "current", "heads", "history", "check", "status",
    "lint", "verify",
    "__version__",
]

__version__ = _strata.version

_logger = logging.getLogger("strata")


def _log(level, message):
    _logger.log(level, message)


class Error(Exception):
    """A strata failure. `exit_code` is the command line's exit code for it (DESIGN §4)."""

    exit_code = 0

    def __init__(self, message, revision="", file="", line=0, hint=""):
        super().__init__(message)
        self.message = message
        self.revision = revision or None
        self.file = file or None
        self.line = line or None
        self.hint = hint or None

    def __str__(self):
        where = ""
        if self.file:
            where = self.file + (":%d" % self.line if self.line else "") + ": "
        if self.revision:
            where += "revision %s: " % self.revision
        return where + self.message + (" (%s)" % self.hint if self.hint else "")


class MigrationFailed(Error):
    """A migration failed in the database; its transaction was rolled back (exit 1)."""
    exit_code = 1


class UsageError(Error):
    """A bad argument: unknown target, ambiguous relative target... (exit 2)."""
    exit_code = 2


class InvalidScripts(Error):
    """Invalid revision files or config; nothing was run (exit 3)."""
    exit_code = 3


class ConnectionFailed(Error):
    """Cannot connect or authenticate (exit 4)."""
    exit_code = 4


class LockTimeout(Error):
    """A lock was not had in time; nothing was changed, try again later (exit 5)."""
    exit_code = 5


class Pending(Error):
    """Revisions are pending, or findings remain (exit 6)."""
    exit_code = 6


class NeedsPerson(Error):
    """The database is in a state that needs a person (exit 7)."""
    exit_code = 7


class BackupFailed(Error):
    """A backup or restore failed; nothing was migrated (exit 8)."""
    exit_code = 8


_BY_CODE = {c.exit_code: c for c in (MigrationFailed, UsageError, InvalidScripts,
                                      ConnectionFailed, LockTimeout, Pending, NeedsPerson,
                                      BackupFailed)}


def _make_error(exit_code, message, revision, file, line, hint):
    return _BY_CODE.get(exit_code, Error)(message, revision, file, line, hint)


_strata.set_error_factory(_make_error)


def upgrade(target="head", url=None, directory=None, config=None, backup=False,
            allow_changed=False):
    """Applies revisions up to `target` ("head", "heads", a revision, "+N", "LABEL@head").

    With `backup` (or backup_before_upgrade = true in strata.toml), as `strata upgrade --backup`:
    when there is something to apply, a backup of the database is written to backup_dir first
    and its document is the result's "backup" (None when none was taken); a failed backup
    raises BackupFailed and nothing is migrated."""
    return _strata.upgrade(target, allow_changed, backup, url, directory, config, _log)


def downgrade(target, url=None, directory=None, config=None):
    """Undoes revisions down to `target` ("-N", "REV-N", "LABEL@-N", a revision, "base")."""
    return _strata.downgrade(target, url, directory, config, _log)


def stamp(target, url=None, directory=None, config=None, purge=False):
    """Writes the version table to say `target` without running migrations."""
    return _strata.stamp(target, purge, url, directory, config, _log)


def current(url=None, directory=None, config=None, verbose=False):
    """The database's revisions: {"database", "current": [revision, ...]}."""
    return _strata.current(url, directory, config, verbose, _log)


def heads(directory=None, config=None, verbose=False):
    """The heads of the revision files (no database): {"heads": [revision, ...]}."""
    return _strata.heads(directory, config, verbose)


def history(rev_range=None, url=None, directory=None, config=None, verbose=False):
    """Revisions newest first: {"revisions": [...]}; `rev_range` as `history -r`."""
    return _strata.history(rev_range or "", url, directory, config, verbose, _log)


def status(url=None, directory=None, config=None, runs=10):
    """Current, heads, pending, the last `runs` runs, size, changed files, unresolved failures
    and schema drift (`strata status`); never raises for what it finds."""
    return _strata.status(runs, url, directory, config, _log)


def lint(paths=None, url=None, directory=None, config=None, dialect=None, pg_version=None):
    """Safety rules over revision files (`strata lint`): the migrations folder, or `paths`.
    With `url`, only revisions pending in that database are reported, and a PostgreSQL server's
    major version is the target unless `pg_version` (`--pg-version`) names one. Raises Pending
    (exit 6) with the document as `.document` when an error-level finding remains."""
    if pg_version is not None and not (isinstance(pg_version, int) and 9 <= pg_version <= 99):
        raise UsageError("pg_version must be a PostgreSQL major version (9 to 99), not %r"
                         % (pg_version,))
    return _strata.lint(list(paths or []), dialect or "", url, directory, config,
                        pg_version or 0, _log)


def _pending(message, document, revision="", hint=""):
    error = Pending(message, revision=revision, hint=hint)
    error.document = document
    return error


def check(url=None, directory=None, config=None):
    """{"database", "current", "heads", "pending", "up_to_date"} when the database is at head.
    Raises Pending (the command's exit 6), with the same document as `.document`, when
    revisions are pending (like alembic.command.check, which raises when there is work)."""
    doc = _strata.check(url, directory, config, _log)
    if not doc["up_to_date"]:
        raise _pending("%d revision(s) not applied: %s"
                       % (len(doc["pending"]), ", ".join(doc["pending"])), doc,
                       hint="run strata.upgrade()")
    return doc


def verify(rev_range=None, scratch_url=None, keep=False, url=None, directory=None, config=None):
    """Replays the history on scratch databases (`strata verify`) and returns its document.
    Raises Pending (exit 6), with the document as `.document`, naming each finding."""
    doc = _strata.verify(rev_range or "", scratch_url or "", keep, url, directory, config, _log)
    if not doc["ok"]:
        first = doc["findings"][0]
        raise _pending("; ".join(f["message"] for f in doc["findings"]), doc,
                       revision=first.get("revision") or "",
                       hint="fix the downgrade sections named")
    return doc
