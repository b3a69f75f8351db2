// Target resolution for the planner, after Alembic's RevisionMap (alembic/script/revision.py):
// symbolic names (head, heads, base, LABEL@...), prefixes, and relative targets (+N, -N,
// REV+N, LABEL@-N) walked over the graph. Private to src/core; pure.
//
// Revisions are graph indices; two sentinels stand for Alembic's non-revision results.
#ifndef STRATA_CORE_TARGETS_H_
#define STRATA_CORE_TARGETS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/graph_impl.h"
#include "strata/status.h"

namespace strata {

inline constexpr int kNoRevision = -1;    // Alembic's None: below every base (walks start here)
inline constexpr int kBaseRevision = -2;  // Alembic's "base" string, returned by a walk down

// A relative target "[LABEL@][SYMBOL](+|-)N", Alembic's _relative_destination.
struct RelativeTarget {
  std::optional<std::string> label;
  std::optional<std::string> symbol;
  int steps = 0;
  std::string steps_text;  // "+2", "-1", as typed (for messages)
};
std::optional<RelativeTarget> ParseRelative(std::string_view target);

class TargetResolver {
 public:
  explicit TargetResolver(const RevisionGraph& graph) : graph_(graph), g_(graph.impl()) {}

  const RevisionGraph::Impl& impl() const { return g_; }

  // Alembic's get_revisions: "heads", "head", "base", an id, prefix or label, each optionally
  // "LABEL@...". Zero revisions means base.
  Result<std::vector<int>> GetRevisions(std::string_view spec) const;
  // Alembic's get_revision: as GetRevisions, but several results are a MultipleHeads error.
  // kNoRevision for base.
  Result<int> GetRevision(std::string_view spec) const;
  // Alembic's _resolve_branch: a branch label, or a revision standing for its branch.
  Result<int> ResolveBranch(std::string_view label) const;
  // Alembic's get_current_head(label): the single head (of the label's branch); kNoRevision
  // when there is none; kUsage naming the heads when there are several.
  Result<int> CurrentHead(std::string_view label) const;

  // Members of `revs` related (ancestor or descendant) to what `check_against` names.
  Result<std::vector<int>> FilterForLineage(const std::vector<int>& revs,
                                            std::string_view check_against,
                                            bool include_deps) const;

  // Alembic's _walk: `steps` up (children, optionally within a branch) or down (parents).
  // Returns a revision, kBaseRevision, or an error when the walk is ambiguous or goes past the
  // end of the graph.
  Result<int> Walk(int start, int steps, const std::optional<std::string>& label) const;

  // Alembic's _parse_upgrade_target: the revisions to upgrade to (empty = base).
  Result<std::vector<int>> ParseUpgradeTarget(const std::vector<int>& current,
                                              std::string_view target) const;

  struct DowngradeTarget {
    std::optional<std::string> label;
    int revision = kNoRevision;  // kNoRevision = base
  };
  // Alembic's _parse_downgrade_target.
  Result<DowngradeTarget> ParseDowngradeTarget(const std::vector<int>& current,
                                               std::string_view target) const;

 private:
  Result<int> RevisionForIdent(std::string_view id, std::string_view check_branch) const;
  std::vector<char> LineageMask(const std::vector<int>& of, bool include_deps) const;

  const RevisionGraph& graph_;
  const RevisionGraph::Impl& g_;
};

}  // namespace strata

#endif  // STRATA_CORE_TARGETS_H_
