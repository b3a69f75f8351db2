// The one place where sqlite3 result codes become strata Statuses (cf. leveldb's PosixError).
//
// Pure functions over an open connection; thread-safety as for the connection they read.
#ifndef STRATA_DRIVER_SQLITE_SQLITE_ERROR_H_
#define STRATA_DRIVER_SQLITE_SQLITE_ERROR_H_

#include <sqlite3.h>

#include <string_view>

#include "strata/status.h"

namespace strata::sqlite {

// Maps a failing result code to a kind: SQLITE_BUSY/LOCKED -> kLockTimeout; CANTOPEN, NOTADB,
// PERM, AUTH, READONLY -> kConnection; everything else (including SQLITE_INTERRUPT) ->
// kMigrationFailed.
ErrorKind KindOf(int rc);

// "<context>: <sqlite message>". `db` may be null (then sqlite3_errstr(rc) is used). The caller
// is responsible for `context` holding no password (it is built from RedactUrl'd text).
Status Error(sqlite3* db, int rc, std::string_view context);

// The connection's current error message, or the generic text of `rc` when there is none.
std::string_view Message(sqlite3* db, int rc);

}  // namespace strata::sqlite

#endif  // STRATA_DRIVER_SQLITE_SQLITE_ERROR_H_
