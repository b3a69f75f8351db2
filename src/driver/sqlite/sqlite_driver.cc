// SQLite implementation of Driver (driver.h). See sqlite_driver.h for the lock model.
#include "driver/sqlite/sqlite_driver.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "core/bookkeeping_sql.h"
#include "core/sql_quote.h"
#include "driver/sql_text.h"
#include "driver/sqlite/sqlite_error.h"
#include "driver/sqlite/sqlite_handles.h"
#include "driver/sqlite/sqlite_transaction.h"
#include "driver/step_failure.h"
#include "driver/step_progress.h"
#include "driver/utc_time.h"

namespace strata {
namespace {

using sqlite::Connection;
using sqlite::ScopedReset;
using sqlite::Statement;
using sqlite::Transaction;
using Clock = std::chrono::steady_clock;

constexpr const char* kLogTable = "strata_log";

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// True for BEGIN, COMMIT, END and ROLLBACK (but not ROLLBACK TO, which stays inside the
// transaction): statements that would start or end the transaction strata runs a step in.
bool EndsTransaction(std::string_view statement) {
  auto word = [&](size_t from, size_t* next) {
    while (from < statement.size() && std::isspace(static_cast<unsigned char>(statement[from]))) {
      ++from;
    }
    size_t to = from;
    std::string w;
    while (to < statement.size() && std::isalpha(static_cast<unsigned char>(statement[to]))) {
      w += static_cast<char>(std::toupper(static_cast<unsigned char>(statement[to++])));
    }
    *next = to;
    return w;
  };
  size_t next = 0;
  std::string first = word(0, &next);
  if (first == "BEGIN" || first == "COMMIT" || first == "END") return true;
  if (first != "ROLLBACK") return false;
  std::string second = word(next, &next);
  if (second == "TRANSACTION") second = word(next, &next);
  return second != "TO";
}

// Where a section failed and why.
struct SectionFailure {
  Status status;        // SQLite's error, as sqlite::Error made it
  std::string message;  // SQLite's text alone
  size_t offset = 0;    // start of the failing statement in the section
  int index = 0;        // 0-based among the section's statements
  std::string statement;
};

// What the shared wording (step_failure.h) needs to know of a failed statement of `step`.
StatementFailure FailureOf(const Step& step, const SectionFailure& f) {
  StatementFailure out;
  out.step = &step;
  out.error = f.message;
  out.statement = f.statement;
  out.index = f.index;
  out.line = LineOfOffset(step.section(), f.offset);
  return out;
}

class SqliteDriver final : public Driver {
 public:
  SqliteDriver(const DatabaseUrl& url, const DriverOptions& options)
      : options_(options), path_(url.sqlite_path), display_(RedactUrl(url.original)) {}

  Status Open();

  const char* dialect() const override { return "sqlite"; }
  bool lock_spans_run() const override { return false; }

  // SQLite's lock is the write transaction of each step; there is nothing to hold in between.
  Status AcquireLock() override { return Status::Ok(); }
  Status ReleaseLock() override { return Status::Ok(); }

  Status EnsureTables() override;
  Result<std::vector<std::string>> ReadVersions() override;
  Result<StepOutcome> ApplyStep(const StepRun& run) override;
  Status Stamp(const std::vector<VersionChange>& changes, const StepRun& log_info) override;
  Status AcceptFiles(const std::vector<AcceptedFile>& files, const StepRun& log_info) override;
  Result<std::vector<LogEntry>> ReadLog(int limit) override;
  Result<std::vector<LogEntry>> UnresolvedFailures() override;
  Result<std::optional<int64_t>> DatabaseSize() override;
  Result<SchemaSnapshot> Snapshot() override;
  Result<std::optional<RecordedSchema>> LastRecordedSchema() override;
  Result<Rows> Query(const std::string& sql) override;

  void Interrupt() override {
    interrupt_requested_.store(true);
    connection_.Interrupt();
  }

 private:
  // Cached statements, prepared on first use: a migration run reads and writes the version
  // table and the log many times, and preparing is most of the cost of such small statements.
  enum Slot {
    kTableExists,
    kSelectVersions,
    kInsertVersion,
    kDeleteVersion,
    kUpdateVersion,
    kInsertLog,
    kSelectLog,
    kSelectFailures,
    kSelectSchema,
    kInsertLogWithHash,
    kSelectRecorded,
    kSlotCount,
  };
  Result<Statement*> Cached(Slot slot);

