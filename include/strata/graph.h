// RevisionGraph: the revisions of a migrations folder as a directed acyclic graph.
//
// Pure and in-memory (no I/O); modelled on Alembic's RevisionMap. Edges go from a revision to
// its parents ("Revises:") and, for ancestry purposes, to its "Depends On:" revisions.
// Immutable once built, so safe to share between threads. Revision pointers returned by the
// graph stay valid for the graph's lifetime.
#ifndef STRATA_GRAPH_H_
#define STRATA_GRAPH_H_

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "strata/revision.h"
#include "strata/status.h"

namespace strata {

class RevisionGraph {
 public:
  // Validates and indexes `revisions`. Collects every problem before failing (kInvalidScripts):
  // duplicate ids (naming both files), unknown parents / dependencies (file:line of the
  // header), a cycle (naming the revisions on it), a branch label used twice or equal to a
  // revision id.
  static Result<RevisionGraph> Build(std::vector<Revision> revisions);

  RevisionGraph(RevisionGraph&&) noexcept;
  RevisionGraph& operator=(RevisionGraph&&) noexcept;
  ~RevisionGraph();

  size_t size() const;
  bool empty() const { return size() == 0; }

  // Exact id lookup; nullptr when absent.
  const Revision* Find(std::string_view id) const;

  // Exact id, or a unique prefix of at least 4 characters. kInvalidScripts when ambiguous
  // (naming the candidates), kUsage when nothing matches.
  Result<const Revision*> Resolve(std::string_view id_or_prefix) const;

  // Revisions with no children, in a stable order (file order of the revisions).
  std::vector<const Revision*> Heads() const;
  // Revisions with no parents.
  std::vector<const Revision*> Bases() const;
  // Revisions with more than one child.
  std::vector<const Revision*> BranchPoints() const;
  // Direct children (revisions that list `id` in Revises).
  std::vector<const Revision*> Children(std::string_view id) const;
  // The revision carrying a branch label, or nullptr.
  const Revision* FindLabel(std::string_view label) const;

  // Every revision, newest first: each revision appears before all of its ancestors
  // (the order `history` prints).
  std::vector<const Revision*> NewestFirst() const;

  // Ancestors of `ids` including themselves, following parents and dependencies, newest first.
  // Unknown ids are ignored.
  std::vector<const Revision*> AncestorsOf(const std::vector<std::string>& ids) const;
  // Descendants of `ids` including themselves, following children and dependents, oldest first.
  // Unknown ids are ignored.
  std::vector<const Revision*> DescendantsOf(const std::vector<std::string>& ids) const;

  // Opaque implementation state; public only so the planner in src/core can reach it.
  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit RevisionGraph(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata

#endif  // STRATA_GRAPH_H_
