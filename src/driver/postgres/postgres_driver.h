// PostgresDriver: the Driver (include/strata/driver.h) over libpq.
//
// - One connection for the driver's lifetime; the migration lock is a session advisory lock on
//   it (migration_lock.h), so lock_spans_run() is true.
// - A transactional step is one round trip: BEGIN, a check that the server session is still the
//   one holding the lock, SET LOCAL lock_timeout, the section's statements (split by
//   PostgreSQL's parser so each error names its statement and file:line), the version-table
//   changes and the strata_log row through prepared statements, COMMIT (pipeline.h). A step of
//   more statements than one batch holds (kBatchStatements or kBatchBytes) is sent as several
//   batches in its one transaction, each read back before the next is sent, so memory does not
//   grow with the revision: the statements are offsets into the section (statement_split.h),
//   and only the results of one batch are ever pending.
// - A non-transactional step runs its statements one by one in autocommit and records the
//   version change only after the last one; a failure part way leaves a "failed" strata_log row
//   and returns kNeedsPerson naming the statement, what took effect (INVALID indexes from
//   pg_index) and the commands that resolve it.
// - With statement_lock_timeout set, a step whose statement times out waiting for a table lock
//   (55P03) is rolled back and retried up to `retries` times, naming the sessions holding locks
//   on its tables (lock_retry.cc); Preflight reports such sessions before the first step
//   (preflight.h).
// - The version table and strata_log live in version_schema when set (created if missing),
//   else wherever search_path puts them; every identifier is quoted.
// - Schema snapshots (postgres_snapshot.cc, catalog_snapshot.h) are one catalog statement; the
//   strata_log row of each step and stamp carries the snapshot hash, computed by the server in
//   the same statement that inserts the row, so recording it costs no extra round trip.
//
// Not thread-safe, except Interrupt() (PQcancel plus a flag that stops a lock wait).
#ifndef STRATA_DRIVER_POSTGRES_POSTGRES_DRIVER_H_
#define STRATA_DRIVER_POSTGRES_POSTGRES_DRIVER_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "driver/postgres/migration_lock.h"
#include "driver/postgres/pg_error.h"
#include "driver/postgres/pipeline.h"
#include "driver/postgres/session.h"
#include "driver/postgres/split_cache.h"
#include "driver/postgres/statement_split.h"
#include "driver/step_failure.h"
#include "strata/driver.h"

namespace strata::pg {

class PostgresDriver final : public Driver {
 public:
  // kConnection when the server cannot be reached (the message shows the redacted URL).
  static Result<std::unique_ptr<Driver>> Open(const DatabaseUrl& url, const DriverOptions& options);

  const char* dialect() const override { return "postgresql"; }
  bool lock_spans_run() const override { return true; }
  Status AcquireLock() override;
  Status ReleaseLock() override;
  Status EnsureTables() override;
  Result<std::vector<std::string>> ReadVersions() override;
  Status Preflight(const Plan& plan) override;  // preflight.h
  Result<StepOutcome> ApplyStep(const StepRun& run) override;
  Status Stamp(const std::vector<VersionChange>& changes, const StepRun& log_info) override;
  Status AcceptFiles(const std::vector<AcceptedFile>& files, const StepRun& log_info) override;
  Result<std::vector<LogEntry>> ReadLog(int limit) override;
  Result<std::vector<LogEntry>> UnresolvedFailures() override;
  Result<std::optional<int64_t>> DatabaseSize() override;
  void Interrupt() override;
  // postgres_snapshot.cc
  Result<SchemaSnapshot> Snapshot() override;
  Result<std::string> SchemaHash() override;
  Result<std::optional<RecordedSchema>> LastRecordedSchema() override;
  Result<std::string> CreateScratchDatabase(const std::string& name) override;
  Status DropScratchDatabase(const std::string& name) override;
  // postgres_replication.cc
  Result<bool> IsStandby() override;
  Result<std::string> CurrentWalLsn() override;
  Result<std::vector<StandbyState>> Standbys(const std::string& lsn) override;
  Result<Rows> Query(const std::string& sql) override;

 private:
  PostgresDriver(std::unique_ptr<Session> session, DriverOptions options);

  // A transactional step's statements go to the server in batches of at most this many
  // statements, or as many as reach this many bytes of SQL: one round trip for any ordinary
  // revision, and a bound on what is in flight (libpq's buffers, the pending results) for a
  // data migration of millions.
  static constexpr size_t kBatchStatements = 5000;
  static constexpr size_t kBatchBytes = size_t{4} << 20;

  // What a pipeline item was, for mapping its failure (user statements use their index >= 0).
  enum Tag : int {
    kControl = -1,
    kSessionCheck = -2,
    kVersionChange = -3,
    kLogRow = -4,
    kPrepare = -5,
    kCommit = -6,
  };

  struct LogRow {
    std::string revision;
    std::string direction;
    std::string status;
    std::string checksum;
    // The server's clock_timestamp() when the step began; null: the transaction's start (now()).
    // The duration is measured by the server from it up to the insert.
    std::optional<std::string> started_at;
    std::string applied_by;
    std::string strata_version;
    std::optional<std::string> error;
  };

  Result<StepOutcome> ApplyTransactional(const StepRun& run);
  Result<StepOutcome> ApplyNonTransactional(const StepRun& run);
  // One attempt of a transactional step: ok, or the error (its transaction rolled back).
  Result<StepOutcome> RunTransactionOnce(const StepRun& run, const StatementList* statements);
  Result<StepOutcome> RunUnsplitSection(const StepRun& run);
  Status CheckHeadsInTransaction(const StepRun& run, bool* stale);

