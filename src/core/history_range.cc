#include <fmt/format.h>

#include <unordered_set>

#include "strata/history.h"

namespace strata {
namespace {

// Resolves one side of a range to a set of revision ids. `is_start` picks the meaning of an
// empty side (base for START, heads for END).
Result<std::vector<std::string>> ResolveSide(const RevisionGraph& graph, std::string_view side,
                                             bool is_start,
                                             const std::vector<std::string>* current) {
  std::vector<std::string> ids;
  if ((is_start && side.empty()) || side == "base") {
    // START=base covers every revision; END=base covers none.
    if (!is_start) return ids;
    for (const Revision* r : graph.Bases()) ids.push_back(r->id);
    return ids;
  }
  if (side.empty() || side == "heads" || side == "head") {
    for (const Revision* r : graph.Heads()) ids.push_back(r->id);
    return ids;
  }
  if (side == "current") {
    if (current == nullptr) return Status::Usage("'current' in a range needs a database");
    if (current->empty()) {
      // At base: START=current means everything; END=current means nothing.
      if (is_start) {
        for (const Revision* r : graph.Bases()) ids.push_back(r->id);
      }
      return ids;
    }
    return *current;
  }
  if (auto at = side.find('@'); at != std::string_view::npos) {
    std::string_view label = side.substr(0, at);
    std::string_view rest = side.substr(at + 1);
    const Revision* labelled = graph.FindLabel(label);
    if (labelled == nullptr) {
      return Status::Usage(fmt::format("no branch labelled '{}'", label))
          .WithHint("run `strata branches` or `strata heads` to see labels");
    }
    if (rest == "head" || rest == "heads") {
      // The heads that descend from the labelled revision.
      std::unordered_set<const Revision*> desc;
      for (const Revision* r : graph.DescendantsOf({labelled->id})) desc.insert(r);
      for (const Revision* h : graph.Heads()) {
        if (desc.count(h)) ids.push_back(h->id);
      }
      return ids;
    }
    if (rest == "base") {
      for (const Revision* r : graph.AncestorsOf({labelled->id})) {
        if (r->parents.empty()) ids.push_back(r->id);
      }
      return ids;
    }
    return Status::Usage(fmt::format("unsupported range side '{}'", side));
  }
  Result<const Revision*> rev = graph.Resolve(side);
  if (!rev.ok()) return rev.status();
  ids.push_back((*rev)->id);
  return ids;
}

}  // namespace

Result<std::vector<const Revision*>> RevisionRange(const RevisionGraph& graph,
                                                   std::string_view range,
                                                   const std::vector<std::string>* current) {
  std::string_view start, end;
  if (auto colon = range.find(':'); colon != std::string_view::npos) {
    start = range.substr(0, colon);
    end = range.substr(colon + 1);
  } else {
    start = end = range;  // one revision
  }
  if (start.empty() && end.empty()) return graph.NewestFirst();

  Result<std::vector<std::string>> lower = ResolveSide(graph, start, true, current);
  if (!lower.ok()) return lower.status();
  Result<std::vector<std::string>> upper = ResolveSide(graph, end, false, current);
  if (!upper.ok()) return upper.status();

  std::unordered_set<const Revision*> below_end;
  for (const Revision* r : graph.AncestorsOf(*upper)) below_end.insert(r);
  std::unordered_set<const Revision*> above_start;
  for (const Revision* r : graph.DescendantsOf(*lower)) above_start.insert(r);

  std::vector<const Revision*> out;
  for (const Revision* r : graph.NewestFirst()) {
    if (below_end.count(r) && above_start.count(r)) out.push_back(r);
  }
  return out;
}

}  // namespace strata
