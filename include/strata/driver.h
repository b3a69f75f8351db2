// Driver: strata's one boundary to a database. A SQLite driver over sqlite3 and a PostgreSQL
// driver over libpq implement it; the runtime (src/runtime) knows only this interface.
//
// A Driver owns one connection. It is not thread-safe, except Interrupt(), which may be called
// from any thread while another method runs (Ctrl-C handling).
//
// Tables (DESIGN §5), created by EnsureTables():
//   <version_table>(version_num VARCHAR(32) NOT NULL, CONSTRAINT <version_table>_pkc PRIMARY
//     KEY (version_num))  -- exactly Alembic's layout; one row per current head
//   strata_log(id, revision, direction, status, checksum, started_at, duration_ms, applied_by,
//     strata_version, error, schema_hash)  -- one row per applied step; schema_hash (nullable,
//     added in place to older tables) is the snapshot hash after the step (snapshot.h)
#ifndef STRATA_DRIVER_H_
#define STRATA_DRIVER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/plan.h"
#include "strata/snapshot.h"
#include "strata/status.h"
#include "strata/url.h"

namespace strata {

// How far a step's statements have got (DriverOptions::on_progress).
struct StepProgress {
  const Step* step = nullptr;
  int64_t statements_done = 0;                    // statements of the section that have run
  size_t bytes_done = 0;                          // how far into the section they reach
  size_t bytes_total = 0;                         // the section's size
  std::chrono::steady_clock::duration elapsed{};  // since the step's statements began
  bool finished = false;  // the step's last report: it ended (applied, failed or interrupted)
};

struct DriverOptions {
  std::string version_table = "alembic_version";
  std::string version_schema;  // PostgreSQL only; empty = search_path
  std::chrono::seconds lock_timeout{60};
  // PostgreSQL `lock_timeout` for each statement; 0 = unset.
  std::chrono::milliseconds statement_lock_timeout{0};
  // PostgreSQL `statement_timeout` for each statement of a revision (SET LOCAL in its
  // transaction; SET and RESET around a Transactional: false one); 0 = unset. A statement that
  // runs longer fails the step like any other failing statement.
  std::chrono::milliseconds statement_timeout{0};
  // How often a step whose statement timed out waiting for a table lock (statement_lock_timeout)
  // is rolled back and run again, after an exponential backoff with jitter.
  int retries = 0;
  // Preflight: sessions idle in a transaction for longer than this are reported too (they hold
  // locks and snapshots that DDL and CREATE INDEX CONCURRENTLY wait for). Negative: not checked.
  std::chrono::seconds idle_in_transaction_threshold{60};
  // Preflight: when it finds sessions in the way, stop with kLockTimeout instead of proceeding.
  bool refuse_if_blocked = false;
  // Whether each step's strata_log row records the schema hash after it (driver.h's ApplyStep).
  // It costs a catalog read of the whole schema per step; the scratch databases of `verify` and
  // `diff` turn it off, since nothing reads their strata_log.
  bool record_schema_hash = true;
  // Called with a progress line while waiting (for a lock, before a retry). May be empty.
  std::function<void(const std::string&)> on_wait;
  // Called with each message the database sends about a revision's statements (PostgreSQL's
  // NOTICE, WARNING, INFO, ...): `severity` as the server names it (untranslated), `line` as
  // "<file>:<line>: <direction> <revision>: <SEVERITY>: <message>". May be empty.
  std::function<void(const std::string& severity, const std::string& line)> on_notice;
  // Called now and then while a step's statements run (PostgreSQL: after each batch of a
  // transactional step; SQLite: every 1,000 statements; both: after each statement of a
  // Transactional: false step), then once with `finished` set when the step ends, whichever way.
  // Called on the thread running the step, between statements; it may call Interrupt(). May be
  // empty.
  std::function<void(const StepProgress&)> on_progress;
};

// A PostgreSQL setting strata gives each revision's statements, in milliseconds.
struct RevisionSetting {
  const char* name;  // "lock_timeout", "statement_timeout"
  long long ms;
};

// The settings asked for (statement_lock_timeout as lock_timeout, then statement_timeout; 0 =
// unset), those that are set: the driver SETs them (LOCAL in a transaction) and the --sql script
// prints them, alike.
inline std::vector<RevisionSetting> RevisionSettings(
    std::chrono::milliseconds statement_lock_timeout, std::chrono::milliseconds statement_timeout) {
  std::vector<RevisionSetting> out;
  if (statement_lock_timeout.count() > 0) {
    out.push_back({"lock_timeout", static_cast<long long>(statement_lock_timeout.count())});
  }
  if (statement_timeout.count() > 0) {
    out.push_back({"statement_timeout", static_cast<long long>(statement_timeout.count())});
  }
  return out;
}

// One row of strata_log.
struct LogEntry {
  int64_t id = 0;
  std::string revision;
  std::string direction;  // "upgrade" | "downgrade" | "stamp" | "accept"
  std::string status;     // "done" | "failed"
  std::string checksum;
  std::string started_at;  // ISO-8601 UTC, "2026-02-09T10:21:33Z"
  int64_t duration_ms = 0;
  std::string applied_by;
  std::string strata_version;
  std::string error;
};

// The newest successful step or stamp in strata_log, with the schema hash it recorded: what the
// schema was when strata last changed it (or a person stamped it).
struct RecordedSchema {
  int64_t log_id = 0;
  std::string revision;
  std::string direction;   // "upgrade" | "downgrade" | "stamp"
  std::string started_at;  // ISO-8601 UTC
  std::string hash;        // SchemaSnapshot::hash; empty when the row has none (older strata)
};

// What the runtime asks a driver to do for one step.
struct StepRun {
  const Step* step = nullptr;
  std::string checksum;  // SectionChecksum of the section run
  std::string applied_by;
  std::string strata_version;
  // When true, the driver first checks, inside the step's transaction, that the version table
  // still holds step->heads_before, and returns StepOutcome::kStale without running anything when
  // it does not (another process migrated in between). Used when the lock does not span the run.
  bool check_heads = false;
  // Whether the step's strata_log row records the schema hash (when the driver records hashes at
  // all). Hashing reads the whole catalog, so a run records it on its last step only: drift
  // compares against the newest step's row, and hashing every step made a run from empty
  // quadratic in the schema's size.
  bool record_schema_hash = true;
};

enum class StepOutcome { kApplied, kStale };

// An applied revision whose edited file a person accepts as it is now (`upgrade
// --allow-changed`), with the checksum of its upgrade section now.
struct AcceptedFile {
  std::string revision;
  std::string checksum;
};

// One streaming standby of a PostgreSQL primary, as pg_stat_replication shows it (replicas.h).
struct StandbyState {
  std::string name;         // application_name (the standby's cluster_name, or "walreceiver")
  std::string client_addr;  // "127.0.0.1", or "local" over a unix socket
  std::string state;        // "streaming", "catchup", ...
  std::string replay_lsn;   // empty when the client does not replay (pg_basebackup, pg_receivewal)
  // How far replay is behind the LSN asked about, in bytes of WAL; 0 once it has replayed it.
  int64_t behind_bytes = 0;
  std::optional<double> replay_lag_seconds;  // pg_stat_replication.replay_lag, when known
};

class Driver {
 public:
  virtual ~Driver() = default;

