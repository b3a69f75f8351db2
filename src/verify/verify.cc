// Verify and Diff (verify.h): migrations replayed on scratch databases, schemas compared.
#include "strata/verify.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <unordered_set>
#include <utility>

#include "runtime/applied_by.h"
#include "strata/history.h"
#include "strata/migrator.h"
#include "strata/plan.h"
#include "strata/url.h"
#include "verify/scratch.h"

namespace strata {
namespace {

// The heads after `step` ran, sorted.
std::vector<std::string> HeadsAfter(const Step& step) {
  std::vector<std::string> heads = step.heads_before;
  for (const VersionChange& c : step.version_changes) {
    if (c.kind != VersionChange::Kind::kInsert) {
      heads.erase(std::remove(heads.begin(), heads.end(), c.from), heads.end());
    }
    if (c.kind != VersionChange::Kind::kDelete) heads.push_back(c.to);
  }
  std::sort(heads.begin(), heads.end());
  return heads;
}

// The step that undoes upgrade step `up` exactly, version rows included, from where `up` left
// the database. The planner's downgrade to a revision would also undo every other branch that
// descends from its parents; verify wants the one revision.
Step InverseStep(const Step& up) {
  Step down;
  down.revision = up.revision;
  down.direction = Direction::kDowngrade;
  down.from_ids = up.to_ids;
  down.to_ids = up.from_ids;
  down.heads_before = HeadsAfter(up);
  for (auto it = up.version_changes.rbegin(); it != up.version_changes.rend(); ++it) {
    switch (it->kind) {
      case VersionChange::Kind::kInsert:
        down.version_changes.push_back({VersionChange::Kind::kDelete, it->to, ""});
        break;
      case VersionChange::Kind::kDelete:
        down.version_changes.push_back({VersionChange::Kind::kInsert, "", it->from});
        break;
      case VersionChange::Kind::kUpdate:
        down.version_changes.push_back({VersionChange::Kind::kUpdate, it->to, it->from});
        break;
    }
  }
  return down;
}

// A failure on a scratch database, said as such, keeping its kind (the exit code) and location.
Status OnScratch(const Status& status, std::string_view doing, std::string hint) {
  return Status::Error(status.kind(), fmt::format("{} on the scratch database failed: {}", doing,
                                                  status.message()))
      .WithLocation(status.file(), status.line())
      .WithRevision(status.revision())
      .WithHint(std::move(hint));
}

// Runs steps and takes snapshots on one scratch database, reporting progress.
class Replay {
 public:
  Replay(ScratchDatabase& scratch, ReplayObserver* observer)
      : scratch_(scratch), observer_(observer), applied_by_(AppliedBy()) {}

  void Progress(const std::string& line) const {
    if (observer_ != nullptr) observer_->OnProgress(line);
  }

  Status Apply(const Step& step) {
    StepRun run;
    run.step = &step;
    run.checksum = SectionChecksum(step.section().sql);
    run.applied_by = applied_by_;
    run.strata_version = StrataVersion();
    Result<StepOutcome> outcome = scratch_.driver().ApplyStep(run);
    return outcome.ok() ? Status::Ok() : outcome.status();
  }

  Result<SchemaSnapshot> Snapshot() { return scratch_.driver().Snapshot(); }

