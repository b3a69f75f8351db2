// `strata current` and `strata check`: where the database is, compared with the files.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/format.h"
#include "strata/migrator.h"

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
    nlohmann::json list = nlohmann::json::array();
    for (const std::string& id : state->current) {
      list.push_back(RevisionJson(graph, *graph.Find(id), o.verbose));
    }
    PrintJson({{"database", ctx.redacted_url()}, {"current", list}});
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

Status RunCheck(const Context& ctx) {
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
