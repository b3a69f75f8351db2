// `strata current` and `strata check`: where the database is, compared with the files.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/commands.h"
#include "cli/format.h"
#include "strata/config.h"
#include "strata/json_report.h"
#include "strata/migrator.h"
#include "strata/serve.h"

namespace strata::cli {
namespace {

struct DatabaseState {
  RevisionGraph graph;
  std::vector<std::string> current;
};

Result<DatabaseState> ReadState(const Context& ctx) {
  Result<RevisionGraph> graph = ctx.LoadGraph();
  if (!graph.ok()) return graph.status();
  Result<std::unique_ptr<Driver>> db = ctx.OpenDatabase();
  if (!db.ok()) return db.status();
  Migrator migrator(**db, *graph, nullptr);
  Result<std::vector<std::string>> current = migrator.Current();
  if (!current.ok()) return current.status();
  return DatabaseState{std::move(graph).value(), std::move(current).value()};
}

}  // namespace

Status RunCurrent(const Context& ctx, const CurrentOptions& o) {
  Result<DatabaseState> state = ReadState(ctx);
  if (!state.ok()) return state.status();
  const RevisionGraph& graph = state->graph;
  if (ctx.json()) {
    PrintJson(CurrentJson(graph, ctx.redacted_url(), state->current, o.verbose));
    return Status::Ok();
  }
  std::string out;
  if (o.verbose) out += fmt::format("Current revision(s) for {}:\n", ctx.redacted_url());
  for (const std::string& id : state->current) {
    const Revision* rev = graph.Find(id);
    if (o.verbose) {
      out += RevisionVerbose(graph, *rev);
    } else {
      out += id;
      if (graph.Children(id).empty()) out += " (head)";
      out += '\n';
    }
  }
  Print(out);
  return Status::Ok();
}

namespace {

// `check --wait`: polls ReadReadiness until nothing is pending (the database may be ahead), for
// an init container that must not start the app on an old schema. The database not answering
// yet (it may be starting) is retried too, until the time is up.
Status RunCheckWait(const Context& ctx, const std::string& wait) {
  std::optional<std::chrono::milliseconds> limit = ParseDuration(wait);
  if (!limit) {
    return Status::Usage(fmt::format("--wait '{}' is not a duration", wait))
        .WithHint("e.g. --wait 30s, --wait 5min, --wait 0.5");
  }
  Result<RevisionGraph> graph = ctx.LoadGraph();
  if (!graph.ok()) return graph.status();
  WaitForHeadResult waited =
      WaitForHead([&ctx] { return ctx.OpenDatabase(); }, *graph, ctx.settings().version_table,
                  ctx.settings().version_schema, *limit);
  // Never reached the database: its own error (exit 4, ...).
  if (!waited.readiness) return waited.last_error;
  const Readiness& r = *waited.readiness;
  const int polls = waited.polls;
  bool at_head = r.at_head();
  if (ctx.json()) {
    PrintJson({{"database", ctx.redacted_url()},
               {"current", r.current},
               {"heads", r.heads},
               {"pending", r.pending},
               {"ahead", r.ahead},
               {"up_to_date", at_head},
               {"polls", polls}});
  } else if (at_head) {
    ctx.Progress(r.ahead ? "Database is ahead of the revision files (compatible)."
                         : "Database is up to date.");
  }
  if (at_head) return Status::Ok();
  if (!r.unknown_heads.empty()) {
    // As plain `check` does (exit 7): a version row no file defines needs a person.
    return Status::NeedsPerson(fmt::format("after {}: {}", wait, r.reason()))
        .WithHint("deploy the revision files that define them, or check the database URL");
  }
  return Status::Pending(fmt::format("after {}, {} revision(s) still pending: {}", wait,
                                     r.pending.size(), fmt::join(r.pending, ", ")))
      .WithHint("run `strata upgrade head` (or wait for the deploy that does)");
}

}  // namespace

Status RunCheck(const Context& ctx, const CheckOptions& o) {
  if (!o.wait.empty()) return RunCheckWait(ctx, o.wait);
  Result<DatabaseState> state = ReadState(ctx);
  if (!state.ok()) return state.status();
  Result<std::vector<const Revision*>> pending = PendingRevisions(state->graph, state->current);
  if (!pending.ok()) return pending.status();
  if (ctx.json()) {
    PrintJson(CheckJson(state->graph, ctx.redacted_url(), state->current, *pending));
  } else if (pending->empty()) {
    ctx.Progress("Database is up to date.");
  } else {
    std::string out = fmt::format("{} revision(s) pending:\n", pending->size());
    for (const Revision* r : *pending) out += fmt::format("  {}, {}\n", r->id, r->message);
    Print(out);
  }
  if (!pending->empty()) {
    return Status::Pending(fmt::format("{} revision(s) not applied", pending->size()))
        .WithHint("run `strata upgrade head`");
  }
  return Status::Ok();
}

}  // namespace strata::cli