 private:
  ScratchDatabase& scratch_;
  ReplayObserver* observer_;
  std::string applied_by_;
};

// A failure that ends the replay rather than being a finding about one revision: the scratch
// database is gone or in a state nothing can be compared in.
bool EndsReplay(const Status& status) {
  return status.kind() == ErrorKind::kConnection || status.kind() == ErrorKind::kNeedsPerson ||
         status.kind() == ErrorKind::kLockTimeout;
}

Result<std::unique_ptr<ScratchDatabase>> MakeScratch(const ScratchOptions& options,
                                                     std::string_view purpose,
                                                     std::vector<std::string>* kept,
                                                     ReplayObserver* observer) {
  Result<std::unique_ptr<ScratchDatabase>> scratch = ScratchDatabase::Create(options, purpose);
  if (!scratch.ok()) return scratch.status();
  if (options.keep) kept->push_back((*scratch)->display());
  if (observer != nullptr) {
    observer->OnProgress(
        fmt::format("Scratch database {}{}", (*scratch)->display(), options.keep ? " (kept)" : ""));
  }
  return scratch;
}

// A finding about `rev` (null for the heads): `what` and, when the schemas differ, how many
// objects, followed by those objects under the two labels. Nothing when `differences` is
// empty and `always` is false.
void AddFinding(VerifyReport& report, VerifyFinding::Kind kind, const Revision* rev,
                std::string what, std::vector<ObjectDifference> differences,
                std::string first_label = "", std::string second_label = "", bool always = false) {
  if (differences.empty() && !always) return;
  if (!differences.empty()) {
    what += fmt::format(": {} object{} differ{}", differences.size(),
                        differences.size() == 1 ? "" : "s", differences.size() == 1 ? "s" : "");
  }
  report.findings.push_back({kind, rev != nullptr ? rev->id : "", rev != nullptr ? rev->path : "",
                             std::move(what), std::move(differences), std::move(first_label),
                             std::move(second_label)});
}

// Between steps: whether to stop, and the error that says so.
bool Stopping(ReplayObserver* observer) { return observer != nullptr && observer->Stopped(); }

Status Interrupted(const ScratchOptions& options) {
  return Status::MigrationFailed(
      std::string("interrupted; nothing was changed outside the scratch databases, which ") +
      (options.keep ? "are kept" : "were removed"));
}

constexpr const char* kUpgradeHint =
    "every revision must upgrade the schema its parents leave, from an empty database; fix the "
    "revision, then run `strata verify` again";

}  // namespace

const char* VerifyFindingKindName(VerifyFinding::Kind kind) {
  switch (kind) {
    case VerifyFinding::Kind::kDowngradeFailed:
      return "downgrade-failed";
    case VerifyFinding::Kind::kDowngradeDiffers:
      return "downgrade-differs";
    case VerifyFinding::Kind::kReupgradeFailed:
      return "reupgrade-failed";
    case VerifyFinding::Kind::kReupgradeDiffers:
      return "reupgrade-differs";
    case VerifyFinding::Kind::kHeadsDiffer:
      break;
  }
  return "heads-differ";
}

Result<VerifyReport> Verify(const RevisionGraph& graph, std::string_view range,
                            const ScratchOptions& options, ReplayObserver* observer) {
  std::unordered_set<const Revision*> selected;
  if (!range.empty()) {
    Result<std::vector<const Revision*>> in_range = RevisionRange(graph, range, nullptr);
    if (!in_range.ok()) return in_range.status();
    selected.insert(in_range->begin(), in_range->end());
  }
  auto wanted = [&](const Revision& r) { return range.empty() || selected.count(&r) > 0; };
  Result<Plan> plan = PlanUpgrade(graph, {}, "heads");
  if (!plan.ok()) return plan.status();

  VerifyReport report;
  size_t total = 0;
  for (const Step& step : plan->steps) {
    if (!wanted(*step.revision)) continue;
    if (step.revision->downgrade) {
      ++total;
    } else {
      report.irreversible.push_back(step.revision->id);
    }
  }

  Result<std::unique_ptr<ScratchDatabase>> made =
      MakeScratch(options, "verify", &report.kept, observer);
  if (!made.ok()) return made.status();
  ScratchDatabase& scratch = **made;
  report.dialect = scratch.dialect();
  Replay replay(scratch, observer);
  STRATA_RETURN_IF_ERROR(scratch.driver().EnsureTables());

  std::optional<SchemaSnapshot> now;  // the scratch database's schema, when known
  auto snapshot = [&]() -> Result<SchemaSnapshot> {
    if (now) return std::move(*now);
    return replay.Snapshot();
  };
  size_t done = 0;
  for (const Step& up : plan->steps) {
    const Revision& rev = *up.revision;
    const bool check = wanted(rev) && rev.downgrade.has_value();
    if (Stopping(observer)) return Interrupted(options);
    std::optional<SchemaSnapshot> before;
    if (check) {
      replay.Progress(
          fmt::format("Checking {} ({} of {}), {}", rev.id, ++done, total, rev.message));
      Result<SchemaSnapshot> s = snapshot();
      if (!s.ok()) return s.status();
      before = std::move(s).value();
    }
    now.reset();
    if (Status st = replay.Apply(up); !st.ok()) {
      return OnScratch(st, "upgrade " + rev.id, kUpgradeHint);
    }
    if (!check) continue;

    Result<SchemaSnapshot> after = replay.Snapshot();
    if (!after.ok()) return after.status();
    const Step down = InverseStep(up);
    if (Status st = replay.Apply(down); !st.ok()) {
      AddFinding(report, VerifyFinding::Kind::kDowngradeFailed, &rev,
                 fmt::format("the downgrade of {} fails: {}", rev.id, st.message()), {}, "", "",
                 /*always=*/true);
      if (EndsReplay(st)) {
        report.stopped = true;
        break;
      }
      now = std::move(after).value();  // rolled back: still upgraded
      continue;
    }
    Result<SchemaSnapshot> restored = replay.Snapshot();
    if (!restored.ok()) return restored.status();
    AddFinding(report, VerifyFinding::Kind::kDowngradeDiffers, &rev,
               fmt::format("the downgrade of {} does not restore the schema", rev.id),
               DiffSnapshots(*before, *restored), "before the upgrade", "after the downgrade");

    if (Status st = replay.Apply(up); !st.ok()) {
      AddFinding(
          report, VerifyFinding::Kind::kReupgradeFailed, &rev,
          fmt::format("upgrading {} again after its downgrade fails: {}", rev.id, st.message()), {},
          "", "", /*always=*/true);
      report.stopped = true;  // the history cannot go on from a revision that is not applied
      break;
    }
    Result<SchemaSnapshot> again = replay.Snapshot();
    if (!again.ok()) return again.status();
    AddFinding(report, VerifyFinding::Kind::kReupgradeDiffers, &rev,
               fmt::format("upgrading {} again after its downgrade gives another schema", rev.id),
               DiffSnapshots(*after, *again), "after the first upgrade", "after upgrading again");
    report.checked.push_back(rev.id);
    now = std::move(again).value();
  }
  if (report.stopped) return report;

  Result<SchemaSnapshot> round_tripped = snapshot();
  if (!round_tripped.ok()) return round_tripped.status();
  if (Stopping(observer)) return Interrupted(options);
  replay.Progress("Comparing with a straight `upgrade heads` on another scratch database");
  Result<std::unique_ptr<ScratchDatabase>> straight_db =
      MakeScratch(options, "verify", &report.kept, observer);
  if (!straight_db.ok()) return straight_db.status();
  Migrator migrator((*straight_db)->driver(), graph, nullptr);
  if (Result<RunResult> run = migrator.Upgrade("heads"); !run.ok()) {
    return OnScratch(run.status(), "upgrade heads", kUpgradeHint);
  }
  Result<SchemaSnapshot> straight = (*straight_db)->driver().Snapshot();
  if (!straight.ok()) return straight.status();
  report.heads_hash = straight->hash;
  AddFinding(report, VerifyFinding::Kind::kHeadsDiffer, nullptr,
             "the heads reached with every revision round-tripped differ from a straight "
             "`upgrade heads`",
             DiffSnapshots(*straight, *round_tripped), "with a straight upgrade",
             "with every revision round-tripped");
  return report;
}

Status VerifyStatus(const VerifyReport& report) {
  if (report.findings.empty()) return Status::Ok();
  std::vector<std::string> revisions;
  for (const VerifyFinding& f : report.findings) {
    std::string what = (f.revision.empty() ? std::string("heads") : f.revision) + " (" +
                       VerifyFindingKindName(f.kind) + ")";
    if (std::find(revisions.begin(), revisions.end(), what) == revisions.end()) {
      revisions.push_back(what);
    }
  }
  std::string list;
  for (const std::string& r : revisions) list += (list.empty() ? "" : ", ") + r;
  Status status = Status::Pending(
      fmt::format("verify found {} problem{}: {}{}", report.findings.size(),
                  report.findings.size() == 1 ? "" : "s", list,
                  report.stopped ? "; it stopped there, later revisions were not checked" : ""));
  if (report.findings.size() == 1 && !report.findings.front().revision.empty()) {
    status = std::move(status).WithRevision(report.findings.front().revision);
    if (!report.findings.front().path.empty()) {
      status = std::move(status).WithLocation(report.findings.front().path);
    }
  }
  return std::move(status).WithHint(
      "make each downgrade section undo its upgrade exactly (the objects that differ are listed "
      "above); `strata verify -r REV` checks one revision again");
}

Result<DiffReport> DiffWithMigrations(Driver& database, const RevisionGraph& graph,
                                      const ScratchOptions& options, ReplayObserver* observer) {
  if (!options.scratch_url.empty()) {
    Result<DatabaseUrl> scratch_url = ParseDatabaseUrl(options.scratch_url);
    if (scratch_url.ok() && scratch_url->kind == DatabaseKind::kPostgres &&
        std::string_view(database.dialect()) != "postgresql") {
      return Status::Usage(
                 fmt::format("--scratch-url {} is a PostgreSQL server, but the database is {}: "
                             "diff compares a database with its migrations on the same kind of "
                             "database",
                             RedactUrl(options.scratch_url), database.dialect()))
          .WithHint("leave --scratch-url out for a SQLite database");
    }
  }
  DiffReport report;
  Result<std::vector<std::string>> heads = database.ReadVersions();
  if (!heads.ok()) return heads.status();
  for (const std::string& head : *heads) {
    if (graph.Find(head) == nullptr) {
      return Status::NeedsPerson(fmt::format("the version table names revision {}, which no file "
                                             "in the migrations folder defines, so there is "
                                             "nothing to replay",
                                             head))
          .WithRevision(head)
          .WithHint("check that --dir points at this database's migrations");
    }
  }
  report.heads = std::move(heads).value();
  std::sort(report.heads.begin(), report.heads.end());

  Result<std::unique_ptr<ScratchDatabase>> made =
      MakeScratch(options, "diff", &report.kept, observer);
  if (!made.ok()) return made.status();
  ScratchDatabase& scratch = **made;
  if (observer != nullptr) {
    observer->OnProgress(
        fmt::format("Replaying the migrations up to {}", RevisionList(report.heads)));
  }
  Migrator migrator(scratch.driver(), graph, nullptr);
  for (const std::string& head : report.heads) {
    if (Stopping(observer)) return Interrupted(options);
    if (Result<RunResult> run = migrator.Upgrade(head); !run.ok()) {
      return OnScratch(run.status(), "upgrade " + head, kUpgradeHint);
    }
  }
  Result<SchemaSnapshot> migrations = scratch.driver().Snapshot();
  if (!migrations.ok()) return migrations.status();
  Result<SchemaSnapshot> now = database.Snapshot();
  if (!now.ok()) return now.status();
  report.migrations = std::move(migrations).value();
  report.database = std::move(now).value();
  report.differences = DiffSnapshots(report.migrations, report.database);
  return report;
}

Status DiffStatus(const DiffReport& report) {
  if (report.differences.empty()) return Status::Ok();
  std::string list;
  for (const ObjectDifference& d : report.differences) {
    list += (list.empty() ? "" : ", ") + d.kind + " " + d.name;
  }
  return Status::Pending(fmt::format("the database differs from what its migrations produce at {} "
                                     "in {} object{}: {}",
                                     RevisionList(report.heads), report.differences.size(),
                                     report.differences.size() == 1 ? "" : "s", list))
      .WithHint(
          "put the change in a new revision (`strata revision -m ...`) or undo it by hand; "
          "`strata schema` prints the database's definitions");
}

}  // namespace strata