  // "sqlite" or "postgresql".
  virtual const char* dialect() const = 0;

  // True when AcquireLock holds a lock for the whole run (PostgreSQL's session advisory lock).
  // False when the driver serialises work per step instead (SQLite: BEGIN IMMEDIATE per step),
  // in which case the runtime sets StepRun::check_heads.
  virtual bool lock_spans_run() const = 0;

  // Takes the migration lock, waiting up to options.lock_timeout (kLockTimeout after that,
  // naming the holder where known). Released by ReleaseLock or when the driver is destroyed.
  virtual Status AcquireLock() = 0;
  virtual Status ReleaseLock() = 0;

  // Creates the version table and strata_log when missing, and adds strata_log.schema_hash to
  // a strata_log made by an older strata. Idempotent. When the column cannot be added (the role
  // does not own the table), says so through options.on_wait and goes on without recording
  // schema hashes rather than failing the migration.
  virtual Status EnsureTables() = 0;

  // The version table's rows, sorted. Empty (not an error) when the table does not exist.
  virtual Result<std::vector<std::string>> ReadVersions() = 0;

  // Runs one step: the section's SQL, the step's version changes and a strata_log row, which
  // records the schema hash after the step (Snapshot().hash, computed in the step's final
  // transaction). Transactional revisions do all of it in one transaction: on failure everything
  // is rolled
  // back and kMigrationFailed is returned with the database's message, the revision id and the
  // file:line of the failing statement. Non-transactional revisions run statement by statement
  // in autocommit; on failure a strata_log row with status "failed" is left behind and
  // kNeedsPerson is returned naming the statement that failed.
  virtual Result<StepOutcome> ApplyStep(const StepRun& run) = 0;

  // Before the first step of `plan`: looks for other sessions that would make its statements
  // wait (PostgreSQL: sessions holding or waiting for locks on the tables they lock, or idle in
  // a transaction past options.idle_in_transaction_threshold) and reports them through
  // options.on_wait. kLockTimeout naming them, before anything ran, when any are found and
  // options.refuse_if_blocked is set; otherwise Ok. Drivers with nothing to check keep this.
  virtual Status Preflight(const Plan& plan) {
    (void)plan;
    return Status::Ok();
  }

