// MigrationLock: the session-level advisory lock that serialises strata runs on one version
// table (DESIGN §5), held from before the current revision is read to the end of the run.
//
// The key is a 64-bit FNV-1a hash of "strata:<schema>.<table>", where <schema> is
// version_schema or, when unset, the session's current_schema(); so two version tables in one
// database do not block each other, and "public" spelled out or found through search_path is
// the same lock.
//
// Waiting polls pg_try_advisory_lock with a short, jittered backoff. It never blocks inside
// pg_advisory_lock: a blocked waiter's transaction keeps a snapshot, CREATE INDEX CONCURRENTLY
// in the lock holder waits for every such snapshot, and the holder would deadlock with its own
// waiters. A poll lasts microseconds and holds nothing between polls.
//
// The lock lives in one server session, so the lock also remembers that session's
// pg_backend_pid(): the driver checks it inside every step's transaction, which is how a
// transaction-mode pooler (PgBouncer), which moves transactions between server sessions, is
// detected.
//
// Borrows the Session. Not thread-safe, except that `interrupted` may be set from any thread.
#ifndef STRATA_DRIVER_POSTGRES_MIGRATION_LOCK_H_
#define STRATA_DRIVER_POSTGRES_MIGRATION_LOCK_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "driver/postgres/session.h"
#include "strata/driver.h"
#include "strata/status.h"

namespace strata::pg {

// The advisory-lock key for a version table is strata::MigrationLockKey (core/bookkeeping_sql.h),
// shared with the offline script so that `upgrade --sql` takes the same lock.

class MigrationLock {
 public:
  MigrationLock(Session& session, std::string schema, std::string table)
      : session_(session), schema_(std::move(schema)), table_(std::move(table)) {}

  // Waits up to options.lock_timeout, calling options.on_wait at the first miss and then every
  // 5 s with a line naming the holder. kLockTimeout when the time is up or `interrupted` is set
  // (naming the holder), kConnection when the connection fails.
  Status Acquire(const DriverOptions& options, const std::atomic<bool>& interrupted);

  // kNeedsPerson when the server says this session did not hold the lock (a pooler moved the
  // session); ok when it was released or was never taken.
  Status Release();

  bool held() const { return held_; }
  int backend_pid() const { return backend_pid_; }
  int64_t key() const { return key_; }
  // "\"public\".\"alembic_version\"" for messages.
  std::string LockName() const;

  // "pid 4242 (user app, application strata, client 10.0.0.5, connected since
  // 2026-02-09T10:21:33Z, idle)", "another session" when it is gone or not visible.
  std::string DescribeHolder();

 private:
  Session& session_;
  std::string schema_;
  std::string table_;
  int64_t key_ = 0;
  bool held_ = false;
  int backend_pid_ = 0;
};

// The kNeedsPerson Status for a run whose server session changed under the lock.
Status SessionMovedError(int lock_pid, std::string_view now_pid, std::string_view redacted_url);

}  // namespace strata::pg

#endif  // STRATA_DRIVER_POSTGRES_MIGRATION_LOCK_H_
