// A transaction that rolls back unless committed (cf. SQLiteCpp's Transaction).
//
// Borrows the Connection, which must outlive it. Not thread-safe. The destructor never throws
// and never reports: a rollback that fails leaves nothing worth saying, because SQLite has
// already rolled back by itself after the errors that make ROLLBACK fail (SQLITE_FULL,
// SQLITE_IOERR, SQLITE_INTERRUPT, SQLITE_NOMEM, SQLITE_BUSY in some cases).
#ifndef STRATA_DRIVER_SQLITE_SQLITE_TRANSACTION_H_
#define STRATA_DRIVER_SQLITE_SQLITE_TRANSACTION_H_

#include "driver/sqlite/sqlite_handles.h"
#include "strata/status.h"

namespace strata::sqlite {

class Transaction {
 public:
  enum class Mode { kDeferred, kImmediate };

  explicit Transaction(Connection& connection) : connection_(connection) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() { Rollback(); }

  // BEGIN [IMMEDIATE]. With kImmediate the write lock is taken now, waiting per the
  // connection's busy handler; SQLITE_BUSY after that comes back as kLockTimeout.
  Status Begin(Mode mode);

  // COMMIT. On failure the transaction is rolled back (by SQLite or by us), never left open.
  Status Commit();

  // Idempotent; a no-op when not active or when SQLite already ended the transaction.
  void Rollback() noexcept;

  bool active() const { return active_; }

 private:
  Connection& connection_;
  bool active_ = false;
};

}  // namespace strata::sqlite

#endif  // STRATA_DRIVER_SQLITE_SQLITE_TRANSACTION_H_