  static int BusyHandler(void* self, int count);

  Result<bool> TableExists(const std::string& name);
  Status CreateTables();
  Result<std::vector<std::string>> SelectVersions();
  Status ApplyVersionChanges(const std::vector<VersionChange>& changes);
  Status InsertLog(const LogEntry& entry);
  // The row of a step that changed (or, for a stamp, declared) the schema: with the schema hash
  // after it, read inside the caller's transaction, when strata_log has the column.
  Status InsertDoneLog(const LogEntry& entry, bool with_hash = true);
  Status WriteLogRow(Statement& stmt, const LogEntry& entry, const std::string* schema_hash);
  // Whether strata_log has schema_hash; adds it when `add` and it is missing (sets hash_column_).
  Result<bool> HashColumn(bool add);
  Result<std::vector<LogEntry>> SelectLog(Slot slot, int limit);

  // Runs `sql` statement by statement, in one forward pass, on the current connection state
  // (inside a transaction or in autocommit). When `stay_in_transaction`, a statement that ends
  // the transaction (COMMIT, END...) is an error. A whole std::string, so that its NUL lets
  // SQLite parse each statement in place. Reports to `progress` every kProgressEvery statements
  // and at the end.
  std::optional<SectionFailure> RunSection(const std::string& sql, bool stay_in_transaction,
                                           ProgressReporter& progress);
  static constexpr int kProgressEvery = 1000;

  // Turns a failure of our own bookkeeping into the error the user should see: lock timeouts
  // and interrupts get their own wording; everything else names the database.
  Status Explain(Status status) const;
  Status Interrupted() const;

