// The built-in SQLite driver (private to src/driver; the registry is its only user).
//
// One sqlite3 connection per driver. Lock model: SQLite has no session lock that survives
// between transactions, so every write runs in its own `BEGIN IMMEDIATE` transaction, waiting up
// to options.lock_timeout for the database's write lock (lock_spans_run() is false and the
// runtime asks each step to re-check the heads). Not thread-safe, except Interrupt().
#ifndef STRATA_DRIVER_SQLITE_SQLITE_DRIVER_H_
#define STRATA_DRIVER_SQLITE_SQLITE_DRIVER_H_

#include <memory>

#include "strata/driver.h"
#include "strata/url.h"

namespace strata {

// Opens (creating when missing, as Alembic/SQLAlchemy do) the database at url.sqlite_path.
// kConnection, naming the redacted URL, when the parent directory is missing, the path is a
// directory, or the file cannot be opened or is not a SQLite database.
Result<std::unique_ptr<Driver>> OpenSqliteDriver(const DatabaseUrl& url,
                                                 const DriverOptions& options);

}  // namespace strata

#endif  // STRATA_DRIVER_SQLITE_SQLITE_DRIVER_H_
