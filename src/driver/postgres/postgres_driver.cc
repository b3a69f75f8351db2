#include "driver/postgres/postgres_driver.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <thread>
#include <utility>

#include "core/bookkeeping_sql.h"
#include "core/sql_quote.h"
#include "driver/postgres/pg_error.h"
#include "driver/postgres/pg_handles.h"
#include "driver/postgres/step_notices.h"
#include "driver/sql_text.h"
#include "driver/step_progress.h"
#include "driver/utc_time.h"
#include "strata/url.h"

namespace strata::pg {
namespace {

// Prepared once per connection, used by every step: the version table changes and the log row
// need no parsing or planning per revision.
constexpr const char* kInsertVersion = "strata_version_insert";
constexpr const char* kDeleteVersion = "strata_version_delete";
constexpr const char* kUpdateVersion = "strata_version_update";
constexpr const char* kInsertLog = "strata_log_insert";

// Raised (as a failed cast) when a version row to delete or update is missing, so that the
// mismatch aborts the transaction on the server and COMMIT, already queued, does not run. The
// failing branch depends on count(*) so that the planner cannot fold it into an error when a
// custom plan substitutes the parameter as a constant.
constexpr const char* kMissingVersionMarker = "strata: the version table does not hold ";

bool IsMissingTable(const PgError& error) {
  // undefined_table, or invalid_schema_name when version_schema does not exist yet.
  return error.sqlstate == "42P01" || error.sqlstate == "3F000";
}

std::string LogSelectColumns() {
  return "id, revision, direction, status, checksum, "
         "to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), duration_ms, "
         "applied_by, strata_version, coalesce(error, '')";
}

// A statement refused before anything of its revision ran: "<direction> <rev> failed: `<stmt>`
// <why>; nothing was run", at the statement's file:line.
Status RefusedStatement(const Step& step, const SqlStatement& statement, std::string_view why,
                        std::string hint) {
  const Revision& revision = *step.revision;
  return Status::MigrationFailed(fmt::format("{} {} failed: `{}` {}; nothing was run",
                                             DirectionText(step.direction), revision.id,
                                             StatementExcerpt(statement.text, 60), why))
      .WithLocation(
          revision.path,
          LineOfOffset(step.section(), statement.offset + SkipBlanksAndComments(statement.text, 0)))
      .WithRevision(revision.id)
      .WithHint(std::move(hint));
}

// A COPY that exchanges rows with the client (FROM STDIN / TO STDOUT) cannot run from a revision.
Status RefuseClientCopy(const Step& step, const StatementList& statements) {
  for (size_t i = 0; i < statements.size(); ++i) {
    const SqlStatement statement = statements[i];
    if (!IsClientCopy(statement.text)) continue;
    return RefusedStatement(
        step, statement,
        "reads its rows from the client or sends them to it, and strata has none to send "
        "(psql's \\copy does that)",
        "load the rows with INSERT ... VALUES, or COPY FROM a file on the database server");
  }
  return Status::Ok();
}

// A transactional step that Interrupt() stopped.
Status InterruptedStep(const Step& step) {
  return Status::MigrationFailed(fmt::format("{} {} interrupted; its transaction was rolled back",
                                             DirectionText(step.direction), step.revision->id))
      .WithRevision(step.revision->id);
}

std::vector<LogEntry> ReadLogRows(const PGresult* r) {
  std::vector<LogEntry> out;
  for (int i = 0; i < PQntuples(r); ++i) {
    LogEntry e;
    e.id = std::stoll(CellText(r, i, 0));
    e.revision = CellText(r, i, 1);
    e.direction = CellText(r, i, 2);
    e.status = CellText(r, i, 3);
    e.checksum = CellText(r, i, 4);
    e.started_at = CellText(r, i, 5);
    e.duration_ms = std::stoll(CellText(r, i, 6));
    e.applied_by = CellText(r, i, 7);
    e.strata_version = CellText(r, i, 8);
    e.error = CellText(r, i, 9);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<Driver>> PostgresDriver::Open(const DatabaseUrl& url,
                                                     const DriverOptions& options) {
  auto session = Session::Connect(url.original);
  if (!session.ok()) return session.status();
  return std::unique_ptr<Driver>(new PostgresDriver(std::move(session).value(), options));
}

PostgresDriver::PostgresDriver(std::unique_ptr<Session> session, DriverOptions options)
    : session_(std::move(session)),
      options_(std::move(options)),
      version_table_(QualifiedName(options_.version_schema, options_.version_table)),
      log_table_(QualifiedName(options_.version_schema, "strata_log")),
      lock_(*session_, options_.version_schema, options_.version_table) {}

Status PostgresDriver::AcquireLock() { return lock_.Acquire(options_, interrupted_); }

Status PostgresDriver::ReleaseLock() { return lock_.Release(); }

void PostgresDriver::Interrupt() {
  interrupted_.store(true);
  session_->Cancel();
}

Status PostgresDriver::LookForTables() {
  if (version_table_exists_ && log_table_exists_) return Status::Ok();
  // to_regclass is NULL for a missing table or schema, where a SELECT from it would fail.
  auto found = session_->Exec("looking for the version table",
                              "SELECT to_regclass($1) IS NOT NULL, to_regclass($2) IS NOT NULL",
                              {version_table_, log_table_});
  if (!found.ok()) return found.status();
  version_table_exists_ = CellText(found->get(), 0, 0) == "t";
  log_table_exists_ = CellText(found->get(), 0, 1) == "t";
  return Status::Ok();
}

Status PostgresDriver::CreateMissingTables() {
  const std::string& schema = options_.version_schema;
  for (int attempt = 0;; ++attempt) {
    // Look first, create only what is missing: CREATE ... IF NOT EXISTS checks the CREATE
    // privilege before it checks existence, and a deploy role often has no CREATE.
    auto found = session_->Exec("looking for the version table",
                                "SELECT to_regclass($1) IS NOT NULL, to_regclass($2) IS NOT NULL, "
                                "$3 = '' OR EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $3)",
                                {version_table_, log_table_, schema});
    if (!found.ok()) return found.status();
    bool has_version = CellText(found->get(), 0, 0) == "t";
    bool has_log = CellText(found->get(), 0, 1) == "t";
    bool has_schema = CellText(found->get(), 0, 2) == "t";
    version_table_exists_ = has_version;
    log_table_exists_ = has_log;
    if (has_version && has_log && has_schema) return Status::Ok();
    std::string script = "BEGIN;\n";
    if (!has_schema)
      script += fmt::format("CREATE SCHEMA IF NOT EXISTS {};\n", QuoteIdentifier(schema));
    if (!has_version) {
      // Exactly Alembic's layout, so Alembic and strata can take turns on one database.
      script +=
          VersionTableDdl(version_table_, QuoteIdentifier(options_.version_table + "_pkc")) + "\n";
    }
    if (!has_log) {
      script += PostgresLogTableDdl(log_table_) + "\n";  // shared with the offline script
    }
    script += "COMMIT;";
    ResultPtr r = session_->ExecScriptRaw(script);
    if (PQresultStatus(r.get()) == PGRES_COMMAND_OK) {
      version_table_exists_ = log_table_exists_ = true;
      return Status::Ok();
    }
    PgError error = ReadPgError(r.get(), session_->conn());
    session_->RollbackIfOpen();
    // Two processes creating the same table at once: the loser sees a duplicate; look again.
    bool race = error.sqlstate == "23505" || error.sqlstate == "42P07" || error.sqlstate == "42P06";
    if (race && attempt == 0) continue;
    return QueryFailed(fmt::format("creating the version table {}", version_table_), r.get(),
                       session_->conn(), session_->url());
  }
}

Result<std::vector<std::string>> PostgresDriver::ReadVersions() {
  if (Status st = LookForTables(); !st.ok()) return st;
  if (!version_table_exists_) return std::vector<std::string>{};
  // COLLATE "C": byte order, the order std::sort gives the runtime. A table dropped since it was
  // looked up reads as empty too.
  ResultPtr r = session_->ExecRaw(
      fmt::format("SELECT version_num FROM {} ORDER BY version_num COLLATE \"C\"", version_table_));
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
    if (IsMissingTable(ReadPgError(r.get(), session_->conn()))) {
      return std::vector<std::string>{};
    }
    return QueryFailed(fmt::format("reading the version table {}", version_table_), r.get(),
                       session_->conn(), session_->url());
  }
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(r.get()); ++i) out.push_back(CellText(r.get(), i, 0));
  return out;
}

Result<std::vector<LogEntry>> PostgresDriver::ReadLog(int limit) {
  if (Status st = LookForTables(); !st.ok()) return st;
  if (!log_table_exists_) return std::vector<LogEntry>{};
  ResultPtr r = session_->ExecRaw(
      fmt::format("SELECT {} FROM {} ORDER BY id DESC LIMIT $1", LogSelectColumns(), log_table_),
      {std::to_string(std::max(limit, 0))});
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
    if (IsMissingTable(ReadPgError(r.get(), session_->conn()))) return std::vector<LogEntry>{};
    return QueryFailed("reading strata_log", r.get(), session_->conn(), session_->url());
  }
  return ReadLogRows(r.get());
}

Result<std::vector<LogEntry>> PostgresDriver::UnresolvedFailures() {
  // As in the SQLite driver: resolved by a later successful run of the same revision, or by any
  // later stamp (a person declared the state).
  if (Status st = LookForTables(); !st.ok()) return st;
  if (!log_table_exists_) return std::vector<LogEntry>{};
  ResultPtr r = session_->ExecRaw(fmt::format(
      "SELECT {} FROM {} f WHERE f.status = 'failed' AND NOT EXISTS (SELECT 1 FROM {} d "
      "WHERE d.id > f.id AND ((d.status = 'done' AND d.revision = f.revision AND "
      "d.direction <> 'accept') OR d.direction = 'stamp')) ORDER BY f.id",
      LogSelectColumns(), log_table_, log_table_));
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
    if (IsMissingTable(ReadPgError(r.get(), session_->conn()))) return std::vector<LogEntry>{};
    return QueryFailed("reading strata_log", r.get(), session_->conn(), session_->url());
  }
  return ReadLogRows(r.get());
}

