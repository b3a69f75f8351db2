// RevisionGraph::Impl: the graph's indexes, shared by graph.cc and the planner (plan.cc,
// targets.cc). Private to src/core.
//
// Revisions are addressed by their index in `revs` (file order). Edge lists follow Alembic's
// RevisionMap vocabulary so the planner can be read side by side with alembic/script/revision.py:
//   parents      = _versioned_down_revisions ("Revises")
//   deps         = _resolved_dependencies ("Depends On", labels resolved to revisions)
//   down         = _normalized_down_revisions: parents, then the dependencies that no ancestor
//                  already depends on
//   children     = nextrev (revisions that list this one in Revises)
//   all_children = _all_nextrev (children and dependents)
// Immutable after Build; every method is const and thread-compatible.
#ifndef STRATA_CORE_GRAPH_IMPL_H_
#define STRATA_CORE_GRAPH_IMPL_H_

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "strata/graph.h"
#include "strata/revision.h"

namespace strata {

struct RevisionGraph::Impl {
  std::vector<Revision> revs;
  std::unordered_map<std::string_view, int> by_id;  // keys point into revs[i].id
  std::unordered_map<std::string, int> by_label;    // branch label -> revision carrying it
  std::vector<std::vector<int>> parents;
  std::vector<std::vector<int>> deps;
  std::vector<std::vector<int>> down;
  std::vector<std::vector<int>> children;
  std::vector<std::vector<int>> all_children;
  // Branch labels of each revision after Alembic's propagation (_add_branches): a label also
  // applies to the revision's descendants and to the ancestors down to the nearest branch point.
  std::vector<std::vector<std::string>> labels;
  std::vector<int> topo_pos;      // position in one topological order (ancestors first)
  std::vector<int> by_id_sorted;  // indices sorted by id, for prefix lookup

  int size() const { return static_cast<int>(revs.size()); }
  int IndexOf(std::string_view id) const {
    auto it = by_id.find(id);
    return it == by_id.end() ? -1 : it->second;
  }
  bool HasLabel(int rev, std::string_view label) const;

  // Masks (1 = member) of the ancestors / descendants of `from`, including `from` themselves.
  // With include_deps the walk follows `down` / `all_children`, else `parents` / `children`.
  std::vector<char> Ancestors(const std::vector<int>& from, bool include_deps = true) const;
  std::vector<char> Descendants(const std::vector<int>& from, bool include_deps = true) const;
  // Alembic's _shares_lineage: some rev of `against` is an ancestor or descendant of `target`.
  bool SharesLineage(int target, const std::vector<int>& against, bool include_deps) const;

  // Alembic's _topological_sort: the revisions of `todo` ordered so that each comes before its
  // ancestors, walking down from `heads` one branch at a time. `todo` must be convex (a path
  // between two members stays inside it), which every planner set is.
  std::vector<int> SortFromHeads(const std::vector<char>& todo, std::vector<int> heads) const;
};

}  // namespace strata

#endif  // STRATA_CORE_GRAPH_IMPL_H_
