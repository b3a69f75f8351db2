// SQLite's online backup API (https://sqlite.org/backup.html), in one step: the source's read
// lock is held for the whole copy, so the copy is one consistent state even while the
// application writes (writers wait, or in WAL mode go on).
#include <fmt/format.h>
#include <sqlite3.h>

#include <memory>

#include "backup/backup_internal.h"

namespace strata::backup {
namespace {

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, CloseDb>;

Result<Db> Open(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) {
    return Status::BackupFailed(
        fmt::format("cannot open {}: {}", path, raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_busy_timeout(raw, 10000);
  return db;
}

}  // namespace

Status SqliteCopy(const std::string& from, const std::string& to) {
  Result<Db> src = Open(from, SQLITE_OPEN_READONLY);
  if (!src.ok()) return src.status();
  Result<Db> dst = Open(to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!dst.ok()) return dst.status();
  sqlite3_backup* b = sqlite3_backup_init(dst->get(), "main", src->get(), "main");
  if (b == nullptr) {
    return Status::BackupFailed(
        fmt::format("cannot copy {} to {}: {}", from, to, sqlite3_errmsg(dst->get())));
  }
  int rc;
  int busy = 0;
  // -1: every page in one step. Retried for up to 30 s while another connection holds a lock.
  do {
    rc = sqlite3_backup_step(b, -1);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      if (++busy > 600) break;
      sqlite3_sleep(50);
    }
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) {
    return Status::BackupFailed(
        fmt::format("copying {} to {} failed: {}", from, to, sqlite3_errstr(rc)));
  }
  return Status::Ok();
}

}  // namespace strata::backup
