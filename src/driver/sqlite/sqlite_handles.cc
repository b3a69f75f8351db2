#include "driver/sqlite/sqlite_handles.h"

#include <utility>

#include "driver/sqlite/sqlite_error.h"

namespace strata::sqlite {

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = other.release();
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::Bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void Statement::Bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }

void Statement::BindNull(int index) { sqlite3_bind_null(stmt_, index); }

Result<bool> Statement::Step(std::string_view context) {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Error(sqlite3_db_handle(stmt_), rc, context);
}

Status Statement::Run(std::string_view context) {
  for (;;) {
    Result<bool> row = Step(context);
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
  }
}

void Statement::Reset() {
  if (stmt_ == nullptr) return;
  // The result of reset repeats the last step's error, already reported by Step.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

int64_t Statement::ColumnInt64(int column) const { return sqlite3_column_int64(stmt_, column); }

bool Statement::ColumnIsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = other.db_;
    other.db_ = nullptr;
  }
  return *this;
}

Connection::~Connection() {
  // close_v2 defers the close until every statement is finalized, so destruction order between
  // a Connection and stray Statements cannot crash.
  sqlite3_close_v2(db_);
}

int Connection::Open(const std::string& path, int flags) {
  sqlite3_close_v2(db_);
  db_ = nullptr;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close_v2(db);  // sqlite3_open_v2 may allocate a handle even on failure
    return rc;
  }
  db_ = db;
  // Extended codes tell SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_* etc. apart in messages.
  sqlite3_extended_result_codes(db_, 1);
  return SQLITE_OK;
}

Result<Statement> Connection::Prepare(std::string_view sql, std::string_view context) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return Error(db_, rc, context);
  }
  return Statement(stmt);
}

Status Connection::Exec(const std::string& sql, std::string_view context) {
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Error(db_, rc, context);
  return Status::Ok();
}

}  // namespace strata::sqlite