Result<std::optional<int64_t>> PostgresDriver::DatabaseSize() {
  auto r =
      session_->Exec("reading the database size", "SELECT pg_database_size(current_database())");
  if (!r.ok()) return r.status();
  return std::optional<int64_t>(std::stoll(CellText(r->get(), 0, 0)));
}

Result<Driver::Rows> PostgresDriver::Query(const std::string& sql) {
  ResultPtr r = session_->ExecRaw(sql);
  ExecStatusType status = PQresultStatus(r.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    return QueryFailed("running a query", r.get(), session_->conn(), session_->url());
  }
  Rows rows;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    std::vector<std::optional<std::string>> row;
    for (int c = 0; c < PQnfields(r.get()); ++c) {
      if (PQgetisnull(r.get(), i, c)) {
        row.emplace_back();
      } else {
        row.emplace_back(PQgetvalue(r.get(), i, c));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// ---- Statements shared by write transactions ----------------------------------------------

void PostgresDriver::AddSessionCheck(Pipeline& pipeline) {
  if (!lock_.held()) return;
  // Fails the transaction (a failed cast) when it runs in another server session than the one
  // holding the lock. Not a prepared statement: a pooler's other session would not have it.
  pipeline.Query(
      "SELECT CASE WHEN pg_backend_pid() = $1::int THEN 0 "
      "ELSE ('strata: server session moved to ' || pg_backend_pid())::int END",
      {std::to_string(lock_.backend_pid())}, kSessionCheck);
}

int PostgresDriver::AddPrepares(Pipeline& pipeline) {
  if (prepared_) return -1;
  const int first = pipeline.size();
  const std::string missing = fmt::format(
      "SELECT CASE WHEN count(*) = 1 THEN 0 ELSE ('{}' || $1::text || substr(count(*)::text, 1, "
      "0))::int END FROM changed",
      kMissingVersionMarker);
  pipeline.Prepare(kInsertVersion,
                   fmt::format("INSERT INTO {} (version_num) VALUES ($1)", version_table_),
                   kPrepare);
  pipeline.Prepare(kDeleteVersion,
                   fmt::format("WITH changed AS (DELETE FROM {} WHERE version_num = $1 "
                               "RETURNING 1) {}",
                               version_table_, missing),
                   kPrepare);
  pipeline.Prepare(kUpdateVersion,
                   fmt::format("WITH changed AS (UPDATE {} SET version_num = $2 WHERE "
                               "version_num = $1 RETURNING 1) {}",
                               version_table_, missing),
                   kPrepare);
  pipeline.Prepare(kInsertLog, LogInsertSql(log_table_, ""), kPrepare);
  return first;
}

std::string PostgresDriver::LogInsertSql(const std::string& table,
                                         const std::string& schema_hash_sql) {
  return fmt::format(
      "INSERT INTO {} (revision, direction, status, checksum, started_at, duration_ms, "
      "applied_by, strata_version, error{}) VALUES ($1, $2, $3, $4, coalesce($5::timestamptz, "
      "now()), (extract(epoch FROM clock_timestamp() - coalesce($5::timestamptz, now())) * "
      "1000)::bigint, $6, $7, $8{})",
      table, schema_hash_sql.empty() ? "" : ", schema_hash",
      schema_hash_sql.empty() ? "" : ", (" + schema_hash_sql + ")");
}

void PostgresDriver::NotePrepared(const Pipeline& pipeline, int first_prepare_item) {
  // Prepared statements outlive a rolled-back transaction; they exist once their Parse
  // succeeded, whatever happened after.
  if (prepared_ || first_prepare_item < 0) return;
  bool all = true;
  for (int i = first_prepare_item; i < first_prepare_item + 4; ++i) all &= pipeline.succeeded(i);
  prepared_ = all;
}

void PostgresDriver::AddStepDone(Pipeline& pipeline, const StepRun& run,
                                 std::optional<std::string> started_at) {
  const Step& step = *run.step;
  AddVersionChanges(pipeline, step.version_changes);
  AddDoneLogRow(pipeline,
                {step.revision->id, DirectionText(step.direction), "done", run.checksum,
                 std::move(started_at), run.applied_by, run.strata_version, std::nullopt},
                run.record_schema_hash);
  pipeline.Query("COMMIT", {}, kCommit);
}

Status PostgresDriver::RunWrite(Pipeline& pipeline, int first_prepare, const Step* step,
                                const StatementList* statements) {
  Status sent = pipeline.Run();
  NotePrepared(pipeline, first_prepare);
  if (sent.ok() && pipeline.failed_item() < 0) return Status::Ok();
  session_->RollbackIfOpen();
  return sent.ok() ? PipelineFailure(pipeline, step, statements) : sent;
}

void PostgresDriver::AddVersionChanges(Pipeline& pipeline,
                                       const std::vector<VersionChange>& changes) {
  for (const VersionChange& c : changes) {
    switch (c.kind) {
      case VersionChange::Kind::kInsert:
        pipeline.Prepared(kInsertVersion, {c.to}, kVersionChange);
        break;
      case VersionChange::Kind::kDelete:
        pipeline.Prepared(kDeleteVersion, {c.from}, kVersionChange);
        break;
      case VersionChange::Kind::kUpdate:
        pipeline.Prepared(kUpdateVersion, {c.from, c.to}, kVersionChange);
        break;
    }
  }
}

Params PostgresDriver::LogRowParams(const LogRow& row) {
  return {row.revision,   row.direction,  row.status,         row.checksum,
          row.started_at, row.applied_by, row.strata_version, row.error};
}

void PostgresDriver::AddLogRow(Pipeline& pipeline, const LogRow& row) {
  pipeline.Prepared(kInsertLog, LogRowParams(row), kLogRow);
}

Status PostgresDriver::PipelineFailure(const Pipeline& pipeline, const Step* step,
                                       const StatementList* statements) {
  int item = pipeline.failed_item();
  PgError error = ReadPgError(pipeline.failed_result(), session_->conn());
  ErrorKind kind = KindOfPgError(error, session_->conn());
  const std::string& url = session_->url();
  if (kind == ErrorKind::kConnection) {
    return Status::Connection(fmt::format("lost the connection to {}: {}", RedactUrl(url),
                                          RedactSecrets(FormatPgError(error), url)))
        .WithHint("the step's transaction was rolled back; run the command again");
  }
  int tag = item >= 0 ? pipeline.tag(item) : kControl;
  if (tag >= 0 && step != nullptr && statements != nullptr) {
    return StatementError(
        FailureOf(error, kind, *step, (*statements)[static_cast<size_t>(tag)], tag));
  }
  std::string revision = step != nullptr && step->revision != nullptr ? step->revision->id : "";
  if (error.sqlstate == "57014" && interrupted_.load()) {
    // Interrupt()'s cancel landed on one of the step's own items (BEGIN, the session check, the
    // version or log rows) rather than on a statement of the revision, or on a stamp's or an
    // accept's rows: the same rollback.
    if (revision.empty()) return Status::MigrationFailed("interrupted; nothing was changed");
    return InterruptedStep(*step);
  }
  switch (tag) {
    case kSessionCheck: {
      std::string now_pid = error.message;
      auto pos = now_pid.rfind(' ');
      now_pid = pos == std::string::npos ? "" : now_pid.substr(pos + 1);
      while (!now_pid.empty() && !std::isdigit(static_cast<unsigned char>(now_pid.back()))) {
        now_pid.pop_back();
      }
      return std::move(SessionMovedError(lock_.backend_pid(), now_pid, RedactUrl(url)))
          .WithRevision(revision);
    }
    case kVersionChange: {
      std::string text = FormatPgError(error);
      if (auto pos = error.message.find(kMissingVersionMarker); pos != std::string::npos) {
        std::string missing = error.message.substr(pos + std::string(kMissingVersionMarker).size());
        while (!missing.empty() && missing.back() == '"') missing.pop_back();
        text = fmt::format("the version table {} does not hold {}", version_table_, missing);
      } else if (error.sqlstate == "23505") {
        text = fmt::format("the version table {} already holds that revision: {}", version_table_,
                           text);
      }
      return Status::MigrationFailed(
                 fmt::format("{} changed while strata ran ({}); another tool or process wrote it",
                             version_table_, text))
          .WithRevision(revision)
          .WithHint("nothing was changed; run `strata current` and try again");
    }
    default:
      return Status::Error(kind, fmt::format("{} while recording {} in {}: {}", ErrorKindName(kind),
                                             revision.empty() ? "the stamp" : revision,
                                             version_table_, FormatPgError(error)))
          .WithRevision(revision);
  }
}

StatementFailure PostgresDriver::FailureOf(const PgError& error, ErrorKind kind, const Step& step,
                                           const SqlStatement& statement, int index) {
  size_t in_statement = error.position > 0 ? CharPositionToOffset(statement.text, error.position)
                                           : SkipBlanksAndComments(statement.text, 0);
  StatementFailure f;
  f.step = &step;
  f.kind = kind;
  f.error = RedactSecrets(FormatPgError(error), session_->url());
  // Named while they may still hold the lock: for the retry message and the final error.
  if (kind == ErrorKind::kLockTimeout) f.error += "; " + DescribeLockBlockers(statement.text);
  f.statement = statement.text;
  f.index = index;
  f.line = LineOfOffset(step.section(), statement.offset + in_statement);
  // A cancel that Interrupt() asked for reads as what it is, not as a database failure.
  f.interrupted = error.sqlstate == "57014" && interrupted_.load();
  // Any other cancel is most likely the statement_timeout strata set: say which, and where from.
  if (error.sqlstate == "57014" && !f.interrupted && options_.statement_timeout.count() > 0) {
    f.error += fmt::format(
        " (strata ran it with statement_timeout = {} ms, from strata.toml's statement_timeout "
        "or --statement-timeout)",
        options_.statement_timeout.count());
  }
  return f;
}

Status PostgresDriver::StatementError(const StatementFailure& f) {
  const ErrorKind kind = f.kind;
  if (kind == ErrorKind::kLockTimeout) {
    return StatementFailed(f).WithHint(fmt::format(
        "a table lock was not had within statement_lock_timeout ({} ms){}; nothing was changed, "
        "try again later",
        options_.statement_lock_timeout.count(),
        options_.retries > 0 ? fmt::format(" after {} retries", options_.retries) : ""));
  }
  if (kind != ErrorKind::kMigrationFailed || f.interrupted) return StatementFailed(f);
  return TransactionalStepFailed(f, options_.version_table);
}

// ---- Steps ----------------------------------------------------------------------------------

Result<StepOutcome> PostgresDriver::ApplyStep(const StepRun& run) {
  if (run.step == nullptr || run.step->revision == nullptr) {
    return Status::Usage("ApplyStep needs a step with a revision");
  }
  if (interrupted_.load()) {
    return Status::MigrationFailed("interrupted before " + run.step->revision->id)
        .WithRevision(run.step->revision->id);
  }
  return run.step->revision->transactional ? ApplyTransactional(run) : ApplyNonTransactional(run);
}

Result<StepOutcome> PostgresDriver::ApplyTransactional(const StepRun& run) {
  const Step& step = *run.step;
  size_t error_offset = 0;
  auto split = splits_.Take(step.section().sql, &error_offset);
  // strata begins and commits the step's transaction; a COMMIT in the middle would make the
  // first half permanent and leave the rest unguarded. Refused before anything runs.
  StatementList loose;
  if (!split.ok()) loose = SplitStatementsLoosely(step.section().sql);
  const StatementList& statements = split.ok() ? split.value() : loose;
  for (size_t i = 0; i < statements.size(); ++i) {
    const SqlStatement statement = statements[i];
    if (!IsTransactionControl(statement.text)) continue;
    return RefusedStatement(step, statement,
                            "in a transactional revision; strata runs each transactional "
                            "revision in one transaction that it begins and commits itself",
                            "remove it, or mark the revision `Transactional: false` to run its "
                            "statements one by one in autocommit");
  }
  STRATA_RETURN_IF_ERROR(RefuseClientCopy(step, statements));
  for (int attempt = 0;; ++attempt) {
    // A section libpg_query cannot parse (newer syntax than its PostgreSQL 15 grammar, or a
    // real syntax error) goes to the server whole, which has the last word on it.
    auto outcome = split.ok() ? RunTransactionOnce(run, &split.value()) : RunUnsplitSection(run);
    if (!outcome.ok() && outcome.status().kind() == ErrorKind::kLockTimeout &&
        attempt < options_.retries && !interrupted_.load()) {
      SleepBeforeRetry(attempt,
                       fmt::format("{} {}", DirectionText(step.direction), step.revision->id));
      continue;
    }
    return outcome;
  }
}

Status PostgresDriver::CheckHeadsInTransaction(const StepRun& run, bool* stale) {
  *stale = false;
  ResultPtr begin = session_->ExecScriptRaw("BEGIN");
  if (PQresultStatus(begin.get()) != PGRES_COMMAND_OK) {
    return QueryFailed("starting a transaction", begin.get(), session_->conn(), session_->url());
  }
  // Rows are locked so that a process checking at the same time waits for this one.
  ResultPtr r = session_->ExecRaw(fmt::format(
      "SELECT version_num FROM {} ORDER BY version_num COLLATE \"C\" FOR UPDATE", version_table_));
  std::vector<std::string> now;
  if (PQresultStatus(r.get()) == PGRES_TUPLES_OK) {
    for (int i = 0; i < PQntuples(r.get()); ++i) now.push_back(CellText(r.get(), i, 0));
  } else {
    Status failed =
        QueryFailed("reading the version table", r.get(), session_->conn(), session_->url());
    session_->RollbackIfOpen();
    return failed;
  }
  std::vector<std::string> expected = run.step->heads_before;
  std::sort(expected.begin(), expected.end());
  if (now != expected) {
    *stale = true;
    session_->RollbackIfOpen();
  }
  return Status::Ok();
}

Result<StepOutcome> PostgresDriver::RunTransactionOnce(const StepRun& run,
                                                       const StatementList* statements) {
  const Step& step = *run.step;
  const size_t count = statements != nullptr ? statements->size() : 0;
  StepNotices notices(*session_, options_, step);
  ProgressReporter progress(options_, step);
  size_t next = 0;  // the first statement not sent yet
  for (int batch = 0;; ++batch) {
    Pipeline pipeline(*session_);
    int first_prepare = -1;
    if (batch == 0) {
      if (run.check_heads) {
        bool stale = false;
        STRATA_RETURN_IF_ERROR(CheckHeadsInTransaction(run, &stale));
        if (stale) return StepOutcome::kStale;
      } else {
        pipeline.Query("BEGIN", {}, kControl);
      }
      AddSessionCheck(pipeline);
      for (const RevisionSetting& s :
           RevisionSettings(options_.statement_lock_timeout, options_.statement_timeout)) {
        pipeline.Query(fmt::format("SET LOCAL {} = {}", s.name, s.ms), {}, kControl);
      }
      first_prepare = AddPrepares(pipeline);
    } else if (interrupted_.load()) {
      // Between two batches no statement runs for a cancel to stop: stop here.
      session_->RollbackIfOpen();
      return InterruptedStep(step);
    }
    size_t bytes = 0;
    for (size_t in_batch = 0; next < count && in_batch < kBatchStatements && bytes < kBatchBytes;
         ++in_batch, ++next) {
      const SqlStatement statement = (*statements)[next];
      pipeline.Statement(statement.text, static_cast<int>(next));
      bytes += statement.text.size();
    }
    const bool last = next == count;
    if (last) AddStepDone(pipeline, run, std::nullopt);
    notices.Following(&pipeline, statements);
    STRATA_RETURN_IF_ERROR(RunWrite(pipeline, first_prepare, &step, statements));
    progress.Report(static_cast<int64_t>(next),
                    last ? step.section().sql.size() : (*statements)[next].offset);
    if (last) return StepOutcome::kApplied;
  }
}

Result<StepOutcome> PostgresDriver::RunUnsplitSection(const StepRun& run) {
  const Step& step = *run.step;
  if (run.check_heads) {
    bool stale = false;
    STRATA_RETURN_IF_ERROR(CheckHeadsInTransaction(run, &stale));
    if (stale) return StepOutcome::kStale;
  } else {
    ResultPtr begin = session_->ExecScriptRaw("BEGIN");
    if (PQresultStatus(begin.get()) != PGRES_COMMAND_OK) {
      return QueryFailed("starting a transaction", begin.get(), session_->conn(), session_->url());
    }
  }
  STRATA_RETURN_IF_ERROR(SessionCheck());
  for (const RevisionSetting& s :
       RevisionSettings(options_.statement_lock_timeout, options_.statement_timeout)) {
    auto set = session_->Exec(fmt::format("setting {}", s.name),
                              fmt::format("SET LOCAL {} = {}", s.name, s.ms));
    if (!set.ok()) {
      session_->RollbackIfOpen();
      return set.status();
    }
  }
  // Simple query protocol: the server reports positions within the whole section.
  const SqlStatement whole{step.section().sql, 0};
  StepNotices notices(*session_, options_, step);
  notices.At(whole);
  ResultPtr r = session_->ExecScriptRaw(step.section().sql);
  ExecStatusType status = PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
    PgError error = ReadPgError(r.get(), session_->conn());
    session_->RollbackIfOpen();
    return StatementError(FailureOf(error, KindOfPgError(error, session_->conn()), step, whole, 0));
  }
  Pipeline pipeline(*session_);
  const int first_prepare = AddPrepares(pipeline);
  AddStepDone(pipeline, run, std::nullopt);
  STRATA_RETURN_IF_ERROR(RunWrite(pipeline, first_prepare, &step, nullptr));
  return StepOutcome::kApplied;
}

Status PostgresDriver::SessionCheck() {
  if (!lock_.held()) return Status::Ok();
  auto r = session_->Exec("checking the server session", "SELECT pg_backend_pid()");
  if (!r.ok()) return r.status();
  std::string pid = CellText(r->get(), 0, 0);
  if (pid != std::to_string(lock_.backend_pid())) {
    session_->RollbackIfOpen();
    return SessionMovedError(lock_.backend_pid(), pid, RedactUrl(session_->url()));
  }
  return Status::Ok();
}

Result<std::vector<std::string>> PostgresDriver::InvalidIndexes() {
  auto r = session_->Exec(
      "looking for INVALID indexes",
      "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_index i "
      "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE NOT i.indisvalid ORDER BY 1");
  if (!r.ok()) return r.status();
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(r->get()); ++i) out.push_back(CellText(r->get(), i, 0));
  return out;
}

Status PostgresDriver::WriteFailedLogRow(const LogRow& row) {
  Pipeline pipeline(*session_);
  const int first_prepare = AddPrepares(pipeline);
  AddLogRow(pipeline, row);
  Status sent = pipeline.Run();
  NotePrepared(pipeline, first_prepare);
  if (!sent.ok()) return sent;
  if (pipeline.failed_item() >= 0) {
    return QueryFailed("recording the failure in strata_log", pipeline.failed_result(),
                       session_->conn(), session_->url());
  }
  return Status::Ok();
}

Result<StepOutcome> PostgresDriver::ApplyNonTransactional(const StepRun& run) {
  const Step& step = *run.step;
  const Revision& revision = *step.revision;
  const SqlSection& section = step.section();
  const std::string direction = DirectionText(step.direction);
  size_t error_offset = 0;
  // Autocommit statements need exact boundaries, so only PostgreSQL's parser may split them;
  // a section it cannot parse is refused before anything runs.
  auto split = splits_.Take(section.sql, &error_offset);
  if (!split.ok()) {
    return Status::MigrationFailed(
               fmt::format("{} {}: {}; nothing was run (a Transactional: false revision is split "
                           "into statements by PostgreSQL's parser before it runs)",
                           direction, revision.id, split.status().message()))
        .WithLocation(revision.path, LineOfOffset(section, error_offset))
        .WithRevision(revision.id);
  }
  const StatementList& statements = split.value();
  STRATA_RETURN_IF_ERROR(RefuseClientCopy(step, statements));
  if (run.check_heads) {
    bool stale = false;
    STRATA_RETURN_IF_ERROR(CheckHeadsInTransaction(run, &stale));
    if (stale) return StepOutcome::kStale;
    session_->RollbackIfOpen();  // the check's transaction must not wrap the statements
  }
  STRATA_RETURN_IF_ERROR(SessionCheck());
  auto invalid_before = InvalidIndexes();
  if (!invalid_before.ok()) return invalid_before.status();
  // The server's clock, as for transactional steps (their rows take now()): started_at and the
  // duration (computed by the log row's INSERT from it) read alike whichever kind ran.
  auto clock = session_->Exec("reading the server's clock", "SELECT clock_timestamp()");
  if (!clock.ok()) return clock.status();
  const std::string started_at = CellText(clock->get(), 0, 0);
  // Set for the session around the statements, and reset after them whatever happens.
  std::vector<RevisionSetting> settings;
  auto reset_settings = [&] {
    for (const RevisionSetting& s : settings) session_->ExecRaw(fmt::format("RESET {}", s.name));
  };
  for (const RevisionSetting& s :
       RevisionSettings(options_.statement_lock_timeout, options_.statement_timeout)) {
    auto set =
        session_->Exec(fmt::format("setting {}", s.name), fmt::format("SET {} = {}", s.name, s.ms));
    if (!set.ok()) {
      reset_settings();
      return set.status();
    }
    settings.push_back(s);
  }
  const int count = static_cast<int>(statements.size());
  StepNotices notices(*session_, options_, step);
  ProgressReporter progress(options_, step);
  for (int i = 0; i < count; ++i) {
    const SqlStatement statement = statements[static_cast<size_t>(i)];
    notices.At(statement);
    for (int attempt = 0;; ++attempt) {
      ResultPtr r = session_->ExecRaw(std::string(statement.text));
      ExecStatusType status = PQresultStatus(r.get());
      if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) {
        break;
      }
      PgError error = ReadPgError(r.get(), session_->conn());
      ErrorKind kind = KindOfPgError(error, session_->conn());
      // Read at once: a lock timeout's blockers are named while they may still hold the lock.
      StatementFailure failure = FailureOf(error, kind, step, statement, i);
      // In autocommit a statement that timed out waiting for a lock did nothing, unless it was a
      // concurrent index build that had begun (it leaves an INVALID index): retry it alone.
      if (kind == ErrorKind::kLockTimeout && attempt < options_.retries && !interrupted_.load() &&
          !(IsConcurrentIndexBuild(statement.text) && LeftNewInvalidIndex(*invalid_before))) {
        SleepBeforeRetry(attempt, fmt::format("{} {} statement {}", direction, revision.id, i + 1));
        continue;
      }
      if (kind == ErrorKind::kConnection) return StatementError(failure);
      // The statement is over; what follows records the failure and must not be cancelled by a
      // Ctrl-C that was meant for the statement (the step stays interrupted: no other runs).
      session_->StopCancelling();
      reset_settings();
      std::vector<std::string> left;
      if (auto after = InvalidIndexes(); after.ok()) {
        for (const std::string& index : *after) {
          if (std::find(invalid_before->begin(), invalid_before->end(), index) ==
              invalid_before->end()) {
            left.push_back(index);
          }
        }
      }
      // A lock not had before anything took effect changed nothing: exit 5, try again later.
      if (kind == ErrorKind::kLockTimeout && i == 0 && left.empty()) return StatementError(failure);
      std::string leftovers;
      std::string undo;
      if (!left.empty()) {
        leftovers =
            fmt::format("; the failed {} left INVALID {} {} behind",
                        IsConcurrentIndexBuild(statement.text) ? "index build" : "statement",
                        left.size() == 1 ? "index" : "indexes", fmt::join(left, ", "));
        for (const std::string& index : left) {
          undo += fmt::format("`DROP INDEX CONCURRENTLY {};`, ", index);
        }
      }
      // Both ways out end in a stamp, which also marks this failure as resolved by a person.
      Status partial = PartialStepFailed(failure, options_.version_table, leftovers, undo);
      Status recorded =
          WriteFailedLogRow({revision.id, direction, "failed", run.checksum, started_at,
                             run.applied_by, run.strata_version, PartialFailureLogText(partial)});
      return NoteLogFailure(std::move(partial), recorded);
    }
    progress.Report(i + 1, statement.offset + statement.text.size());
  }
  reset_settings();
  Pipeline pipeline(*session_);
  pipeline.Query("BEGIN", {}, kControl);
  AddSessionCheck(pipeline);
  const int first_prepare = AddPrepares(pipeline);
  AddStepDone(pipeline, run, started_at);
  Status failed = RunWrite(pipeline, first_prepare, &step, nullptr);
  if (failed.ok()) return StepOutcome::kApplied;
  return Status::NeedsPerson(
             fmt::format("every statement of non-transactional revision {} took effect, but "
                         "recording it in {} failed: {}",
                         revision.id, version_table_, failed.message()))
      .WithRevision(revision.id)
      .WithHint(fmt::format("run `strata stamp {}`", StampTarget(step.to_ids)));
}

