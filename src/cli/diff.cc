// `strata diff`: the objects in which the database differs from what its migrations produce,
// found by replaying them on a scratch database (verify.h, DESIGN §8). Exit 6 when any do.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/replay_progress.h"
#include "strata/verify.h"

namespace strata::cli {

Status RunDiff(const Context& ctx, const DiffOptions& o) {
  Result<RevisionGraph> graph = ctx.LoadGraph();
  if (!graph.ok()) return graph.status();
  Result<std::unique_ptr<Driver>> db = ctx.OpenDatabase();
  if (!db.ok()) return db.status();
  ReplayProgress progress(ctx);
  Result<DiffReport> report =
      DiffWithMigrations(**db, *graph, ScratchOptionsFor(ctx, o.scratch_url, o.keep), &progress);
  if (!report.ok()) return report.status();
  const DiffReport& r = *report;
  if (ctx.json()) {
    nlohmann::json differences = nlohmann::json::array();
    for (const ObjectDifference& d : r.differences) {
      differences.push_back(DifferenceJson(d, "migrations", "database"));
    }
    PrintJson({{"command", "diff"},
               {"database", ctx.redacted_url()},
               {"ok", r.differences.empty()},
               {"heads", r.heads},
               {"migrations_hash", r.migrations.hash},
               {"database_hash", r.database.hash},
               {"differences", differences},
               {"kept", r.kept}});
  } else {
    std::string out;
    for (const std::string& url : r.kept) out += fmt::format("Kept scratch database {}\n", url);
    if (r.differences.empty()) {
      out += fmt::format("The database matches its migrations at {} (sha256 {})\n",
                         RevisionList(r.heads), r.database.hash.substr(0, 12));
    } else {
      out += fmt::format("The database differs from its migrations at {} in {} object{}:\n",
                         RevisionList(r.heads), r.differences.size(),
                         r.differences.size() == 1 ? "" : "s");
      out += DifferenceLines(r.differences, kMigrationsLabel, kDatabaseLabel);
    }
    if (!ctx.quiet() || !r.differences.empty()) Print(out);
  }
  return DiffStatus(r);
}

}  // namespace strata::cli
