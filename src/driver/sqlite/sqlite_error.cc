#include "driver/sqlite/sqlite_error.h"

#include <string>

namespace strata::sqlite {

ErrorKind KindOf(int rc) {
  switch (rc & 0xff) {  // primary code; extended codes only refine it
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return ErrorKind::kLockTimeout;
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
    case SQLITE_PERM:
    case SQLITE_AUTH:
    case SQLITE_READONLY:
      return ErrorKind::kConnection;
    default:
      return ErrorKind::kMigrationFailed;
  }
}

std::string_view Message(sqlite3* db, int rc) {
  // sqlite3_errmsg describes the most recent failing call on `db`; when `rc` came from
  // elsewhere (e.g. an earlier call), the generic text is the honest answer.
  if (db != nullptr && (sqlite3_extended_errcode(db) == rc || sqlite3_errcode(db) == rc)) {
    return sqlite3_errmsg(db);
  }
  return sqlite3_errstr(rc);
}

Status Error(sqlite3* db, int rc, std::string_view context) {
  std::string msg(context);
  msg += ": ";
  msg += Message(db, rc);
  return Status::Error(KindOf(rc), std::move(msg));
}

}  // namespace strata::sqlite