Status PostgresDriver::Stamp(const std::vector<VersionChange>& changes, const StepRun& log_info) {
  Pipeline pipeline(*session_);
  pipeline.Query("BEGIN", {}, kControl);
  AddSessionCheck(pipeline);
  const int first_prepare = AddPrepares(pipeline);
  AddVersionChanges(pipeline, changes);
  for (size_t i = 0; i < changes.size(); ++i) {
    const VersionChange& c = changes[i];
    const std::string& revision = c.kind == VersionChange::Kind::kDelete ? c.from : c.to;
    // One hash for the whole stamp, on its newest row.
    AddDoneLogRow(pipeline,
                  {revision, "stamp", "done", log_info.checksum, std::nullopt, log_info.applied_by,
                   log_info.strata_version, std::nullopt},
                  i + 1 == changes.size());
  }
  if (changes.empty()) {
    // Still worth a row: a stamp marks earlier failures as resolved by a person.
    AddDoneLogRow(pipeline, {"", "stamp", "done", log_info.checksum, std::nullopt,
                             log_info.applied_by, log_info.strata_version, std::nullopt});
  }
  pipeline.Query("COMMIT", {}, kCommit);
  return RunWrite(pipeline, first_prepare, nullptr, nullptr);
}

Status PostgresDriver::AcceptFiles(const std::vector<AcceptedFile>& files,
                                   const StepRun& log_info) {
  Pipeline pipeline(*session_);
  pipeline.Query("BEGIN", {}, kControl);
  AddSessionCheck(pipeline);
  const int first_prepare = AddPrepares(pipeline);
  for (const AcceptedFile& file : files) {
    AddLogRow(pipeline, {file.revision, "accept", "done", file.checksum, std::nullopt,
                         log_info.applied_by, log_info.strata_version, std::nullopt});
  }
  pipeline.Query("COMMIT", {}, kCommit);
  return RunWrite(pipeline, first_prepare, nullptr, nullptr);
}

}  // namespace strata::pg
