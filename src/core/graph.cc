// RevisionGraph: validation and indexes over a set of revisions (see graph.h, graph_impl.h).
//
// Everything is iterative (explicit stacks and queues) so a 10,000-revision chain cannot
// overflow the call stack, and linear in the size of the graph except where noted.
#include "strata/graph.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <unordered_set>
#include <utility>

#include "core/graph_impl.h"

namespace strata {

namespace {

std::string Location(const Revision& r) { return r.path.empty() ? r.id : r.path; }

Status Problem(const Revision& r, int line, std::string msg) {
  return Status::InvalidScripts(std::move(msg)).WithLocation(r.path, line).WithRevision(r.id);
}

void AddUnique(std::vector<int>* v, int x) {
  if (std::find(v->begin(), v->end(), x) == v->end()) v->push_back(x);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Impl helpers

bool RevisionGraph::Impl::HasLabel(int rev, std::string_view label) const {
  const std::vector<std::string>& l = labels[static_cast<size_t>(rev)];
  return std::find(l.begin(), l.end(), label) != l.end();
}

namespace {

// Every revision reachable from `from` (inclusive) along `edges`, as a membership mask.
// Iterative, so a 10,000-revision chain cannot overflow the stack.
std::vector<char> Reach(const std::vector<int>& from, const std::vector<std::vector<int>>& edges) {
  std::vector<char> seen(edges.size(), 0);
  std::vector<int> stack;
  for (int f : from) {
    if (f >= 0 && !seen[static_cast<size_t>(f)]) {
      seen[static_cast<size_t>(f)] = 1;
      stack.push_back(f);
    }
  }
  while (!stack.empty()) {
    int r = stack.back();
    stack.pop_back();
    for (int next : edges[static_cast<size_t>(r)]) {
      if (!seen[static_cast<size_t>(next)]) {
        seen[static_cast<size_t>(next)] = 1;
        stack.push_back(next);
      }
    }
  }
  return seen;
}

}  // namespace

std::vector<char> RevisionGraph::Impl::Ancestors(const std::vector<int>& from,
                                                 bool include_deps) const {
  return Reach(from, include_deps ? down : parents);
}

std::vector<char> RevisionGraph::Impl::Descendants(const std::vector<int>& from,
                                                   bool include_deps) const {
  return Reach(from, include_deps ? all_children : children);
}

bool RevisionGraph::Impl::SharesLineage(int target, const std::vector<int>& against,
                                        bool include_deps) const {
  if (against.empty()) return true;  // as Alembic: nothing to test against shares everything
  std::vector<char> up = Descendants({target}, include_deps);
  std::vector<char> low = Ancestors({target}, include_deps);
  for (int a : against) {
    if (a >= 0 && (up[static_cast<size_t>(a)] || low[static_cast<size_t>(a)])) return true;
  }
  return false;
}

std::vector<int> RevisionGraph::Impl::SortFromHeads(const std::vector<char>& todo,
                                                    std::vector<int> heads) const {
  const size_t n = revs.size();
  // pending[r]: members of todo that list r in `down` and are not emitted yet. A revision is
  // emitted only when it is zero, i.e. when no remaining head still needs it as an ancestor;
  // this is Alembic's "another head is dependent on us" test, made O(1) by convexity.
  std::vector<int> pending(n, 0);
  for (size_t r = 0; r < n; ++r) {
    if (!todo[r]) continue;
    for (int d : down[r]) {
      if (todo[static_cast<size_t>(d)]) ++pending[static_cast<size_t>(d)];
    }
  }
  std::sort(heads.begin(), heads.end());  // file order, as Alembic's insertion order
  heads.erase(std::unique(heads.begin(), heads.end()), heads.end());
  std::vector<int> current;
  std::vector<char> in_current(n, 0), emitted(n, 0);
  for (int h : heads) {
    if (h >= 0 && todo[static_cast<size_t>(h)]) {
      current.push_back(h);
      in_current[static_cast<size_t>(h)] = 1;
    }
  }
  std::vector<int> out;
  size_t idx = 0;
  while (!current.empty()) {
    int cand = current[idx];
    if (pending[static_cast<size_t>(cand)] > 0) {
      // Blocked: another head still descends from it. Alembic moves to the first head that
      // descends from the candidate; the first unblocked head is as good a choice (the order
      // only has to be topological) and needs no ancestor sets.
      size_t j = 0;
      while (j < current.size() && pending[static_cast<size_t>(current[j])] > 0) ++j;
      if (j < current.size()) {
        idx = j;
        continue;
      }
      // Unreachable for a convex todo; emit anyway rather than loop forever.
    }
    if (!emitted[static_cast<size_t>(cand)]) {
      emitted[static_cast<size_t>(cand)] = 1;
      out.push_back(cand);
      for (int d : down[static_cast<size_t>(cand)]) {
        if (todo[static_cast<size_t>(d)]) --pending[static_cast<size_t>(d)];
      }
    }
    in_current[static_cast<size_t>(cand)] = 0;
    std::vector<int> to_add;
    for (int d : down[static_cast<size_t>(cand)]) {
      if (todo[static_cast<size_t>(d)] && !emitted[static_cast<size_t>(d)] &&
          !in_current[static_cast<size_t>(d)]) {
        to_add.push_back(d);
      }
    }
    if (to_add.empty()) {
      current.erase(current.begin() + static_cast<std::ptrdiff_t>(idx));
      idx = idx > 0 ? idx - 1 : 0;
    } else {
      current[idx] = to_add[0];
      for (size_t k = 1; k < to_add.size(); ++k) current.push_back(to_add[k]);
      for (int d : to_add) in_current[static_cast<size_t>(d)] = 1;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Build

namespace {

// Finds the cycles left after removing every revision that is not on or between cycles, and
// describes each one as "a -> b -> c -> a". `edges` go from a revision to its parents and
// dependencies.
std::vector<std::vector<int>> FindCycles(const std::vector<std::vector<int>>& edges) {
  const size_t n = edges.size();
  std::vector<std::vector<int>> reverse(n);
  std::vector<int> out_deg(n, 0), in_deg(n, 0);
  for (size_t r = 0; r < n; ++r) {
    for (int p : edges[r]) {
      reverse[static_cast<size_t>(p)].push_back(static_cast<int>(r));
      ++out_deg[r];
      ++in_deg[static_cast<size_t>(p)];
    }
  }
  // Peel off revisions with no remaining parents, then those with no remaining children: what
  // is left is cycles and the paths between them, where every revision has both.
  std::vector<char> alive(n, 1);
  std::vector<int> queue;
  for (size_t r = 0; r < n; ++r) {
    if (out_deg[r] == 0 || in_deg[r] == 0) queue.push_back(static_cast<int>(r));
  }
  while (!queue.empty()) {
    int r = queue.back();
    queue.pop_back();
    if (!alive[static_cast<size_t>(r)]) continue;
    alive[static_cast<size_t>(r)] = 0;
    for (int p : edges[static_cast<size_t>(r)]) {
      if (alive[static_cast<size_t>(p)] && --in_deg[static_cast<size_t>(p)] == 0) {
        queue.push_back(p);
      }
    }
    for (int c : reverse[static_cast<size_t>(r)]) {
      if (alive[static_cast<size_t>(c)] && --out_deg[static_cast<size_t>(c)] == 0) {
        queue.push_back(c);
      }
    }
  }
  std::vector<std::vector<int>> cycles;
  std::vector<int> walk_id(n, -1);  // which walk first reached a revision
  for (size_t start = 0; start < n; ++start) {
    if (!alive[start] || walk_id[start] >= 0) continue;
    const int walk = static_cast<int>(start);
    std::vector<int> path;
    int r = static_cast<int>(start);
    while (walk_id[static_cast<size_t>(r)] < 0) {
      walk_id[static_cast<size_t>(r)] = walk;
      path.push_back(r);
      int next = -1;
      for (int p : edges[static_cast<size_t>(r)]) {
        if (alive[static_cast<size_t>(p)]) {
          next = p;
          break;
        }
      }
      r = next;  // every alive revision has an alive parent
    }
    if (walk_id[static_cast<size_t>(r)] != walk) continue;  // ran into a cycle already reported
    auto begin = std::find(path.begin(), path.end(), r);
    std::vector<int> cycle(begin, path.end());
    // Report children before parents: "a -> b" reads "a revises b".
    cycles.push_back(std::move(cycle));
  }
  return cycles;
}

}  // namespace

Result<RevisionGraph> RevisionGraph::Build(std::vector<Revision> revisions) {
  auto impl = std::make_unique<Impl>();
  std::vector<Status> problems;

  // Ids. A duplicate is reported and dropped so the rest can still be checked.
  impl->revs.reserve(revisions.size());
  {
    std::unordered_map<std::string, size_t> first;  // id -> position in impl->revs
    first.reserve(revisions.size());
    for (Revision& r : revisions) {
      auto [it, inserted] = first.emplace(r.id, impl->revs.size());
      if (!inserted) {
        const Revision& other = impl->revs[it->second];
        problems.push_back(
            Problem(r, r.id_line,
                    fmt::format("duplicate revision id '{}': also defined in {}; give one of them "
                                "a new id",
                                r.id, Location(other))));
        continue;
      }
      impl->revs.push_back(std::move(r));
    }
  }
  const size_t n = impl->revs.size();
  impl->by_id.reserve(n);
  for (size_t i = 0; i < n; ++i) impl->by_id.emplace(impl->revs[i].id, static_cast<int>(i));

  // Branch labels: unique, and never equal to a revision id (targets could not tell them apart).
  for (size_t i = 0; i < n; ++i) {
    const Revision& r = impl->revs[i];
    for (const std::string& label : r.branch_labels) {
      if (int other = impl->IndexOf(label); other >= 0) {
        problems.push_back(Problem(
            r, r.branch_labels_line,
            fmt::format("branch label '{}' is also a revision id ({}); choose another label", label,
                        Location(impl->revs[static_cast<size_t>(other)]))));
        continue;
      }
      auto [it, inserted] = impl->by_label.emplace(label, static_cast<int>(i));
      if (!inserted) {
        const Revision& other = impl->revs[static_cast<size_t>(it->second)];
        problems.push_back(
            Problem(r, r.branch_labels_line,
                    fmt::format("branch label '{}' is already used by revision {} ({}); "
                                "choose another label",
                                label, other.id, Location(other))));
      }
    }
  }

  // Edges. Unknown names are reported at the header line that holds them.
  impl->parents.resize(n);
  impl->deps.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const Revision& r = impl->revs[i];
    for (const std::string& p : r.parents) {
      int idx = impl->IndexOf(p);
      if (idx < 0) {
        problems.push_back(
            Problem(r, r.revises_line,
                    fmt::format("revision {} revises unknown revision '{}'; fix the 'Revises:' "
                                "line or add the missing revision file",
                                r.id, p)));
      } else if (static_cast<size_t>(idx) == i) {
        problems.push_back(
            Problem(r, r.revises_line, fmt::format("cycle: revision {} revises itself", r.id)));
      } else {
        AddUnique(&impl->parents[i], idx);
      }
    }
    for (const std::string& d : r.depends_on) {
      int idx = impl->IndexOf(d);
      if (idx < 0) {
        auto it = impl->by_label.find(d);
        if (it != impl->by_label.end()) idx = it->second;
      }
      if (idx < 0) {
        problems.push_back(
            Problem(r, r.depends_on_line,
                    fmt::format("revision {} depends on unknown revision or branch label '{}'; "
                                "fix the 'Depends On:' line or add the missing revision file",
                                r.id, d)));
      } else if (static_cast<size_t>(idx) == i) {
        problems.push_back(Problem(r, r.depends_on_line,
                                   fmt::format("cycle: revision {} depends on itself", r.id)));
      } else {
        AddUnique(&impl->deps[i], idx);
      }
    }
  }

  // Cycles, over Revises and Depends On together. Kahn's algorithm gives the topological
  // positions at the same time; only when it cannot finish do we look for the cycles.
  std::vector<std::vector<int>> edges(n);
  for (size_t i = 0; i < n; ++i) {
    edges[i] = impl->parents[i];
    for (int d : impl->deps[i]) AddUnique(&edges[i], d);
  }
  impl->children.resize(n);
  impl->all_children.resize(n);
  for (size_t i = 0; i < n; ++i) {
    for (int p : impl->parents[i])
      impl->children[static_cast<size_t>(p)].push_back(static_cast<int>(i));
    for (int p : edges[i])
      impl->all_children[static_cast<size_t>(p)].push_back(static_cast<int>(i));
  }
  {
    std::vector<int> remaining(n);
    std::deque<int> ready;
    for (size_t i = 0; i < n; ++i) {
      remaining[i] = static_cast<int>(edges[i].size());
      if (remaining[i] == 0) ready.push_back(static_cast<int>(i));
    }
    impl->topo_pos.assign(n, -1);
    int pos = 0;
    while (!ready.empty()) {
      int r = ready.front();
      ready.pop_front();
      impl->topo_pos[static_cast<size_t>(r)] = pos++;
      for (int c : impl->all_children[static_cast<size_t>(r)]) {
        if (--remaining[static_cast<size_t>(c)] == 0) ready.push_back(c);
      }
    }
    if (static_cast<size_t>(pos) != n) {
      for (const std::vector<int>& cycle : FindCycles(edges)) {
        std::string names;
        for (int r : cycle) names += impl->revs[static_cast<size_t>(r)].id + " -> ";
        names += impl->revs[static_cast<size_t>(cycle.front())].id;
        const Revision& first = impl->revs[static_cast<size_t>(cycle.front())];
        problems.push_back(Problem(
            first, first.revises_line,
            fmt::format("cycle: {} (each revision revises or depends on the next); break it by "
                        "fixing one of their 'Revises:' or 'Depends On:' lines",
                        names)));
      }
    }
  }
  if (!problems.empty()) return Combine(problems);

  // Normalized down revisions (Alembic's _normalize_depends_on): a dependency that an ancestor
  // already depends on adds nothing. Costs a walk per revision that has dependencies.
  impl->down.resize(n);
  for (size_t i = 0; i < n; ++i) {
    impl->down[i] = impl->parents[i];
    if (impl->deps[i].empty()) continue;
    std::vector<int> normalized = impl->deps[i];
    std::vector<char> anc = impl->Ancestors({static_cast<int>(i)}, /*include_deps=*/false);
    for (size_t a = 0; a < n && !normalized.empty(); ++a) {
      if (!anc[a] || a == i) continue;
      for (int d : impl->deps[a]) {
        normalized.erase(std::remove(normalized.begin(), normalized.end(), d), normalized.end());
      }
    }
    for (int d : normalized) AddUnique(&impl->down[i], d);
  }

  // Branch label propagation, following Alembic's _add_branches: down the labelled revision's
  // descendants, and when those form a single line, from its tip down through the ancestors
  // until a branch point or merge point.
  impl->labels.resize(n);
  for (size_t i = 0; i < n; ++i) impl->labels[i] = impl->revs[i].branch_labels;
  for (size_t i = 0; i < n; ++i) {
    const std::vector<std::string>& own = impl->revs[i].branch_labels;
    if (own.empty()) continue;
    auto add = [&](size_t r) {
      for (const std::string& l : own) {
        if (!impl->HasLabel(static_cast<int>(r), l)) impl->labels[r].push_back(l);
      }
    };
    std::vector<char> desc = impl->Descendants({static_cast<int>(i)}, /*include_deps=*/false);
    for (size_t r = 0; r < n; ++r) {
      if (desc[r]) add(r);
    }
    size_t tip = i;
    while (impl->children[tip].size() == 1) tip = static_cast<size_t>(impl->children[tip][0]);
    if (!impl->children[tip].empty()) continue;  // descendants branch: the walk stops above
    size_t r = tip;
    while (impl->all_children[r].size() <= 1 && impl->parents[r].size() <= 1) {
      add(r);
      if (impl->parents[r].empty()) break;
      r = static_cast<size_t>(impl->parents[r][0]);
    }
  }

  impl->by_id_sorted.resize(n);
  for (size_t i = 0; i < n; ++i) impl->by_id_sorted[i] = static_cast<int>(i);
  std::sort(impl->by_id_sorted.begin(), impl->by_id_sorted.end(), [&](int a, int b) {
    return impl->revs[static_cast<size_t>(a)].id < impl->revs[static_cast<size_t>(b)].id;
  });

  return RevisionGraph(std::move(impl));
}

// ---------------------------------------------------------------------------------------------
// Queries

RevisionGraph::RevisionGraph(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RevisionGraph::RevisionGraph(RevisionGraph&&) noexcept = default;
RevisionGraph& RevisionGraph::operator=(RevisionGraph&&) noexcept = default;
RevisionGraph::~RevisionGraph() = default;

size_t RevisionGraph::size() const { return impl_->revs.size(); }

const Revision* RevisionGraph::Find(std::string_view id) const {
  int i = impl_->IndexOf(id);
  return i < 0 ? nullptr : &impl_->revs[static_cast<size_t>(i)];
}

Result<const Revision*> RevisionGraph::Resolve(std::string_view id_or_prefix) const {
  if (const Revision* exact = Find(id_or_prefix)) return exact;
  constexpr const char* kListHint = "run `strata heads` or `strata history` to list revisions";
  if (id_or_prefix.size() < 4) {
    return Status::Usage(fmt::format("no revision '{}'; a revision prefix needs at least 4 "
                                     "characters",
                                     id_or_prefix))
        .WithHint(kListHint);
  }
  const auto& sorted = impl_->by_id_sorted;
  auto it =
      std::lower_bound(sorted.begin(), sorted.end(), id_or_prefix, [&](int r, std::string_view p) {
        return std::string_view(impl_->revs[static_cast<size_t>(r)].id) < p;
      });
  std::vector<const Revision*> matches;
  for (; it != sorted.end(); ++it) {
    const Revision& r = impl_->revs[static_cast<size_t>(*it)];
    if (r.id.compare(0, id_or_prefix.size(), id_or_prefix) != 0) break;
    matches.push_back(&r);
  }
  if (matches.empty()) {
    return Status::Usage(fmt::format("no revision matches '{}'", id_or_prefix)).WithHint(kListHint);
  }
  if (matches.size() > 1) {
    std::string names;
    for (size_t i = 0; i < matches.size() && i < 10; ++i) {
      if (i > 0) names += ", ";
      names += matches[i]->id;
    }
    if (matches.size() > 10) names += fmt::format(", ... ({} in all)", matches.size());
    return Status::InvalidScripts(
               fmt::format("ambiguous revision prefix '{}' matches {}", id_or_prefix, names))
        .WithHint("type more characters of the revision id");
  }
  return matches.front();
}

std::vector<const Revision*> RevisionGraph::Heads() const {
  std::vector<const Revision*> out;
  for (size_t i = 0; i < impl_->revs.size(); ++i) {
    if (impl_->children[i].empty()) out.push_back(&impl_->revs[i]);
  }
  return out;
}

std::vector<const Revision*> RevisionGraph::Bases() const {
  std::vector<const Revision*> out;
  for (size_t i = 0; i < impl_->revs.size(); ++i) {
    if (impl_->parents[i].empty()) out.push_back(&impl_->revs[i]);
  }
  return out;
}

std::vector<const Revision*> RevisionGraph::BranchPoints() const {
  std::vector<const Revision*> out;
  for (size_t i = 0; i < impl_->revs.size(); ++i) {
    if (impl_->children[i].size() > 1) out.push_back(&impl_->revs[i]);
  }
  return out;
}

std::vector<const Revision*> RevisionGraph::Children(std::string_view id) const {
  std::vector<const Revision*> out;
  int i = impl_->IndexOf(id);
  if (i < 0) return out;
  for (int c : impl_->children[static_cast<size_t>(i)]) {
    out.push_back(&impl_->revs[static_cast<size_t>(c)]);
  }
  return out;
}

const Revision* RevisionGraph::FindLabel(std::string_view label) const {
  auto it = impl_->by_label.find(std::string(label));
  return it == impl_->by_label.end() ? nullptr : &impl_->revs[static_cast<size_t>(it->second)];
}

std::vector<const Revision*> RevisionGraph::NewestFirst() const {
  // As Alembic's walk_revisions: from the real heads (no children, no dependents) downwards.
  std::vector<int> heads;
  for (size_t i = 0; i < impl_->revs.size(); ++i) {
    if (impl_->all_children[i].empty()) heads.push_back(static_cast<int>(i));
  }
  std::vector<char> all(impl_->revs.size(), 1);
  std::vector<const Revision*> out;
  out.reserve(impl_->revs.size());
  for (int r : impl_->SortFromHeads(all, heads))
    out.push_back(&impl_->revs[static_cast<size_t>(r)]);
  return out;
}

namespace {

std::vector<int> Indices(const RevisionGraph::Impl& impl, const std::vector<std::string>& ids) {
  std::vector<int> out;
  for (const std::string& id : ids) {
    int i = impl.IndexOf(id);
    if (i >= 0) out.push_back(i);
  }
  return out;
}

// Members of `mask`, ordered by topological position (ascending or descending).
std::vector<const Revision*> Ordered(const RevisionGraph::Impl& impl, const std::vector<char>& mask,
                                     bool newest_first) {
  std::vector<int> members;
  for (size_t i = 0; i < mask.size(); ++i) {
    if (mask[i]) members.push_back(static_cast<int>(i));
  }
  std::sort(members.begin(), members.end(), [&](int a, int b) {
    int pa = impl.topo_pos[static_cast<size_t>(a)], pb = impl.topo_pos[static_cast<size_t>(b)];
    return newest_first ? pa > pb : pa < pb;
  });
  std::vector<const Revision*> out;
  out.reserve(members.size());
  for (int m : members) out.push_back(&impl.revs[static_cast<size_t>(m)]);
  return out;
}

}  // namespace

std::vector<const Revision*> RevisionGraph::AncestorsOf(const std::vector<std::string>& ids) const {
  return Ordered(*impl_, impl_->Ancestors(Indices(*impl_, ids)), /*newest_first=*/true);
}

std::vector<const Revision*> RevisionGraph::DescendantsOf(
    const std::vector<std::string>& ids) const {
  return Ordered(*impl_, impl_->Descendants(Indices(*impl_, ids)), /*newest_first=*/false);
}

}  // namespace strata
