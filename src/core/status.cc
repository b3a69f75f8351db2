#include "strata/status.h"

#include <fmt/format.h>

namespace strata {

const char* ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kOk:
      return "ok";
    case ErrorKind::kMigrationFailed:
      return "migration failed";
    case ErrorKind::kUsage:
      return "usage error";
    case ErrorKind::kInvalidScripts:
      return "invalid revision files or config";
    case ErrorKind::kConnection:
      return "cannot connect";
    case ErrorKind::kLockTimeout:
      return "lock not acquired";
    case ErrorKind::kPending:
      return "pending";
    case ErrorKind::kNeedsPerson:
      return "database needs attention";
    case ErrorKind::kBackupFailed:
      return "backup or restore failed, or standbys lag";
  }
  return "error";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string out;
  if (!file_.empty()) {
    out += file_;
    if (line_ > 0) out += fmt::format(":{}", line_);
    out += ": ";
  }
  if (!revision_.empty() && message_.find(revision_) == std::string::npos) {
    out += fmt::format("revision {}: ", revision_);
  }
  out += message_;
  if (!hint_.empty()) out += fmt::format(" ({})", hint_);
  return out;
}

Status Combine(const std::vector<Status>& problems) {
  std::vector<const Status*> bad;
  for (const Status& s : problems) {
    if (!s.ok()) bad.push_back(&s);
  }
  if (bad.empty()) return Status::Ok();
  if (bad.size() == 1) return *bad.front();
  // Keep the first problem's kind; list every problem on its own line.
  std::string msg = fmt::format("{} problems:", bad.size());
  for (const Status* s : bad) msg += "\n  " + s->ToString();
  return Status::Error(bad.front()->kind(), std::move(msg));
}

}  // namespace strata
