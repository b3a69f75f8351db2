// Migrator: runs plans against a database through a Driver (Alembic's MigrationContext).
//
// Order of work for upgrade/downgrade: refuse a standby (read-only), take the migration lock, refuse to go on when a
// non-transactional step failed part way earlier (kNeedsPerson), read the current heads, refuse
// unknown heads (kNeedsPerson), plan, then apply the steps one by one. When the driver's lock
// does not span the run (SQLite), each step re-checks the heads inside its own transaction and
// the plan is recomputed if another process moved the database meanwhile; so many processes
// running `upgrade head` at once apply each revision exactly once.
//
// Not thread-safe, except Interrupt().
#ifndef STRATA_MIGRATOR_H_
#define STRATA_MIGRATOR_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "strata/driver.h"
#include "strata/graph.h"
#include "strata/inspect.h"
#include "strata/plan.h"
#include "strata/replicas.h"
#include "strata/status.h"

namespace strata {

// Receives progress; the CLI prints it. Default implementations do nothing.
class MigrationObserver {
 public:
  virtual ~MigrationObserver() = default;
  virtual void OnStepStart(const Step& /*step*/) {}
  virtual void OnStepDone(const Step& /*step*/, int64_t /*duration_ms*/) {}
  virtual void OnInfo(const std::string& /*line*/) {}
};

struct RunResult {
  std::vector<std::string> heads_before;
  std::vector<std::string> heads_after;
  int steps_applied = 0;
  // Upgrade with allow_changed: the applied revisions whose edited files it accepted.
  std::vector<ChangedRevision> accepted;
  // Upgrade with wait_replicas, when steps were applied: the WAL position waited for and the
  // standbys that replayed it.
  std::string commit_lsn;
  std::vector<StandbyState> standbys;
};

class Migrator {
 public:
  // `driver` and `graph` must outlive the Migrator. `observer` may be null.
  Migrator(Driver& driver, const RevisionGraph& graph, MigrationObserver* observer);

  // The database's current heads, sorted; kNeedsPerson when a head names no known revision.
  Result<std::vector<std::string>> Current();

  // Upgrade refuses (kInvalidScripts, before any step runs) when an applied revision's file
  // changed since it was applied (inspect.h's ChangedRevisions). With allow_changed it accepts
  // the files as they are now instead (Driver::AcceptFiles, reported through the observer's
  // OnInfo), and later runs compare against them.
  Result<RunResult> Upgrade(std::string_view target);
  Result<RunResult> Downgrade(std::string_view target);
  Result<RunResult> Stamp(std::string_view target, bool purge);

  // Stops the run: the running statement is cancelled (its transaction rolls back) and no
  // further step starts. Thread-safe; callable from a signal-handling thread.
  void Interrupt();

  // Lets Upgrade accept applied revisions' changed files (`upgrade --allow-changed`).
  void set_allow_changed(bool allow) { allow_changed_ = allow; }

  // `upgrade --wait-replicas` (replicas.h): after the last step committed and the migration lock
  // is released, Upgrade waits until every standby replayed it; kReplicaLag (exit 8) when
  // wait.timeout runs out. A timeout of 0 turns it off. wait.interrupted is set by Interrupt().
  void set_wait_replicas(ReplicaWait wait) { wait_replicas_ = std::move(wait); }

 private:
  enum class Kind { kUpgrade, kDowngrade };
  Result<RunResult> Run(Kind kind, std::string_view target);
  // Logs the changed files as accepted (upgrade --allow-changed), one OnInfo line each.
  Status AcceptChangedFiles(const std::vector<ChangedRevision>& changed);

  Driver& driver_;
  const RevisionGraph& graph_;
  MigrationObserver* observer_;
  std::atomic<bool> interrupted_{false};
  bool allow_changed_ = false;
  ReplicaWait wait_replicas_;
};

// "strata <version>"; stored in strata_log.strata_version.
const char* StrataVersion();

}  // namespace strata

#endif  // STRATA_MIGRATOR_H_
