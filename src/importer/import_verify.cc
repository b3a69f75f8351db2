// VerifyImport (import.h): Alembic's history and its conversion replayed side by side on two
// scratch databases, compared after every step.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "importer/alembic_bridge.h"
#include "strata/import.h"
#include "strata/migrator.h"
#include "strata/plan.h"
#include "strata/url.h"
#include "verify/scratch.h"

namespace strata {
namespace {

bool SameDifference(const ObjectDifference& a, const ObjectDifference& b) {
  return a.kind == b.kind && a.name == b.name && a.first == b.first && a.second == b.second;
}

// One revision step on the Alembic side: the bridge's answer, or why there is none.
// `url` is the scratch database's, whose password must not reach a message.
Status AlembicStep(ChildProcess& bridge, const std::string& direction, const Revision& rev,
                   const std::string& url) {
  Status sent = bridge.Write(fmt::format("{} {}\n", direction, rev.id));
  Result<std::string> line = sent.ok() ? bridge.ReadLine() : Result<std::string>(sent);
  if (!line.ok()) {
    std::string tail = RedactSecrets(BridgeStderrTail(bridge), url);
    return Status::MigrationFailed(fmt::format("Alembic stopped during the {} of {}{}", direction,
                                               rev.id, tail.empty() ? "" : ": " + tail))
        .WithRevision(rev.id);
  }
  nlohmann::json reply = nlohmann::json::parse(*line, nullptr, false);
  if (reply.is_object() && reply.value("ok", false)) return Status::Ok();
  std::string error = RedactSecrets(reply.is_object() ? reply.value("error", *line) : *line, url);
  return Status::MigrationFailed(
             fmt::format("Alembic's {} of {} failed on the scratch database: {}", direction, rev.id,
                         error))
      .WithRevision(rev.id)
      .WithHint("the Alembic history itself does not replay on an empty database; fix it first");
}

Status StrataFailed(const Status& status, const std::string& direction, const Revision& rev) {
  return Status::Error(status.kind(), fmt::format("strata's {} of {} failed on the scratch "
                                                  "database: {}",
                                                  direction, rev.id, status.message()))
      .WithRevision(rev.id)
      .WithLocation(status.file().empty() ? rev.path : status.file(), status.line())
      .WithHint(
          "compare the converted file with the Alembic revision; fix the file and run "
          "`strata import alembic --verify-only`");
}

}  // namespace

Result<ImportVerifyReport> VerifyImport(const std::string& project, const RevisionGraph& converted,
                                        const ScratchOptions& options, ReplayObserver* observer) {
  ImportVerifyReport report;
  Result<std::unique_ptr<ScratchDatabase>> alembic_db =
      ScratchDatabase::Create(options, "import_alembic");
  if (!alembic_db.ok()) return alembic_db.status();
  Result<std::unique_ptr<ScratchDatabase>> strata_db =
      ScratchDatabase::Create(options, "import_strata");
  if (!strata_db.ok()) return strata_db.status();
  report.dialect = (*strata_db)->dialect();
  if (options.keep) {
    report.kept = {(*alembic_db)->display(), (*strata_db)->display()};
  }
  Result<std::unique_ptr<ChildProcess>> bridge =
      StartAlembicBridge({"online", project}, {"STRATA_ALEMBIC_URL=" + (*alembic_db)->url()});
  if (!bridge.ok()) return bridge.status();

  Driver& alembic_side = (*alembic_db)->driver();
  Driver& strata_side = (*strata_db)->driver();
  Migrator migrator(strata_side, converted, nullptr);
  auto progress = [&](const std::string& line) {
    if (observer != nullptr) observer->OnProgress(line);
  };
  auto stopped = [&] { return observer != nullptr && observer->Stopped(); };
  std::vector<ObjectDifference> carried;  // the differences after the previous step
  // Compares the two schemas after `direction` of `rev`; records the differences it made.
  auto compare = [&](const Revision& rev, const char* direction) -> Status {
    Result<SchemaSnapshot> a = alembic_side.Snapshot();
    if (!a.ok()) return a.status();
    Result<SchemaSnapshot> b = strata_side.Snapshot();
    if (!b.ok()) return b.status();
    std::vector<ObjectDifference> all = DiffSnapshots(*a, *b);
    // A difference carried over from an earlier step is that step's finding, not this one's.
    std::vector<ObjectDifference> differences;
    for (const ObjectDifference& d : all) {
      auto same = [&](const ObjectDifference& c) { return SameDifference(c, d); };
      if (std::none_of(carried.begin(), carried.end(), same)) differences.push_back(d);
    }
    carried = std::move(all);
    if (!differences.empty()) {
      report.differences.push_back(
          {rev.id, direction, rev.path,
           fmt::format("after the {} of {}, {} object(s) differ between Alembic and strata",
                       direction, rev.id, differences.size()),
           std::move(differences)});
    }
    return Status::Ok();
  };

  std::vector<const Revision*> newest_first = converted.NewestFirst();
  std::vector<const Revision*> order(newest_first.rbegin(), newest_first.rend());
  size_t n = 0;
  for (const Revision* rev : order) {
    if (stopped()) return Status::MigrationFailed("interrupted");
    progress(
        fmt::format("Upgrading {} with Alembic and strata ({} of {})", rev->id, ++n, order.size()));
    STRATA_RETURN_IF_ERROR(AlembicStep(**bridge, "upgrade", *rev, (*alembic_db)->url()));
    Result<RunResult> up = migrator.Upgrade(rev->id);
    if (!up.ok()) return StrataFailed(up.status(), "upgrade", *rev);
    STRATA_RETURN_IF_ERROR(compare(*rev, "upgrade"));
    report.checked.push_back(rev->id);
  }
  // Downgrades one revision at a time, newest first, each a head of the database then. The
  // strata target must plan exactly that one step: `REV@-1` down a revision's own branch; for
  // a merge, one of its parents (which undoes only the merge once nothing else above that
  // parent is applied). Alembic is driven step by step, so it undoes the same revision.
  n = 0;
  while (true) {
    if (stopped()) return Status::MigrationFailed("interrupted");
    Result<std::vector<std::string>> heads = migrator.Current();
    if (!heads.ok()) return heads.status();
    if (heads->empty()) break;
    const Revision* chosen = nullptr;
    std::string target;
    bool irreversible = false;
    for (const Revision* rev : newest_first) {
      if (std::find(heads->begin(), heads->end(), rev->id) == heads->end()) continue;
      if (!rev->downgrade) {
        irreversible = true;
        continue;
      }
      std::vector<std::string> candidates = {rev->id + "@-1"};
      if (rev->parents.size() > 1) candidates = rev->parents;
      for (const std::string& t : candidates) {
        Result<Plan> plan = PlanDowngrade(converted, *heads, t);
        if (plan.ok() && plan->steps.size() == 1 && plan->steps[0].revision == rev) {
          target = t;
          break;
        }
      }
      if (!target.empty()) {
        chosen = rev;
        break;
      }
    }
    if (chosen == nullptr) {
      progress(fmt::format(
          "Downgrades below {} are not compared: {}", RevisionList(*heads),
          irreversible ? "no downgrade section" : "no one-step downgrade from these heads"));
      break;
    }
    progress(fmt::format("Downgrading {} with Alembic and strata ({} of {})", chosen->id, ++n,
                         newest_first.size()));
    STRATA_RETURN_IF_ERROR(AlembicStep(**bridge, "downgrade", *chosen, (*alembic_db)->url()));
    Result<RunResult> down = migrator.Downgrade(target);
    if (!down.ok()) return StrataFailed(down.status(), "downgrade", *chosen);
    STRATA_RETURN_IF_ERROR(compare(*chosen, "downgrade"));
  }
  (void)(*bridge)->Write("quit\n");
  (void)(*bridge)->Finish();
  return report;
}

Status ImportVerifyStatus(const ImportVerifyReport& report) {
  if (report.differences.empty()) return Status::Ok();
  std::string message =
      fmt::format("{} step(s) leave another schema than Alembic's:", report.differences.size());
  for (const ImportDifference& d : report.differences) {
    message += fmt::format("\n  {} {} ({})", d.direction, d.revision, d.path);
    for (const ObjectDifference& o : d.differences) {
      message += "\n    " + DescribeDifference(o, kAlembicLabel, kStrataLabel);
    }
  }
  return Status::Pending(std::move(message))
      .WithRevision(report.differences.front().revision)
      .WithHint("fix the converted files named, then run `strata import alembic --verify-only`");
}

}  // namespace strata
