#!/usr/bin/python3
"""A service that migrates its database at start-up with strata, in-process.

    PYTHONPATH=build/python DATABASE_URI=sqlite:app.db python3 examples/python/service.py

Where Alembic's way is `command.upgrade(Config("alembic.ini"), "head")` in the start-up code,
this is `strata.upgrade()`: the settings come from the same places as for the `strata` command
(here DATABASE_URI, which deploy scripts already set, and the migrations folder next to this
file), progress goes to the "strata" logger, configured by the application as it likes, and each
failure is one exception class saying what to do. Many replicas starting at once are fine: each
revision is applied exactly once, the others wait and find the work done.
"""
import logging
import os
import sys

import strata

MIGRATIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "migrations")
log = logging.getLogger("service")


def migrate():
    try:
        result = strata.upgrade("head", directory=MIGRATIONS)
    except strata.LockTimeout as e:
        # Another deploy holds the migration lock: nothing changed, try again later.
        log.error("migration lock not had in time: %s", e)
        sys.exit(e.exit_code)
    except strata.Error as e:
        # MigrationFailed (rolled back), InvalidScripts, ConnectionFailed, NeedsPerson...
        log.error("cannot migrate: %s", e)
        sys.exit(e.exit_code)
    applied = [s["revision"] for s in result["steps"]]
    log.info("database at %s (%s)", ", ".join(result["heads_after"]) or "base",
             "applied " + ", ".join(applied) if applied else "nothing to apply")


def serve():
    log.info("serving (this example stops here)")


if __name__ == "__main__":
    # The application owns logging; strata only emits records on the "strata" logger.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    migrate()
    serve()