  // Applies version changes without running SQL, logging one "stamp" row per changed revision
  // (each with the schema hash: the person stamping declares this schema the revision's).
  // With no changes it still logs one "stamp" row (empty revision): that is how a person declares
  // the database's state after repairing a partial failure by hand.
  virtual Status Stamp(const std::vector<VersionChange>& changes, const StepRun& log_info) = 0;

  // Logs one "accept" row per file, carrying its checksum now, in one transaction, and changes
  // nothing else: later runs compare the files against these checksums (inspect.h).
  virtual Status AcceptFiles(const std::vector<AcceptedFile>& files, const StepRun& log_info) = 0;
  // The newest `limit` strata_log rows, newest first. Empty when the table does not exist.
  virtual Result<std::vector<LogEntry>> ReadLog(int limit) = 0;

  // Non-transactional steps that failed part way and were not resolved since: a failure is
  // resolved by a later successful upgrade or downgrade of the same revision or by any later
  // stamp.
  virtual Result<std::vector<LogEntry>> UnresolvedFailures() = 0;

  // Size of the database in bytes, or nullopt when unknown.
  virtual Result<std::optional<int64_t>> DatabaseSize() = 0;

  // The schema as it is now (snapshot.h): every object a migration can change, read from the
  // catalogs in one consistent read, strata's own tables left out. Read-only: takes no lock and
  // creates nothing. Fails (kMigrationFailed, or kConnection) when the catalogs cannot be read.
  virtual Result<SchemaSnapshot> Snapshot() = 0;

  // Snapshot().hash; drivers may compute it without sending the objects. Fails as Snapshot().
  virtual Result<std::string> SchemaHash() {
    Result<SchemaSnapshot> snapshot = Snapshot();
    if (!snapshot.ok()) return snapshot.status();
    return std::move(snapshot).value().hash;
  }

  // The newest "done" upgrade, downgrade or stamp row of strata_log, with its schema hash (empty
  // when that row has none); nullopt when there is no such row or strata_log has no schema_hash
  // column yet. Rows after it (accepts, failures) change nothing or are drift. Read-only.
  virtual Result<std::optional<RecordedSchema>> LastRecordedSchema() = 0;

  // Scratch databases for `verify` and `diff`, on this driver's server: creates an empty
  // database called `name` and returns a URL that opens it (with this connection's credentials;
  // pass it only through RedactUrl), or drops one made that way, closing its sessions. kUsage
  // where the database kind has no server (SQLite: a scratch database is a temporary file);
  // otherwise fails as the statement does (no CREATEDB privilege: kMigrationFailed).
  virtual Result<std::string> CreateScratchDatabase(const std::string& name) {
    return Status::Usage("cannot create database " + name + " through a " + dialect() +
                         " connection");
  }
  virtual Status DropScratchDatabase(const std::string& name) {
    return Status::Usage("cannot drop database " + name + " through a " + dialect() +
                         " connection");
  }

  // Aborts the statement running on another thread, if any. Thread-safe.
  virtual void Interrupt() = 0;

  // ---- Replication (replicas.h). Drivers without replication keep the defaults. ----
  // True when the server is a standby in recovery (read-only): migrations are refused there.
  virtual Result<bool> IsStandby() { return false; }
  // The WAL position just past everything committed so far ("0/3000148"); empty without WAL.
  virtual Result<std::string> CurrentWalLsn() { return std::string(); }
  // Every standby streaming from this server, with how far its replay is behind `lsn` (empty:
  // behind the current WAL position). Empty when there are none.
  virtual Result<std::vector<StandbyState>> Standbys(const std::string& lsn) {
    (void)lsn;
    return std::vector<StandbyState>();
  }

  // Runs one statement outside any migration step and returns its rows, every column as text
  // (nullopt for NULL); for the operations that read what the methods above do not (backup
  // manifests, row counts, serve's probes). Runs in autocommit unless the caller sent BEGIN.
  // Fails as the statement does (kMigrationFailed), kConnection when the connection is gone.
  using Rows = std::vector<std::vector<std::optional<std::string>>>;
  virtual Result<Rows> Query(const std::string& sql) {
    (void)sql;
    return Status::Usage(std::string("queries are not supported by the ") + dialect() + " driver");
  }
};

// Opens a driver for `url`. kConnection when the database cannot be reached (message shows the
// redacted URL), kUsage for an unsupported scheme.
Result<std::unique_ptr<Driver>> OpenDriver(const DatabaseUrl& url, const DriverOptions& options);

}  // namespace strata

#endif  // STRATA_DRIVER_H_
