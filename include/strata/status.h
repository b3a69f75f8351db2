// Status and Result<T>: strata's one error type.
//
// A Status is either ok or carries a Kind, which maps one to one onto the exit codes of
// DESIGN §4, plus a message and optional context (file:line, revision id, a hint naming the
// next step). Every fallible function in strata returns a Status or a Result<T>; exceptions
// from third-party libraries are caught at the call site and turned into a Status.
//
// Values are immutable after construction and safe to copy between threads.
#ifndef STRATA_STATUS_H_
#define STRATA_STATUS_H_

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace strata {

// The numeric value of each kind is the process exit code (DESIGN §4).
enum class ErrorKind : int {
  kOk = 0,
  kMigrationFailed = 1,  // a statement failed; its transaction was rolled back
  kUsage = 2,            // bad command line
  kInvalidScripts = 3,   // bad revision files or config; nothing ran
  kConnection = 4,       // cannot connect or authenticate
  kLockTimeout = 5,      // a lock was not had in time; nothing changed
  kPending = 6,          // `check` found pending revisions, `lint` found problems
  kNeedsPerson = 7,      // the database is in a state that needs a person
  kBackupFailed = 8,     // a backup or restore failed; nothing was migrated
  // The same exit code (DESIGN §4): standbys did not replay a committed migration within
  // wait_replicas (the migration itself is committed).
  kReplicaLag = kBackupFailed,
};

// Human-readable name of a kind ("usage error", ...).
const char* ErrorKindName(ErrorKind kind);

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok

  static Status Ok() { return Status(); }
  static Status Error(ErrorKind kind, std::string msg) { return {kind, std::move(msg)}; }
  static Status MigrationFailed(std::string msg) {
    return {ErrorKind::kMigrationFailed, std::move(msg)};
  }
  static Status Usage(std::string msg) { return {ErrorKind::kUsage, std::move(msg)}; }
  static Status InvalidScripts(std::string msg) {
    return {ErrorKind::kInvalidScripts, std::move(msg)};
  }
  static Status Connection(std::string msg) { return {ErrorKind::kConnection, std::move(msg)}; }
  static Status LockTimeout(std::string msg) { return {ErrorKind::kLockTimeout, std::move(msg)}; }
  static Status Pending(std::string msg) { return {ErrorKind::kPending, std::move(msg)}; }
  static Status NeedsPerson(std::string msg) { return {ErrorKind::kNeedsPerson, std::move(msg)}; }
  static Status BackupFailed(std::string msg) {
    return {ErrorKind::kBackupFailed, std::move(msg)};
  }
  static Status ReplicaLag(std::string msg) { return {ErrorKind::kReplicaLag, std::move(msg)}; }

  bool ok() const { return kind_ == ErrorKind::kOk; }
  ErrorKind kind() const { return kind_; }
  int exit_code() const { return static_cast<int>(kind_); }
  const std::string& message() const { return message_; }
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  const std::string& revision() const { return revision_; }
  const std::string& hint() const { return hint_; }

  // Builder-style context setters; each returns a modified copy.
  Status WithLocation(std::string file, int line = 0) && {
    file_ = std::move(file);
    line_ = line;
    return std::move(*this);
  }
  Status WithRevision(std::string revision) && {
    revision_ = std::move(revision);
    return std::move(*this);
  }
  Status WithHint(std::string hint) && {
    hint_ = std::move(hint);
    return std::move(*this);
  }

  // One line for stderr: "file:line: revision abc123: message (hint)".
  std::string ToString() const;

 private:
  Status(ErrorKind kind, std::string message) : kind_(kind), message_(std::move(message)) {}

  ErrorKind kind_ = ErrorKind::kOk;
  std::string message_;
  std::string file_;
  int line_ = 0;
  std::string revision_;
  std::string hint_;
};

// Several independent problems found in one pass (e.g. every bad revision file), so a user can fix
// them all at once. The first one's kind is the kind of the whole.
Status Combine(const std::vector<Status>& problems);

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: must not be ok

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace strata

// Early return on error: STRATA_RETURN_IF_ERROR(DoThing());
#define STRATA_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::strata::Status strata_status_ = (expr);        \
    if (!strata_status_.ok()) return strata_status_; \
  } while (0)

#endif  // STRATA_STATUS_H_
