// The planner: from the database's current heads and a target, the ordered steps to run.
//
// Pure (no I/O). Each Step already says how the version table changes (including across
// branches and merges, following Alembic's HeadMaintainer), so the runtime only executes.
// Where Alembic's behaviour is well defined, the planner matches it; tests/alembic checks that
// against the real Alembic.
#ifndef STRATA_PLAN_H_
#define STRATA_PLAN_H_

#include <string>
#include <string_view>
#include <vector>

#include "strata/graph.h"
#include "strata/revision.h"
#include "strata/status.h"

namespace strata {

enum class Direction { kUpgrade, kDowngrade };

const char* DirectionName(Direction d);  // "upgrade" / "downgrade"

// One change to the version table (alembic_version, one row per head).
struct VersionChange {
  enum class Kind { kInsert, kDelete, kUpdate };
  Kind kind;
  std::string from;  // kDelete, kUpdate: the row's current value
  std::string to;    // kInsert, kUpdate: the row's new value

  friend bool operator==(const VersionChange&, const VersionChange&) = default;
};

struct Step {
  const Revision* revision = nullptr;
  Direction direction = Direction::kUpgrade;
  // The revision(s) this step moves from and to, for messages like
  // "Running upgrade 1975ea83b712 -> 3f2a9c1b7d4e" ("<base>" shown when empty).
  std::vector<std::string> from_ids;
  std::vector<std::string> to_ids;
  std::vector<VersionChange> version_changes;
  // The heads before this step runs; the runtime may compare them with the database to detect
  // that another process moved it in between.
  std::vector<std::string> heads_before;

  const SqlSection& section() const {
    return direction == Direction::kUpgrade ? revision->upgrade : *revision->downgrade;
  }
};

struct Plan {
  std::vector<Step> steps;
  std::vector<std::string> heads_before;  // sorted
  std::vector<std::string> heads_after;   // sorted
};

// Upgrade targets: "head" (the single head; error naming the heads when there are several),
// "heads", a revision id or prefix (>= 4 chars), "+N", "LABEL@head", "LABEL@+N", "REV+N".
// Fails with kUsage for an unknown/ill-formed target, kInvalidScripts for an ambiguous prefix.
// `current` are the database's current heads (any order; unknown ids are kNeedsPerson).
Result<Plan> PlanUpgrade(const RevisionGraph& graph, const std::vector<std::string>& current,
                         std::string_view target);

// Downgrade targets: "-N", a revision id or prefix, "base", "LABEL@base", "LABEL@-N", "REV-N".
// Fails before anything runs when a revision to be undone has no downgrade section
// (kInvalidScripts, naming the revision id and file), or when the target is not below the
// current heads (kUsage).
Result<Plan> PlanDowngrade(const RevisionGraph& graph, const std::vector<std::string>& current,
                           std::string_view target);

// Stamp: the version-table changes that make the table say `target` without running anything.
// Targets: "head", "heads", "base", a revision or prefix, "LABEL@head". With `purge` the table is
// emptied first. The returned plan has no steps that run SQL; its single pseudo-step (revision
// nullptr) carries the version changes.
Result<Plan> PlanStamp(const RevisionGraph& graph, const std::vector<std::string>& current,
                       std::string_view target, bool purge);

// Revision ids as messages show them, Alembic's way: "a, b", or "<base>" for none.
std::string RevisionList(const std::vector<std::string>& ids);

// Revisions not yet applied: ancestors of the graph's heads that are not ancestors of
// `current`, in the order an `upgrade heads` would apply them.
Result<std::vector<const Revision*>> PendingRevisions(const RevisionGraph& graph,
                                                      const std::vector<std::string>& current);

}  // namespace strata

#endif  // STRATA_PLAN_H_