  DriverOptions options_;
  std::string path_;
  std::string display_;  // the redacted URL, for every message
  Connection connection_;
  Statement cache_[kSlotCount];
  std::atomic<bool> interrupt_requested_{false};
  Clock::time_point busy_since_{};
  bool hash_column_ = false;  // strata_log.schema_hash exists (known after EnsureTables)
};

int SqliteDriver::BusyHandler(void* self_ptr, int count) {
  auto* self = static_cast<SqliteDriver*>(self_ptr);
  if (self->interrupt_requested_.load()) return 0;
  Clock::time_point now = Clock::now();
  if (count == 0) {
    self->busy_since_ = now;
    if (self->options_.on_wait && self->options_.lock_timeout.count() > 0) {
      try {
        self->options_.on_wait("waiting up to " +
                               std::to_string(self->options_.lock_timeout.count()) +
                               "s for the lock on SQLite database " + self->path_ +
                               " (another process is writing to it)");
      } catch (...) {
        // A progress line is not worth unwinding through SQLite's C frames.
      }
    }
  }
  if (now - self->busy_since_ >= self->options_.lock_timeout) return 0;
  // Short sleeps first so that a lock held for a few milliseconds (a racing step) costs little,
  // then at most 50 ms so that a released lock is noticed quickly.
  static constexpr int kDelaysMs[] = {1, 2, 5, 10, 15, 20, 25, 25, 25, 50};
  int delay = count < 10 ? kDelaysMs[count] : 50;
  auto remaining = self->options_.lock_timeout - (now - self->busy_since_);
  std::this_thread::sleep_for(
      std::min<Clock::duration>(std::chrono::milliseconds(delay), remaining));
  return 1;
}

Status SqliteDriver::Open() {
  if (path_ != ":memory:") {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path file(path_);
    fs::path parent = file.parent_path();
    if (!parent.empty() && !fs::is_directory(parent, ec)) {
      return Status::Connection("cannot open SQLite database " + display_ + ": directory " +
                                parent.string() + " does not exist")
          .WithHint("create the directory, or fix the url setting");
    }
    if (fs::is_directory(file, ec)) {
      return Status::Connection("cannot open SQLite database " + display_ + ": " + path_ +
                                " is a directory");
    }
  }
  int rc = connection_.Open(path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (rc != SQLITE_OK) {
    return Status::Connection("cannot open SQLite database " + display_ + ": " +
                              sqlite3_errstr(rc));
  }
  sqlite3_busy_handler(connection_.get(), &SqliteDriver::BusyHandler, this);
  // sqlite3_interrupt only cancels a statement already running; the progress handler also
  // stops one that starts after Interrupt() was called.
  sqlite3_progress_handler(
      connection_.get(), 1000,
      [](void* self) {
        return static_cast<SqliteDriver*>(self)->interrupt_requested_.load() ? 1 : 0;
      },
      this);
  // Reading the schema makes SQLite read the file header, so a file that is not a database,
  // or cannot be read, fails here as a connection error instead of in the middle of a step.
  // The user's PRAGMAs (journal_mode, synchronous, foreign_keys) are left as they are: they
  // belong to the application's database, not to us.
  Result<Statement> probe = connection_.Prepare("SELECT count(*) FROM sqlite_master", "open");
  Status status = probe.ok() ? probe->Run("open") : probe.status();
  if (!status.ok()) {
    if (status.kind() == ErrorKind::kLockTimeout) return Explain(std::move(status));
    return Status::Connection("cannot open SQLite database " + display_ + ": " +
                              sqlite3_errmsg(connection_.get()));
  }
  return Status::Ok();
}

Status SqliteDriver::Interrupted() const {
  return Status::MigrationFailed("interrupted; the running step was rolled back");
}

Status SqliteDriver::Explain(Status status) const {
  if (status.ok()) return status;
  if (interrupt_requested_.load()) return Interrupted();
  if (status.kind() == ErrorKind::kLockTimeout) {
    return Status::LockTimeout("timed out after " + std::to_string(options_.lock_timeout.count()) +
                               "s waiting for the lock on SQLite database " + path_ +
                               ": another process is writing to it; nothing was changed, try "
                               "again later")
        .WithHint("raise lock_timeout in strata.toml if migrations take longer than that");
  }
  return Status::Error(status.kind(), status.message() + " (database " + display_ + ")");
}

Result<Statement*> SqliteDriver::Cached(Slot slot) {
  Statement& stmt = cache_[slot];
  if (stmt) return &stmt;
  std::string table = QuoteIdentifier(options_.version_table);
  std::string sql;
  static constexpr const char* kLogColumns =
      "id, revision, direction, status, checksum, started_at, duration_ms, applied_by, "
      "strata_version, error";
  switch (slot) {
    case kTableExists:
      sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE";
      break;
    case kSelectVersions:
      sql = "SELECT version_num FROM " + table + " ORDER BY version_num";
      break;
    case kInsertVersion:
      sql = "INSERT INTO " + table + " (version_num) VALUES (?1)";
      break;
    case kDeleteVersion:
      sql = "DELETE FROM " + table + " WHERE version_num = ?1";
      break;
    case kUpdateVersion:
      sql = "UPDATE " + table + " SET version_num = ?2 WHERE version_num = ?1";
      break;
    case kInsertLog:
      sql = std::string("INSERT INTO ") + kLogTable +
            " (revision, direction, status, checksum, started_at, duration_ms, applied_by, "
            "strata_version, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
      break;
    case kSelectLog:
      sql = std::string("SELECT ") + kLogColumns + " FROM " + kLogTable +
            " ORDER BY id DESC LIMIT ?1";
      break;
    case kSelectFailures:
      // A failure stays unresolved until the same revision is later run successfully (an
      // "accept" row runs nothing), or a person stamps the version table (any later stamp row:
      // they declared the state).
      sql = std::string("SELECT ") + kLogColumns + " FROM " + kLogTable +
            " AS f WHERE f.status = 'failed' AND NOT EXISTS (SELECT 1 FROM " + kLogTable +
            " AS r WHERE r.id > f.id AND ((r.status = 'done' AND r.revision = f.revision AND "
            "r.direction <> 'accept') OR r.direction = 'stamp')) ORDER BY f.id LIMIT ?1";
      break;
    case kSelectSchema:
      // Everything SQLite knows of a schema is the text of these CREATE statements: columns,
      // constraints and foreign keys live in a table's. Automatic indexes (sql NULL) follow from
      // their table's text; sqlite_sequence and sqlite_stat* are SQLite's own.
      sql =
          "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL AND type IN "
          "('table', 'index', 'view', 'trigger') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";
      break;
    case kInsertLogWithHash:
      sql = std::string("INSERT INTO ") + kLogTable +
            " (revision, direction, status, checksum, started_at, duration_ms, applied_by, "
            "strata_version, error, schema_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
      break;
    case kSelectRecorded:
      // The newest step that left the schema as it should be now: later rows are accepts (which
      // change nothing) and failures (which are drift until resolved).
      sql = std::string(
                "SELECT id, revision, direction, started_at, coalesce(schema_hash, '') "
                "FROM ") +
            kLogTable +
            " WHERE status = 'done' AND direction IN ('upgrade', 'downgrade', 'stamp') ORDER BY "
            "id DESC LIMIT 1";
      break;
    case kSlotCount:
      break;
  }
  Result<Statement> prepared = connection_.Prepare(sql, "preparing strata's bookkeeping query");
  if (!prepared.ok()) return Explain(prepared.status());
  stmt = std::move(prepared).value();
  return &stmt;
}

Result<bool> SqliteDriver::TableExists(const std::string& name) {
  Result<Statement*> stmt = Cached(kTableExists);
  if (!stmt.ok()) return stmt.status();
  ScopedReset reset(**stmt);
  (*stmt)->Bind(1, name);
  Result<bool> row = (*stmt)->Step("looking up table " + name);
  if (!row.ok()) return Explain(row.status());
  return *row;
}

Status SqliteDriver::CreateTables() {
  std::string table = QuoteIdentifier(options_.version_table);
  std::string pkc = QuoteIdentifier(options_.version_table + "_pkc");
  // Alembic's exact layout, so that Alembic and strata can take turns on one database; the
  // text is shared with the offline script (bookkeeping_sql.h).
  std::string sql =
      VersionTableDdl(table, pkc) + "\n" + SqliteLogTableDdl(QuoteIdentifier(kLogTable));
  return Explain(connection_.Exec(sql, "creating " + options_.version_table + " and strata_log"));
}

Status SqliteDriver::EnsureTables() {
  // Checking first keeps the common case (tables exist) free of any write lock.
  Result<bool> versions = TableExists(options_.version_table);
  if (!versions.ok()) return versions.status();
  Result<bool> log = TableExists(kLogTable);
  if (!log.ok()) return log.status();
  if (!*versions || !*log) {
    Transaction tx(connection_);
    STRATA_RETURN_IF_ERROR(Explain(tx.Begin(Transaction::Mode::kImmediate)));
    STRATA_RETURN_IF_ERROR(CreateTables());
    STRATA_RETURN_IF_ERROR(Explain(tx.Commit()));
  }
  Result<bool> column = HashColumn(/*add=*/true);
  return column.ok() ? Status::Ok() : column.status();
}

Result<std::vector<std::string>> SqliteDriver::SelectVersions() {
  Result<bool> exists = TableExists(options_.version_table);
  if (!exists.ok()) return exists.status();
  std::vector<std::string> versions;
  if (!*exists) return versions;
  Result<Statement*> stmt = Cached(kSelectVersions);
  if (!stmt.ok()) return stmt.status();
  ScopedReset reset(**stmt);
  for (;;) {
    Result<bool> row = (*stmt)->Step("reading " + options_.version_table);
    if (!row.ok()) return Explain(row.status());
    if (!*row) break;
    versions.push_back((*stmt)->ColumnText(0));
  }
  return versions;  // ORDER BY made them sorted (BINARY collation = byte order)
}

Result<std::vector<std::string>> SqliteDriver::ReadVersions() { return SelectVersions(); }

Status SqliteDriver::ApplyVersionChanges(const std::vector<VersionChange>& changes) {
  for (const VersionChange& change : changes) {
    Slot slot = change.kind == VersionChange::Kind::kInsert   ? kInsertVersion
                : change.kind == VersionChange::Kind::kDelete ? kDeleteVersion
                                                              : kUpdateVersion;
    Result<Statement*> stmt = Cached(slot);
    if (!stmt.ok()) return stmt.status();
    ScopedReset reset(**stmt);
    (*stmt)->Bind(1, change.kind == VersionChange::Kind::kInsert ? change.to : change.from);
    if (change.kind == VersionChange::Kind::kUpdate) (*stmt)->Bind(2, change.to);
    STRATA_RETURN_IF_ERROR(Explain((*stmt)->Run("writing " + options_.version_table)));
    if (change.kind != VersionChange::Kind::kInsert && connection_.changes() != 1) {
      // Another process (or a person) changed the table behind our back; Alembic refuses too.
      return Status::MigrationFailed(options_.version_table + " does not hold revision " +
                                     change.from + " as expected; it was changed meanwhile")
          .WithRevision(change.from)
          .WithHint("run `strata current` to see the database's state, then try again");
    }
  }
  return Status::Ok();
}

Status SqliteDriver::InsertLog(const LogEntry& e) {
  Result<Statement*> stmt = Cached(kInsertLog);
  if (!stmt.ok()) return stmt.status();
  return WriteLogRow(**stmt, e, nullptr);
}

Status SqliteDriver::WriteLogRow(Statement& s, const LogEntry& e, const std::string* schema_hash) {
  ScopedReset reset(s);
  if (schema_hash != nullptr) s.Bind(10, *schema_hash);
  s.Bind(1, e.revision);
  s.Bind(2, e.direction);
  s.Bind(3, e.status);
  s.Bind(4, e.checksum);
  s.Bind(5, e.started_at);
  s.Bind(6, e.duration_ms);
  s.Bind(7, e.applied_by);
  s.Bind(8, e.strata_version);
  if (e.error.empty()) {
    s.BindNull(9);
  } else {
    s.Bind(9, e.error);
  }
  return Explain(s.Run("writing strata_log"));
}

Result<std::vector<LogEntry>> SqliteDriver::SelectLog(Slot slot, int limit) {
  std::vector<LogEntry> entries;
  Result<bool> exists = TableExists(kLogTable);
  if (!exists.ok()) return exists.status();
  if (!*exists) return entries;
  Result<Statement*> stmt = Cached(slot);
  if (!stmt.ok()) return stmt.status();
  Statement& s = **stmt;
  ScopedReset reset(s);
  s.Bind(1, static_cast<int64_t>(limit));
  for (;;) {
    Result<bool> row = s.Step("reading strata_log");
    if (!row.ok()) return Explain(row.status());
    if (!*row) break;
    LogEntry e;
    e.id = s.ColumnInt64(0);
    e.revision = s.ColumnText(1);
    e.direction = s.ColumnText(2);
    e.status = s.ColumnText(3);
    e.checksum = s.ColumnText(4);
    e.started_at = s.ColumnText(5);
    e.duration_ms = s.ColumnInt64(6);
    e.applied_by = s.ColumnText(7);
    e.strata_version = s.ColumnText(8);
    e.error = s.ColumnText(9);
    entries.push_back(std::move(e));
  }
  return entries;
}

Result<std::vector<LogEntry>> SqliteDriver::ReadLog(int limit) {
  return SelectLog(kSelectLog, std::max(limit, 0));
}

Result<std::vector<LogEntry>> SqliteDriver::UnresolvedFailures() {
  return SelectLog(kSelectFailures, -1);  // LIMIT -1: no limit
}

std::optional<SectionFailure> SqliteDriver::RunSection(const std::string& text,
                                                       bool stay_in_transaction,
                                                       ProgressReporter& progress) {
  std::string_view sql = text;
  sqlite3* db = connection_.get();
  size_t pos = 0;
  int index = 0;
  while (pos < sql.size()) {
    size_t start = SkipBlanksAndComments(sql, pos);
    if (start >= sql.size()) break;
    auto fail = [&](int rc, size_t end) {
      SectionFailure f;
      f.message = sqlite::Message(db, rc);
      f.status = Status::Error(sqlite::KindOf(rc), f.message);
      f.offset = start;
      f.index = index;
      f.statement = std::string(sql.substr(start, end - start));
      return f;
    };
    if (interrupt_requested_.load()) {
      SectionFailure f = fail(SQLITE_INTERRUPT, sql.size());
      f.message = "interrupted";
      return f;
    }
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    // The length includes the terminating NUL (RunSection's contract): given a length without
    // it, SQLite copies the rest of the section before parsing each statement, which made a
    // revision of N statements take time in N squared.
    int rc = sqlite3_prepare_v2(db, sql.data() + start, static_cast<int>(sql.size() - start + 1),
                                &raw, &tail);
    Statement stmt(raw);
    if (rc != SQLITE_OK) {
      size_t semicolon = sql.find(';', start);
      return fail(rc, semicolon == std::string_view::npos ? sql.size() : semicolon + 1);
    }
    size_t end = static_cast<size_t>(tail - sql.data());
    if (!stmt) {  // only a comment was left
      if (end <= start) break;
      pos = end;
      continue;
    }
    if (stay_in_transaction && EndsTransaction(sql.substr(start, end - start))) {
      // Refused before it runs: once our transaction is committed by the script, the promise
      // that a failing revision leaves nothing behind is gone.
      SectionFailure f = fail(SQLITE_MISUSE, end);
      f.message =
          "transaction control statements are not allowed in a transactional revision (set "
          "'Transactional: false' in its header to manage transactions yourself)";
      f.status = Status::MigrationFailed(f.message);
      return f;
    }
    for (;;) {
      rc = sqlite3_step(stmt.get());
      if (rc == SQLITE_ROW) continue;  // a SELECT in a migration: rows are not wanted
      if (rc == SQLITE_DONE) break;
      return fail(rc, end);
    }
    if (stay_in_transaction && connection_.autocommit()) {
      SectionFailure f = fail(SQLITE_MISUSE, end);
      f.message = "the statement ended strata's transaction";
      f.status = Status::MigrationFailed(f.message);
      return f;
    }
    pos = end;
    if (++index % kProgressEvery == 0) progress.Report(index, pos);
  }
  progress.Report(index, sql.size());
  return std::nullopt;
}

Result<StepOutcome> SqliteDriver::ApplyStep(const StepRun& run) {
  const Step& step = *run.step;
  const Revision& revision = *step.revision;
  const SqlSection& section = step.section();
  const char* direction = DirectionText(step.direction);
  // Interrupt() latches: a Ctrl-C that lands between two statements, or before this step
  // started (when sqlite3_interrupt has nothing to cancel), must still stop it.
  if (interrupt_requested_.load()) return Interrupted().WithRevision(revision.id);

  LogEntry log;
  log.revision = revision.id;
  log.direction = direction;
  log.status = "done";
  log.checksum = run.checksum;
  log.started_at = FormatUtcIso8601(std::chrono::system_clock::now());
  log.applied_by = run.applied_by;
  log.strata_version = run.strata_version;
  Clock::time_point t0 = Clock::now();
  auto elapsed_ms = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  };
  std::vector<std::string> expected = Sorted(step.heads_before);
  auto stale = [&]() -> Result<bool> {
    if (!run.check_heads) return false;
    Result<std::vector<std::string>> now = SelectVersions();
    if (!now.ok()) return now.status();
    return *now != expected;
  };

  ProgressReporter progress(options_, step);
  if (revision.transactional) {
    Transaction tx(connection_);
    STRATA_RETURN_IF_ERROR(Explain(tx.Begin(Transaction::Mode::kImmediate)));
    Result<bool> is_stale = stale();
    if (!is_stale.ok()) return is_stale.status();
    if (*is_stale) return StepOutcome::kStale;  // tx rolls back: nothing ran
    if (std::optional<SectionFailure> f = RunSection(section.sql, true, progress)) {
      tx.Rollback();
      if (interrupt_requested_.load() ||
          (f->status.kind() == ErrorKind::kMigrationFailed && f->message == "interrupted")) {
        return Interrupted().WithRevision(revision.id);
      }
      if (f->status.kind() == ErrorKind::kLockTimeout) return Explain(f->status);
      return TransactionalStepFailed(FailureOf(step, *f), options_.version_table);
    }
    STRATA_RETURN_IF_ERROR(ApplyVersionChanges(step.version_changes));
    log.duration_ms = elapsed_ms();
    STRATA_RETURN_IF_ERROR(InsertDoneLog(log, run.record_schema_hash));
    STRATA_RETURN_IF_ERROR(Explain(tx.Commit()));
    return StepOutcome::kApplied;
  }

  // Non-transactional: a short immediate transaction to check the heads, then the statements in
  // autocommit, then one transaction for the version table and the log. Another process racing
  // between the check and the statements could run them too; SQLite has no session lock to
  // close that window (PostgreSQL's driver holds its advisory lock for the whole run).
  {
    Transaction tx(connection_);
    STRATA_RETURN_IF_ERROR(Explain(tx.Begin(Transaction::Mode::kImmediate)));
    Result<bool> is_stale = stale();
    if (!is_stale.ok()) return is_stale.status();
    if (*is_stale) return StepOutcome::kStale;
  }
  if (std::optional<SectionFailure> f = RunSection(section.sql, false, progress)) {
    Status partial = PartialStepFailed(FailureOf(step, *f), options_.version_table, "", "");
    log.status = "failed";
    log.duration_ms = elapsed_ms();
    log.error = PartialFailureLogText(partial);
    interrupt_requested_.store(false);  // the failure row must be written even after Ctrl-C
    return NoteLogFailure(std::move(partial), InsertLog(log));
  }
  Transaction tx(connection_);
  STRATA_RETURN_IF_ERROR(Explain(tx.Begin(Transaction::Mode::kImmediate)));
  Result<bool> is_stale = stale();
  if (!is_stale.ok()) return is_stale.status();
  if (*is_stale) return StepOutcome::kStale;
  STRATA_RETURN_IF_ERROR(ApplyVersionChanges(step.version_changes));
  log.duration_ms = elapsed_ms();
  STRATA_RETURN_IF_ERROR(InsertDoneLog(log, run.record_schema_hash));
  STRATA_RETURN_IF_ERROR(Explain(tx.Commit()));
  return StepOutcome::kApplied;
}

Status SqliteDriver::Stamp(const std::vector<VersionChange>& changes, const StepRun& log_info) {
  interrupt_requested_.store(false);
  Transaction tx(connection_);
  STRATA_RETURN_IF_ERROR(Explain(tx.Begin(Transaction::Mode::kImmediate)));
  STRATA_RETURN_IF_ERROR(ApplyVersionChanges(changes));
  LogEntry log;
  log.direction = "stamp";
  log.status = "done";
  log.checksum = log_info.checksum;
  log.started_at = FormatUtcIso8601(std::chrono::system_clock::now());
  log.applied_by = log_info.applied_by;
  log.strata_version = log_info.strata_version;
  for (size_t i = 0; i < changes.size(); ++i) {
    const VersionChange& change = changes[i];
    log.revision = change.kind == VersionChange::Kind::kDelete ? change.from : change.to;
    // One hash for the whole stamp, on its newest row.
    STRATA_RETURN_IF_ERROR(InsertDoneLog(log, i + 1 == changes.size()));
  }
  if (changes.empty()) {
    // Still worth a row: a stamp marks earlier failures as resolved by a person.
    log.revision.clear();
    STRATA_RETURN_IF_ERROR(InsertDoneLog(log));
  }
  return Explain(tx.Commit());
}

Status SqliteDriver::AcceptFiles(const std::vector<AcceptedFile>& files, const StepRun& log_info) {
  Transaction tx(connection_);
  STRATA_RETURN_IF_ERROR(Explain(tx.Begin(Transaction::Mode::kImmediate)));
  LogEntry log;
  log.direction = "accept";
  log.status = "done";
  log.started_at = FormatUtcIso8601(std::chrono::system_clock::now());
  log.applied_by = log_info.applied_by;
  log.strata_version = log_info.strata_version;
  for (const AcceptedFile& file : files) {
    log.revision = file.revision;
    log.checksum = file.checksum;
    STRATA_RETURN_IF_ERROR(InsertLog(log));
  }
  return Explain(tx.Commit());
}

Result<Driver::Rows> SqliteDriver::Query(const std::string& sql) {
  Result<Statement> stmt = connection_.Prepare(sql, "running a query");
  if (!stmt.ok()) return Explain(stmt.status());
  Rows rows;
  const int columns = sqlite3_column_count(stmt->get());
  while (true) {
    Result<bool> row = stmt->Step("running a query");
    if (!row.ok()) return Explain(row.status());
    if (!*row) break;
    std::vector<std::optional<std::string>> values;
    for (int c = 0; c < columns; ++c) {
      if (stmt->ColumnIsNull(c)) {
        values.emplace_back();
      } else {
        values.emplace_back(stmt->ColumnText(c));
      }
    }
    rows.push_back(std::move(values));
  }
  return rows;
}

Result<std::optional<int64_t>> SqliteDriver::DatabaseSize() {
  int64_t values[2] = {0, 0};
  const char* pragmas[2] = {"PRAGMA page_count", "PRAGMA page_size"};
  for (int i = 0; i < 2; ++i) {
    Result<Statement> stmt = connection_.Prepare(pragmas[i], pragmas[i]);
    if (!stmt.ok()) return Explain(stmt.status());
    Result<bool> row = stmt->Step(pragmas[i]);
    if (!row.ok()) return Explain(row.status());
    if (!*row) return std::optional<int64_t>();
    values[i] = stmt->ColumnInt64(0);
  }
  return std::optional<int64_t>(values[0] * values[1]);
}

// ---- Schema snapshots (snapshot.h) ---------------------------------------------------------

Status SqliteDriver::InsertDoneLog(const LogEntry& e, bool with_hash) {
  if (!with_hash || !hash_column_ || !options_.record_schema_hash) return InsertLog(e);
  Result<SchemaSnapshot> snapshot = Snapshot();
  if (!snapshot.ok()) return snapshot.status();
  Result<Statement*> stmt = Cached(kInsertLogWithHash);
  if (!stmt.ok()) return stmt.status();
  return WriteLogRow(**stmt, e, &snapshot->hash);
}

Result<bool> SqliteDriver::HashColumn(bool add) {
  if (hash_column_) return true;
  Result<bool> log = TableExists(kLogTable);
  if (!log.ok() || !*log) return log;
  Result<Statement> stmt = connection_.Prepare(
      "SELECT 1 FROM pragma_table_info('strata_log') WHERE name = 'schema_hash'",
      "looking for strata_log.schema_hash");
  if (!stmt.ok()) return Explain(stmt.status());
  Result<bool> found = stmt->Step("looking for strata_log.schema_hash");
  if (!found.ok()) return Explain(found.status());
  if (!*found && add) {
    // strata_log from a strata that did not record schema hashes: the column is added in place,
    // nullable, so the rows already there (and Alembic, which never reads it) are unaffected.
    stmt->Reset();
    Transaction tx(connection_);
    STRATA_RETURN_IF_ERROR(Explain(tx.Begin(Transaction::Mode::kImmediate)));
    Result<bool> again = HashColumn(false);  // another process may have added it meanwhile
    if (!again.ok()) return again.status();
    if (!*again) {
      STRATA_RETURN_IF_ERROR(Explain(connection_.Exec(
          SqliteAddSchemaHashDdl(QuoteIdentifier(kLogTable)), "adding strata_log.schema_hash")));
    }
    STRATA_RETURN_IF_ERROR(Explain(tx.Commit()));
    found = true;
  }
  hash_column_ = *found;
  return *found;
}

Result<SchemaSnapshot> SqliteDriver::Snapshot() {
  Result<Statement*> stmt = Cached(kSelectSchema);
  if (!stmt.ok()) return stmt.status();
  Statement& s = **stmt;
  ScopedReset reset(s);
  // SQLite compares names case-insensitively (ASCII), so strata's tables are left out that way.
  auto ours = [this](const std::string& name) {
    return sqlite3_stricmp(name.c_str(), options_.version_table.c_str()) == 0 ||
           sqlite3_stricmp(name.c_str(), kLogTable) == 0;
  };
  std::vector<SchemaObject> objects;
  for (;;) {
    Result<bool> row = s.Step("reading the schema (sqlite_master)");
    if (!row.ok()) return Explain(row.status());
    if (!*row) break;
    std::string name = s.ColumnText(1);
    if (ours(name) || ours(s.ColumnText(2))) continue;
    objects.push_back(
        {s.ColumnText(0), SnapshotIdentifier(name), NormaliseSqlText(s.ColumnText(3))});
  }
  return MakeSnapshot("sqlite", std::move(objects));
}

Result<std::optional<RecordedSchema>> SqliteDriver::LastRecordedSchema() {
  Result<bool> column = HashColumn(/*add=*/false);
  if (!column.ok()) return column.status();
  if (!*column) return std::optional<RecordedSchema>();
  Result<Statement*> stmt = Cached(kSelectRecorded);
  if (!stmt.ok()) return stmt.status();
  Statement& s = **stmt;
  ScopedReset reset(s);
  Result<bool> row = s.Step("reading strata_log");
  if (!row.ok()) return Explain(row.status());
  if (!*row) return std::optional<RecordedSchema>();
  return std::optional<RecordedSchema>(RecordedSchema{
      s.ColumnInt64(0), s.ColumnText(1), s.ColumnText(2), s.ColumnText(3), s.ColumnText(4)});
}

}  // namespace

Result<std::unique_ptr<Driver>> OpenSqliteDriver(const DatabaseUrl& url,
                                                 const DriverOptions& options) {
  if (url.kind != DatabaseKind::kSqlite || url.sqlite_path.empty()) {
    return Status::Usage("not a SQLite URL: " + RedactUrl(url.original));
  }
  auto driver = std::make_unique<SqliteDriver>(url, options);
  STRATA_RETURN_IF_ERROR(driver->Open());
  return std::unique_ptr<Driver>(std::move(driver));
}

}  // namespace strata