  // Queues the statements every write transaction shares.
  void AddSessionCheck(Pipeline& pipeline);
  // Queues the PREPAREs unless done in an earlier transaction; returns the first one's item (for
  // NotePrepared), or -1 when nothing was queued.
  int AddPrepares(Pipeline& pipeline);
  void AddVersionChanges(Pipeline& pipeline, const std::vector<VersionChange>& changes);
  void AddLogRow(Pipeline& pipeline, const LogRow& row);
  static Params LogRowParams(const LogRow& row);  // $1-$8 of LogInsertSql
  // INSERT of a strata_log row into `table`; with `schema_hash_sql` (a scalar query) not empty,
  // its value goes into schema_hash.
  static std::string LogInsertSql(const std::string& table, const std::string& schema_hash_sql);
  // The row of a step or stamp, which records the schema hash after it when strata_log has the
  // column (postgres_snapshot.cc); else as AddLogRow.
  void AddDoneLogRow(Pipeline& pipeline, const LogRow& row, bool with_hash = true);
  // Queues what ends a step's transaction: its version-table changes, its 'done' row in
  // strata_log (see LogRow::started_at) and COMMIT.
  void AddStepDone(Pipeline& pipeline, const StepRun& run, std::optional<std::string> started_at);
  // Runs a write transaction's pipeline: Ok, or (its transaction rolled back) what failed, naming
  // `step`'s statement when `statements` are those the pipeline ran.
  Status RunWrite(Pipeline& pipeline, int first_prepare, const Step* step,
                  const StatementList* statements);
  // After a pipeline's failure (its transaction already rolled back): the Status to return.
  Status PipelineFailure(const Pipeline& pipeline, const Step* step,
                         const StatementList* statements);
  void NotePrepared(const Pipeline& pipeline, int first_prepare_item);

  // A revision's statement failed: what the shared wording (step_failure.h) needs, with the
  // database's words (secrets masked) and the file line of the statement or of the error
  // position inside it.
  StatementFailure FailureOf(const PgError& error, ErrorKind kind, const Step& step,
                             const SqlStatement& statement, int index);
  // The Status for a statement of a transactional step (or one that changed nothing): rolled
  // back, a lock timeout, an interrupt or a lost connection.
  Status StatementError(const StatementFailure& failure);
  Status SessionCheck();
  Result<std::vector<std::string>> InvalidIndexes();
  Status WriteFailedLogRow(const LogRow& row);
  // Lock-timeout retries (lock_retry.cc). After a statement failed with lock_not_available and
  // its transaction was rolled back: the sessions holding locks on the tables it names, as text
  // for messages (also kept in last_blockers_ for the retry message).
  std::string DescribeLockBlockers(std::string_view statement);
  // Reports the retry through on_wait (naming `what` and last_blockers_) and sleeps an
  // exponential backoff with jitter; returns early when interrupted.
  void SleepBeforeRetry(int attempt, const std::string& what);
  // True when a new INVALID index exists compared with `before` (a CREATE INDEX CONCURRENTLY
  // that timed out after it began): such a statement is not retried.
  bool LeftNewInvalidIndex(const std::vector<std::string>& before);

  std::unique_ptr<Session> session_;
  DriverOptions options_;
  SplitCache splits_;          // the pre-flight's splits, taken by the steps (split_cache.h)
  std::string version_table_;  // quoted, schema-qualified when version_schema is set
  std::string log_table_;
  MigrationLock lock_;
  // Looks up which of the version table and strata_log exist, unless both are already known to.
  // Reading a missing table and catching the error would do, but leaves an ERROR line in the
  // server's log on every run against a fresh database, which log monitoring reports.
  Status LookForTables();
  // EnsureTables' first half: creates the version schema and tables that are missing.
  Status CreateMissingTables();
  // EnsureTables' second half (postgres_snapshot.cc): adds strata_log.schema_hash when missing
  // and prepares the statement that inserts a row with the hash. Where either cannot be done,
  // says why through on_wait and leaves record_hash_ false: migrations go on without hashes.
  Status PrepareSchemaHash();
  // Runs `sqls` through `pipeline` in one round trip, in one read-only REPEATABLE READ
  // transaction set up for the catalog snapshot statements (catalog_snapshot.h); (*items)[i] is
  // the pipeline item whose result is sqls[i]'s.
  Status ReadCatalog(Pipeline& pipeline, const std::vector<const std::string*>& sqls,
                     std::vector<int>* items);
  // The parameters of SnapshotSettingsSql: strata's tables named so that they are found
  // whatever search_path a revision set (resolved by PrepareSchemaHash).
  Params SnapshotSettings() const;
  bool record_hash_ = false;            // steps record schema_hash (PrepareSchemaHash succeeded)
  bool hash_checked_ = false;           // PrepareSchemaHash found strata_log on this connection
  std::string resolved_version_table_;  // schema-qualified, quoted; empty until resolved
  std::string resolved_log_table_;
  bool version_table_exists_ = false;
  bool log_table_exists_ = false;
  bool prepared_ = false;
  std::string last_blockers_;  // DescribeLockBlockers' latest answer
  std::atomic<bool> interrupted_{false};
};

}  // namespace strata::pg

#endif  // STRATA_DRIVER_POSTGRES_POSTGRES_DRIVER_H_
