// The one place where libpq's errors (a PGresult's fields, a connection's message) become
// strata's Status, as leveldb's PosixError does for errno.
//
//   connection failures (SQLSTATE class 08, admin shutdown 57P0x, a dead socket) -> kConnection,
//     the URL shown redacted and any password scrubbed from libpq's text
//   55P03 lock_not_available (lock_timeout expired)                          -> kLockTimeout
//   anything else                                                             -> kMigrationFailed
//
// Messages carry the database's own words: SQLSTATE, message, detail, hint and context.
// Pure functions; thread-safe.
#ifndef STRATA_DRIVER_POSTGRES_PG_ERROR_H_
#define STRATA_DRIVER_POSTGRES_PG_ERROR_H_

#include <libpq-fe.h>

#include <string>
#include <string_view>

#include "strata/status.h"

namespace strata::pg {

// The error fields of a failed PGresult.
struct PgError {
  std::string sqlstate;  // "42P01"; empty when libpq itself failed (no server error)
  std::string message;
  std::string detail;
  std::string hint;
  std::string context;
  int position = 0;  // 1-based character position in the statement sent; 0 = none
};

// Reads the fields of `result` (may be null: then libpq's connection message is used).
PgError ReadPgError(const PGresult* result, const PGconn* conn);

// "relation \"x\" does not exist [SQLSTATE 42P01]; detail: ...; hint: ...; context: ..."
std::string FormatPgError(const PgError& error);

// The kind of error a SQLSTATE (and the connection's state) means.
ErrorKind KindOfPgError(const PgError& error, const PGconn* conn);

// kConnection for a connection that could not be made: "cannot connect to <redacted url>: ...".
Status ConnectFailed(const PGconn* conn, std::string_view url);

// A Status for a failed query run by the driver itself (not a revision's SQL), prefixed with
// what it was doing ("reading the version table"). Passwords in libpq text are scrubbed.
Status QueryFailed(std::string_view doing, const PGresult* result, const PGconn* conn,
                   std::string_view url);

}  // namespace strata::pg

#endif  // STRATA_DRIVER_POSTGRES_PG_ERROR_H_
