// RAII owners of sqlite3 connections and prepared statements.
//
// Connection owns one sqlite3*; Statement owns one sqlite3_stmt* and must not outlive the
// Connection it was prepared on. Both are move-only and not thread-safe, except
// Connection::Interrupt(), which sqlite3_interrupt makes safe to call from any thread while the
// connection is open.
#ifndef STRATA_DRIVER_SQLITE_SQLITE_HANDLES_H_
#define STRATA_DRIVER_SQLITE_SQLITE_HANDLES_H_

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "strata/status.h"

namespace strata::sqlite {

class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Statement(Statement&& other) noexcept : stmt_(other.release()) {}
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  explicit operator bool() const { return stmt_ != nullptr; }
  sqlite3_stmt* get() const { return stmt_; }
  sqlite3_stmt* release() {
    sqlite3_stmt* s = stmt_;
    stmt_ = nullptr;
    return s;
  }

  // Binds are 1-based, as in SQLite. Text is copied (SQLITE_TRANSIENT), so the argument need
  // not outlive the statement.
  void Bind(int index, std::string_view text);
  void Bind(int index, int64_t value);
  void BindNull(int index);

  // One sqlite3_step: true when a row is available, false when done. On failure the status
  // carries `context` and SQLite's message; the statement should then be Reset.
  Result<bool> Step(std::string_view context);
  // Steps to completion, discarding rows.
  Status Run(std::string_view context);

  // Resets and clears bindings so a cached statement can be reused and holds no lock.
  void Reset();

  std::string ColumnText(int column) const;
  int64_t ColumnInt64(int column) const;
  bool ColumnIsNull(int column) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement at the end of a scope, so that cached statements never stay active (an
// active statement keeps a read transaction open and would block other writers' commits).
class ScopedReset {
 public:
  explicit ScopedReset(Statement& stmt) : stmt_(stmt) {}
  ScopedReset(const ScopedReset&) = delete;
  ScopedReset& operator=(const ScopedReset&) = delete;
  ~ScopedReset() { stmt_.Reset(); }

 private:
  Statement& stmt_;
};

class Connection {
 public:
  Connection() = default;
  Connection(Connection&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Opens `path` (":memory:" for an in-memory database) with `flags` (SQLITE_OPEN_*). The
  // result code and message are returned as is so the caller can phrase the error; on failure
  // *this holds no connection.
  int Open(const std::string& path, int flags);

  sqlite3* get() const { return db_; }

  // Prepares one statement. kMigrationFailed (or the kind of the result code) with `context`.
  Result<Statement> Prepare(std::string_view sql, std::string_view context);
  // Runs SQL with no parameters and no interesting rows (may hold several statements).
  Status Exec(const std::string& sql, std::string_view context);

  // True outside an explicit transaction.
  bool autocommit() const { return sqlite3_get_autocommit(db_) != 0; }
  int64_t changes() const { return sqlite3_changes64(db_); }

  void Interrupt() {
    if (db_ != nullptr) sqlite3_interrupt(db_);
  }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace strata::sqlite

#endif  // STRATA_DRIVER_SQLITE_SQLITE_HANDLES_H_
