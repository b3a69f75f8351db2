#include "driver/sqlite/sqlite_transaction.h"

#include <sqlite3.h>

#include "driver/sqlite/sqlite_error.h"

namespace strata::sqlite {

Status Transaction::Begin(Mode mode) {
  const char* sql = mode == Mode::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN";
  int rc = sqlite3_exec(connection_.get(), sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Error(connection_.get(), rc, sql);
  active_ = true;
  return Status::Ok();
}

Status Transaction::Commit() {
  if (!active_) return Status::Ok();
  int rc = sqlite3_exec(connection_.get(), "COMMIT", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    Status status = Error(connection_.get(), rc, "COMMIT");
    Rollback();
    return status;
  }
  active_ = false;
  return Status::Ok();
}

void Transaction::Rollback() noexcept {
  if (!active_) return;
  active_ = false;
  if (connection_.get() == nullptr || connection_.autocommit()) return;
  // Nothing useful to do if this fails; see the header.
  sqlite3_exec(connection_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace strata::sqlite
