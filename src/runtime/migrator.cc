// The migrator (migrator.h): lock, check, plan, apply; re-plan when another process got there
// first. Knows only the abstract Driver, so it runs the same on SQLite and PostgreSQL.
#include "strata/migrator.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "runtime/applied_by.h"
#include "strata/inspect.h"
#include "strata/version.h"

namespace strata {
namespace {

// Each re-plan happens because another process applied at least one step, so the number of
// re-plans is bounded by the history's length in practice; this cap only stops a livelock
// (e.g. two processes driving the database up and down against each other).
constexpr int kMaxReplans = 10000;

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Releases the migration lock when a run ends, however it ends. A failed release is not
// reported: the run's own outcome is what the user needs, and the lock dies with the session.
class LockGuard {
 public:
  explicit LockGuard(Driver& driver) : driver_(driver) {}
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;
  ~LockGuard() { (void)driver_.ReleaseLock(); }

 private:
  Driver& driver_;
};

Status UnresolvedFailure(const std::vector<LogEntry>& failures) {
  const LogEntry& f = failures.front();
  std::string more = failures.size() > 1 ? " (and " + std::to_string(failures.size() - 1) + " more)"
                                         : std::string();
  return Status::NeedsPerson("non-transactional " + f.direction + " of revision " + f.revision +
                             " failed part way at " + f.started_at + more + ": " + f.error)
      .WithRevision(f.revision)
      .WithHint("finish its remaining statements by hand and run `strata stamp " + f.revision +
                "`, or undo its applied statements by hand and `strata stamp` the revision "
                "before it; then run strata again");
}

// The target to re-plan towards after another process moved the database: the heads the
// first plan was heading for, so that a relative target ("+2", "-1") is not applied twice.
std::string AbsoluteTarget(std::string_view target, const std::vector<std::string>& heads_after) {
  if (heads_after.empty()) return "base";
  if (heads_after.size() == 1) return heads_after.front();
  return std::string(target);  // "heads", "LABEL@head": already absolute
}

}  // namespace

Migrator::Migrator(Driver& driver, const RevisionGraph& graph, MigrationObserver* observer)
    : driver_(driver), graph_(graph), observer_(observer) {}

void Migrator::Interrupt() {
  // Async-signal-safe: an atomic store and the driver's Interrupt (sqlite3_interrupt/PQcancel).
  interrupted_.store(true);
  driver_.Interrupt();
}

namespace {

Status CheckKnownHeads(const RevisionGraph& graph, const std::vector<std::string>& heads,
                       const std::string& table_hint) {
  for (const std::string& head : heads) {
    if (graph.Find(head) == nullptr) {
      return Status::NeedsPerson("the version table names revision " + head +
                                 ", which no file in the migrations folder defines")
          .WithRevision(head)
          .WithHint(table_hint);
    }
  }
  return Status::Ok();
}

constexpr const char* kUnknownHeadHint =
    "check that --dir points at this database's migrations, or restore the missing revision "
    "file; `strata stamp --purge REV` rewrites the version table";

}  // namespace

Result<std::vector<std::string>> Migrator::Current() {
  // Reads only: never takes the lock or creates tables, so `current` on a fresh or read-only
  // database changes nothing.
  Result<std::vector<std::string>> versions = driver_.ReadVersions();
  if (!versions.ok()) return versions.status();
  STRATA_RETURN_IF_ERROR(CheckKnownHeads(graph_, *versions, kUnknownHeadHint));
  return Sorted(std::move(versions).value());
}

Result<RunResult> Migrator::Upgrade(std::string_view target) {
  Result<RunResult> result = Run(Kind::kUpgrade, target);
  if (!result.ok() || result->steps_applied == 0 || wait_replicas_.timeout.count() <= 0) {
    return result;
  }
  // After Run released the migration lock: other runs need not wait for the standbys too.
  Result<std::string> lsn = driver_.CurrentWalLsn();
  if (!lsn.ok()) return lsn.status();
  if (lsn->empty()) return result;  // no WAL, no standbys (SQLite)
  result->commit_lsn = *lsn;
  ReplicaWait wait = wait_replicas_;
  wait.interrupted = &interrupted_;
  STRATA_RETURN_IF_ERROR(WaitForStandbys(driver_, *lsn, wait));
  Result<std::vector<StandbyState>> standbys = driver_.Standbys(*lsn);
  if (standbys.ok()) result->standbys = std::move(standbys).value();
  return result;
}

Result<RunResult> Migrator::Downgrade(std::string_view target) {
  return Run(Kind::kDowngrade, target);
}

Result<RunResult> Migrator::Run(Kind kind, std::string_view target) {
  auto plan_for = [&](const std::vector<std::string>& current,
                      std::string_view to) -> Result<Plan> {
    return kind == Kind::kUpgrade ? PlanUpgrade(graph_, current, to)
                                  : PlanDowngrade(graph_, current, to);
  };
  auto interrupted = [&](const std::vector<std::string>& heads) {
    return Status::MigrationFailed(
        "interrupted; no further step was started and the database "
        "is at " +
        RevisionList(heads));
  };

  STRATA_RETURN_IF_ERROR(RefuseStandby(driver_));
  STRATA_RETURN_IF_ERROR(driver_.AcquireLock());
  LockGuard lock(driver_);

  Result<std::vector<LogEntry>> failures = driver_.UnresolvedFailures();
  if (!failures.ok()) return failures.status();
  if (!failures->empty()) return UnresolvedFailure(*failures);

  Result<std::vector<std::string>> current = Current();
  if (!current.ok()) return current.status();
  std::vector<ChangedRevision> accepted;
  if (kind == Kind::kUpgrade) {
    // Before planning: an edited applied file means the files no longer describe this database,
    // and upgrading on top of that hides it, unless a person accepts the edit (and it is logged).
    Result<std::vector<ChangedRevision>> changed = ChangedRevisions(driver_, graph_, *current);
    if (!changed.ok()) return changed.status();
    if (!changed->empty()) {
      if (!allow_changed_) return ChangedRevisionsError(*changed);
      STRATA_RETURN_IF_ERROR(AcceptChangedFiles(*changed));
    }
    accepted = std::move(changed).value();
  }
  Result<Plan> plan = plan_for(*current, target);
  if (!plan.ok()) return plan.status();

  RunResult result;
  result.accepted = std::move(accepted);
  result.heads_before = *current;
  result.heads_after = *current;
  if (plan->steps.empty()) return result;  // nothing to write: no tables created

  // Sessions in the plan's way are named before anything runs (refused with kLockTimeout under
  // refuse_if_blocked); the statement lock timeout and retries handle them otherwise.
  STRATA_RETURN_IF_ERROR(driver_.Preflight(*plan));
  STRATA_RETURN_IF_ERROR(driver_.EnsureTables());
  const std::string applied_by = AppliedBy();
  const bool check_heads = !driver_.lock_spans_run();
  int replans = 0;
  size_t i = 0;
  while (i < plan->steps.size()) {
    if (interrupted_.load()) {
      Result<std::vector<std::string>> now = driver_.ReadVersions();
      return interrupted(now.ok() ? *now : result.heads_after);
    }
    const Step& step = plan->steps[i];
    if (observer_ != nullptr) observer_->OnStepStart(step);
    StepRun run;
    run.step = &step;
    run.checksum = SectionChecksum(step.section().sql);
    run.applied_by = applied_by;
    run.strata_version = StrataVersion();
    run.check_heads = check_heads;
    run.record_schema_hash = i + 1 == plan->steps.size();
    auto t0 = std::chrono::steady_clock::now();
    Result<StepOutcome> outcome = driver_.ApplyStep(run);
    if (!outcome.ok()) {
      // Every failure of a step names it, a lost connection included.
      Status failed = outcome.status();
      if (failed.revision().empty()) failed = std::move(failed).WithRevision(step.revision->id);
      return failed;
    }
    if (*outcome == StepOutcome::kStale) {
      // Another process applied steps since we planned. Re-read and re-plan towards the same
      // heads; when it already got there, there is nothing left for us to do.
      if (++replans > kMaxReplans) {
        return Status::MigrationFailed("the database keeps changing under this run; gave up")
            .WithHint("make sure only one kind of migration runs against it at a time");
      }
      std::vector<std::string> heads_after = Sorted(plan->heads_after);
      Result<std::vector<std::string>> now = Current();
      if (!now.ok()) return now.status();
      result.heads_after = *now;
      if (*now == heads_after) break;
      if (observer_ != nullptr) {
        observer_->OnInfo("Another process migrated the database meanwhile (now at " +
                          RevisionList(*now) + "); re-planning");
      }
      plan = plan_for(*now, AbsoluteTarget(target, heads_after));
      if (!plan.ok()) return plan.status();
      i = 0;
      continue;
    }
    int64_t ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    if (observer_ != nullptr) observer_->OnStepDone(step, ms);
    ++result.steps_applied;
    result.heads_after = Sorted(plan->heads_after);  // provisional until the loop ends
    ++i;
  }
  if (interrupted_.load() && i < plan->steps.size()) return interrupted(result.heads_after);
  result.heads_after = Sorted(plan->heads_after);
  return result;
}

Status Migrator::AcceptChangedFiles(const std::vector<ChangedRevision>& changed) {
  std::vector<AcceptedFile> files;
  for (const ChangedRevision& c : changed) {
    files.push_back({c.revision, c.file_checksum});
    if (observer_ != nullptr) {
      observer_->OnInfo("Accepting the edited file of applied revision " + c.revision + " (" +
                        (c.path.empty() ? std::string("no file") : c.path) +
                        ") as it is now: checksum " + c.applied_checksum.substr(0, 12) + " -> " +
                        c.file_checksum.substr(0, 12));
    }
  }
  StepRun info;
  info.applied_by = AppliedBy();
  info.strata_version = StrataVersion();
  return driver_.AcceptFiles(files, info);
}

Result<RunResult> Migrator::Stamp(std::string_view target, bool purge) {
  STRATA_RETURN_IF_ERROR(RefuseStandby(driver_));
  STRATA_RETURN_IF_ERROR(driver_.AcquireLock());
  LockGuard lock(driver_);

  // No known-heads check: `stamp --purge` is how a person repairs a table naming lost revisions,
  // and the planner refuses unknown heads otherwise.
  Result<std::vector<std::string>> current = driver_.ReadVersions();
  if (!current.ok()) return current.status();
  Result<Plan> plan = PlanStamp(graph_, *current, target, purge);
  if (!plan.ok()) return plan.status();

  std::vector<VersionChange> changes;
  for (const Step& step : plan->steps) {
    changes.insert(changes.end(), step.version_changes.begin(), step.version_changes.end());
  }
  Result<std::vector<LogEntry>> failures = driver_.UnresolvedFailures();
  if (!failures.ok()) return failures.status();

  RunResult result;
  result.heads_before = Sorted(*current);
  result.heads_after = Sorted(plan->heads_after);
  // A stamp that changes nothing still writes a log row when failures are outstanding: the
  // person running it is declaring the database's state, which resolves them.
  if (changes.empty() && failures->empty()) return result;

  STRATA_RETURN_IF_ERROR(driver_.EnsureTables());
  StepRun info;
  info.step = plan->steps.empty() ? nullptr : &plan->steps.front();
  info.applied_by = AppliedBy();
  info.strata_version = StrataVersion();
  if (observer_ != nullptr) {
    observer_->OnInfo("Running stamp_revision " + RevisionList(result.heads_before) + " -> " +
                      RevisionList(result.heads_after));
  }
  STRATA_RETURN_IF_ERROR(driver_.Stamp(changes, info));
  return result;
}

const char* StrataVersion() { return STRATA_VERSION_STRING; }

}  // namespace strata
