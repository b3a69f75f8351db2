// `strata __revisions`: the words shell completion offers where a revision is expected. Reads
// the migrations folder only, never the database, so that pressing Tab cannot hang on a server.
#include <set>
#include <string>

#include "cli/commands.h"

namespace strata::cli {

Status RunRevisionIds(const Context& ctx) {
  Result<RevisionGraph> graph = ctx.LoadGraph();
  if (!graph.ok()) return graph.status();
  std::string out = "head\nheads\nbase\n";
  std::set<std::string> labels;
  for (const Revision* r : graph->NewestFirst()) {
    out += r->id + "\n";
    labels.insert(r->branch_labels.begin(), r->branch_labels.end());
  }
  for (const std::string& label : labels) out += label + "@head\n";
  Print(out);
  return Status::Ok();
}

}  // namespace strata::cli
