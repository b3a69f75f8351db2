// The planner (plan.h): which revisions to run, in which order, and how each step changes the
// version table. Follows Alembic 1.8.1: _collect_upgrade_revisions /
// _collect_downgrade_revisions (alembic/script/revision.py) choose the revisions, and
// HeadMaintainer with RevisionStep / StampStep (alembic/runtime/migration.py) decide the row
// changes, which we simulate here so the runtime only executes them. tests/alembic checks this
// against Alembic.
#include "strata/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "core/graph_impl.h"
#include "core/targets.h"

namespace strata {

const char* DirectionName(Direction d) {
  return d == Direction::kUpgrade ? "upgrade" : "downgrade";
}

namespace {

using Impl = RevisionGraph::Impl;

// The version table's rows while steps are simulated, with Alembic's HeadMaintainer operations.
class HeadSet {
 public:
  explicit HeadSet(const Impl& g) : g_(g), member_(g.revs.size(), 0), mark_(g.revs.size(), 0) {}

  bool Has(int r) const { return r >= 0 && member_[static_cast<size_t>(r)]; }
  const std::set<std::string_view>& sorted() const { return sorted_; }
  std::vector<std::string> SortedIds() const { return {sorted_.begin(), sorted_.end()}; }

  void Add(int r) {
    member_[static_cast<size_t>(r)] = 1;
    sorted_.insert(g_.revs[static_cast<size_t>(r)].id);
  }
  void Remove(int r) {
    member_[static_cast<size_t>(r)] = 0;
    sorted_.erase(g_.revs[static_cast<size_t>(r)].id);
  }

  void Insert(int r, std::vector<VersionChange>* out) {
    if (Has(r)) return;
    Add(r);
    out->push_back({VersionChange::Kind::kInsert, "", Id(r)});
  }
  void Delete(int r, std::vector<VersionChange>* out) {
    if (!Has(r)) return;
    Remove(r);
    out->push_back({VersionChange::Kind::kDelete, Id(r), ""});
  }
  void Update(int from, int to, std::vector<VersionChange>* out) {
    if (!Has(from)) return Insert(to, out);
    if (Has(to)) return Delete(from, out);  // Alembic asserts here; keep one row per head
    Remove(from);
    Add(to);
    out->push_back({VersionChange::Kind::kUpdate, Id(from), Id(to)});
  }

  // Alembic's "ancestors of the other heads" test: which of `candidates` are ancestors of (or
  // equal to) a head not in `exclude`. `step` is the revision being applied: a candidate whose
  // only child or dependent is `step` cannot be below another head (heads are never ancestors
  // of each other), which keeps long chains O(1) per step. Otherwise the walk goes down from the
  // other heads but never below the lowest candidate's topological position.
  std::vector<char> BelowOtherHeads(const std::vector<int>& candidates,
                                    const std::vector<int>& exclude, int step) {
    auto excluded = [&](int r) {
      return std::find(exclude.begin(), exclude.end(), r) != exclude.end();
    };
    std::vector<char> out(candidates.size(), 0);
    std::vector<int> need;
    int min_pos = g_.size();
    for (size_t i = 0; i < candidates.size(); ++i) {
      int c = candidates[i];
      if (Has(c) && !excluded(c)) {
        out[i] = 1;
        continue;
      }
      const auto& kids = g_.all_children[static_cast<size_t>(c)];
      if (kids.size() == 1 && kids[0] == step) continue;
      need.push_back(static_cast<int>(i));
      min_pos = std::min(min_pos, g_.topo_pos[static_cast<size_t>(c)]);
    }
    if (need.empty()) return out;
    ++generation_;
    if (generation_ == 0) {  // wrapped: reset the marks
      std::fill(mark_.begin(), mark_.end(), 0);
      generation_ = 1;
    }
    std::vector<int> stack;
    for (std::string_view id : sorted_) {
      int h = g_.IndexOf(id);
      if (excluded(h) || g_.topo_pos[static_cast<size_t>(h)] < min_pos) continue;
      mark_[static_cast<size_t>(h)] = generation_;
      stack.push_back(h);
    }
    while (!stack.empty()) {
      int r = stack.back();
      stack.pop_back();
      for (int d : g_.down[static_cast<size_t>(r)]) {
        if (mark_[static_cast<size_t>(d)] == generation_ ||
            g_.topo_pos[static_cast<size_t>(d)] < min_pos) {
          continue;
        }
        mark_[static_cast<size_t>(d)] = generation_;
        stack.push_back(d);
      }
    }
    for (int i : need) {
      if (mark_[static_cast<size_t>(candidates[static_cast<size_t>(i)])] == generation_) {
        out[static_cast<size_t>(i)] = 1;
      }
    }
    return out;
  }

 private:
  const std::string& Id(int r) const { return g_.revs[static_cast<size_t>(r)].id; }

  const Impl& g_;
  std::vector<char> member_;
  std::set<std::string_view> sorted_;
  std::vector<unsigned> mark_;
  unsigned generation_ = 0;
};

// HeadMaintainer.update_to_step for a RevisionStep.
void ApplyRevisionStep(const Impl& g, int r, Direction dir, HeadSet* heads,
                       std::vector<VersionChange>* out) {
  const std::vector<int>& down = g.down[static_cast<size_t>(r)];
  if (dir == Direction::kUpgrade) {
    std::vector<int> present;
    for (int d : down) {
      if (heads->Has(d)) present.push_back(d);
    }
    if (present.empty()) {  // should_create_branch: a base, or none of our parents is a head
      heads->Insert(r, out);
    } else if (down.size() > 1 && present.size() > 1) {  // should_merge_branches
      // merge_branch_idents: parents that other heads still stand on stay as they are; of the
      // rest, one row is updated to us and the others deleted.
      std::vector<char> below = heads->BelowOtherHeads(down, down, r);
      std::vector<int> from;
      for (size_t i = 0; i < down.size(); ++i) {
        if (!below[i] && heads->Has(down[i])) from.push_back(down[i]);
      }
      if (from.empty()) {
        heads->Insert(r, out);
      } else {
        for (size_t i = 0; i + 1 < from.size(); ++i) heads->Delete(from[i], out);
        heads->Update(from.back(), r, out);
      }
    } else {  // update_version_num
      heads->Update(present.front(), r, out);
    }
    return;
  }
  if (!heads->Has(r)) return;  // nothing records it; Alembic would fail on the missing row
  std::vector<char> below = heads->BelowOtherHeads(down, {r}, r);
  std::vector<int> to;  // _unmerge_to_revisions
  for (size_t i = 0; i < down.size(); ++i) {
    if (!below[i]) to.push_back(down[i]);
  }
  if (to.empty()) {  // should_delete_branch
    heads->Delete(r, out);
  } else if (down.size() > 1) {  // should_unmerge_branches
    for (size_t i = 0; i + 1 < to.size(); ++i) heads->Insert(to[i], out);
    heads->Update(r, to.back(), out);
  } else {
    heads->Update(r, down.front(), out);
  }
}

std::vector<std::string> Ids(const Impl& g, const std::vector<int>& revs) {
  std::vector<std::string> out;
  for (int r : revs) out.push_back(g.revs[static_cast<size_t>(r)].id);
  return out;
}

// The database's heads as graph indices, sorted by id. kNeedsPerson when a row names no
// revision, or when one row is an ancestor of another (Alembic's "overlaps" error): the table
// no longer describes a state the files can explain.
Result<std::vector<int>> CurrentHeads(const Impl& g, std::vector<std::string> current) {
  std::sort(current.begin(), current.end());
  current.erase(std::unique(current.begin(), current.end()), current.end());
  std::vector<int> out;
  std::vector<std::string> unknown;
  for (const std::string& id : current) {
    int r = g.IndexOf(id);
    if (r < 0) {
      unknown.push_back(id);
    } else {
      out.push_back(r);
    }
  }
  if (!unknown.empty()) {
    std::string names;
    for (const std::string& id : unknown) names += (names.empty() ? "'" : ", '") + id + "'";
    return Status::NeedsPerson(fmt::format("the version table names {} {}, which no revision file "
                                           "defines",
                                           unknown.size() == 1 ? "revision" : "revisions", names))
        .WithRevision(unknown.front())
        .WithHint(
            "restore the missing revision file, or reset the version table with `strata stamp "
            "--purge <revision>` once the schema matches that revision");
  }
  if (out.size() > 1) {
    // One pass newest first with a shared visited mask: a head reached from a newer head is its
    // ancestor.
    std::vector<int> order = out;
    std::sort(order.begin(), order.end(), [&](int a, int b) {
      return g.topo_pos[static_cast<size_t>(a)] > g.topo_pos[static_cast<size_t>(b)];
    });
    std::vector<int> reached_from(g.revs.size(), -1);
    for (int h : order) {
      if (int newer = reached_from[static_cast<size_t>(h)]; newer >= 0) {
        const std::string& old_id = g.revs[static_cast<size_t>(h)].id;
        return Status::NeedsPerson(fmt::format("the version table lists both {} and its ancestor "
                                               "{}",
                                               g.revs[static_cast<size_t>(newer)].id, old_id))
            .WithHint(fmt::format("delete the row for {} from the version table, or run `strata "
                                  "stamp --purge <revision>`",
                                  old_id));
      }
      std::vector<int> stack = {h};
      while (!stack.empty()) {
        int r = stack.back();
        stack.pop_back();
        for (int d : g.down[static_cast<size_t>(r)]) {
          if (reached_from[static_cast<size_t>(d)] < 0) {
            reached_from[static_cast<size_t>(d)] = h;
            stack.push_back(d);
          }
        }
      }
    }
  }
  return out;
}

// Runs the simulation over `order` and fills the plan.
Plan BuildPlan(const Impl& g, const std::vector<int>& current, const std::vector<int>& order,
               Direction dir) {
  Plan plan;
  HeadSet heads(g);
  for (int c : current) heads.Add(c);
  plan.heads_before = heads.SortedIds();
  plan.steps.reserve(order.size());
  for (int r : order) {
    Step step;
    const Revision& rev = g.revs[static_cast<size_t>(r)];
    step.revision = &rev;
    step.direction = dir;
    std::vector<std::string> parents = Ids(g, g.parents[static_cast<size_t>(r)]);
    if (dir == Direction::kUpgrade) {
      step.from_ids = std::move(parents);
      step.to_ids = {rev.id};
    } else {
      step.from_ids = {rev.id};
      step.to_ids = std::move(parents);
    }
    step.heads_before = heads.SortedIds();
    ApplyRevisionStep(g, r, dir, &heads, &step.version_changes);
    plan.steps.push_back(std::move(step));
  }
  plan.heads_after = heads.SortedIds();
  return plan;
}

Status CheckTarget(std::string_view target) {
  if (target.empty()) {
    return Status::Usage("no target given").WithHint("e.g. `head`, `heads`, a revision, `+1`");
  }
  return Status::Ok();
}

}  // namespace

Result<Plan> PlanUpgrade(const RevisionGraph& graph, const std::vector<std::string>& current,
                         std::string_view target) {
  STRATA_RETURN_IF_ERROR(CheckTarget(target));
  const Impl& g = graph.impl();
  Result<std::vector<int>> cur = CurrentHeads(g, current);
  if (!cur.ok()) return cur.status();
  TargetResolver resolver(graph);
  // _collect_upgrade_revisions with implicit_base=True: everything the targets need that the
  // current heads do not already have, even on other branches.
  Result<std::vector<int>> targets = resolver.ParseUpgradeTarget(*cur, target);
  if (!targets.ok()) return targets.status();
  std::vector<char> needs = g.Ancestors(*targets);
  std::vector<char> have = g.Ancestors(*cur);
  for (size_t i = 0; i < needs.size(); ++i) needs[i] = needs[i] && !have[i];
  std::vector<int> order = g.SortFromHeads(needs, *targets);
  std::reverse(order.begin(), order.end());
  return BuildPlan(g, *cur, order, Direction::kUpgrade);
}

Result<Plan> PlanDowngrade(const RevisionGraph& graph, const std::vector<std::string>& current,
                           std::string_view target) {
  STRATA_RETURN_IF_ERROR(CheckTarget(target));
  const Impl& g = graph.impl();
  Result<std::vector<int>> cur = CurrentHeads(g, current);
  if (!cur.ok()) return cur.status();
  TargetResolver resolver(graph);
  Result<TargetResolver::DowngradeTarget> dest = resolver.ParseDowngradeTarget(*cur, target);
  if (!dest.ok()) return dest.status();

  // _collect_downgrade_revisions: drop the target's children (or every base's line) and all
  // that depends on them, as far as it is applied.
  std::vector<int> roots;
  if (dest->revision == kNoRevision) {
    for (size_t i = 0; i < g.revs.size(); ++i) {
      if (g.parents[i].empty()) roots.push_back(static_cast<int>(i));
    }
  } else {
    roots = g.children[static_cast<size_t>(dest->revision)];
  }
  if (dest->label && roots.size() > 1) {
    Result<int> branch = resolver.ResolveBranch(*dest->label);
    if (!branch.ok()) return branch.status();
    std::vector<char> anc = g.Ancestors({*branch}, /*include_deps=*/false);
    std::erase_if(roots, [&](int r) { return !anc[static_cast<size_t>(r)]; });
    if (roots.empty()) {
      return Status::Usage(fmt::format("'{}' is not a valid downgrade target from the current "
                                       "heads",
                                       target))
          .WithHint("run `strata current` and `strata history` to pick a revision below them");
    }
  }
  std::vector<char> drop = g.Descendants(roots);
  std::vector<char> active = g.Ancestors(*cur);
  bool any = false;
  for (size_t i = 0; i < drop.size(); ++i) {
    drop[i] = drop[i] && active[i];
    any = any || drop[i];
  }
  if (dest->revision != kNoRevision && !any &&
      std::find(cur->begin(), cur->end(), dest->revision) == cur->end()) {
    std::vector<std::string> now = Ids(g, *cur);
    return Status::Usage(fmt::format("destination {} is not a valid downgrade target from the "
                                     "current head(s) {}",
                                     g.revs[static_cast<size_t>(dest->revision)].id,
                                     RevisionList(now)))
        .WithHint(
            "downgrade goes to a revision below the current heads; use `strata upgrade` to "
            "go up");
  }
  std::vector<int> order = g.SortFromHeads(drop, *cur);

  // Refuse before anything runs when a revision cannot be undone (DESIGN §2).
  std::vector<Status> problems;
  for (int r : order) {
    const Revision& rev = g.revs[static_cast<size_t>(r)];
    if (!rev.downgrade.has_value()) {
      problems.push_back(
          Status::InvalidScripts(fmt::format("revision {} has no '-- migrate:downgrade' section, "
                                             "so it cannot be downgraded past",
                                             rev.id))
              .WithLocation(rev.path)
              .WithRevision(rev.id)
              .WithHint("add a downgrade section to the file, or choose a target above it"));
    }
  }
  if (!problems.empty()) return Combine(problems);
  return BuildPlan(g, *cur, order, Direction::kDowngrade);
}

Result<Plan> PlanStamp(const RevisionGraph& graph, const std::vector<std::string>& current,
                       std::string_view target, bool purge) {
  STRATA_RETURN_IF_ERROR(CheckTarget(target));
  const Impl& g = graph.impl();
  Step step;
  step.direction = Direction::kUpgrade;
  std::vector<std::string> before = current;
  std::sort(before.begin(), before.end());
  before.erase(std::unique(before.begin(), before.end()), before.end());
  step.heads_before = before;
  step.from_ids = before;

  std::vector<int> cur;
  if (purge) {
    // --purge empties the table first, which is also how a table naming unknown revisions is
    // repaired.
    for (const std::string& id : before) {
      step.version_changes.push_back({VersionChange::Kind::kDelete, id, ""});
    }
  } else {
    Result<std::vector<int>> c = CurrentHeads(g, current);
    if (!c.ok()) return c.status();
    cur = std::move(c).value();
  }
  TargetResolver resolver(graph);
  HeadSet heads(g);
  for (int c : cur) heads.Add(c);

  // ScriptDirectory._stamp_revs: the current heads related to the target move to it.
  Result<std::vector<int>> filtered = resolver.FilterForLineage(cur, target, /*include_deps=*/true);
  if (!filtered.ok()) return filtered.status();
  Result<std::vector<int>> dests = resolver.GetRevisions(target);
  if (!dests.ok()) return dests.status();
  std::vector<int> dest_list = *dests;
  if (dest_list.empty()) dest_list.push_back(kNoRevision);
  auto* changes = &step.version_changes;
  // HeadMaintainer.update_to_step for a StampStep(from, to, is_upgrade, branch_move).
  auto apply = [&](const std::vector<int>& from, int to, bool upgrade, bool branch_move) {
    if (!upgrade && branch_move) return heads.Delete(from.front(), changes);
    if (upgrade) {
      bool from_missing =
          std::any_of(from.begin(), from.end(), [&](int f) { return !heads.Has(f); });
      if ((branch_move || from_missing) && !heads.Has(to)) return heads.Insert(to, changes);
    }
    if (from.empty()) return;
    for (size_t i = 0; i + 1 < from.size(); ++i) heads.Delete(from[i], changes);
    heads.Update(from.back(), to, changes);
  };
  for (int dest : dest_list) {
    if (dest == kNoRevision) {  // base: every related head is deleted
      for (int h : *filtered) apply({h}, kNoRevision, false, true);
      continue;
    }
    if (std::find(filtered->begin(), filtered->end(), dest) != filtered->end()) continue;
    std::vector<char> desc = g.Descendants({dest});
    std::vector<char> anc = g.Ancestors({dest});
    bool above = std::any_of(filtered->begin(), filtered->end(),
                             [&](int h) { return desc[static_cast<size_t>(h)] != 0; });
    bool below = std::any_of(filtered->begin(), filtered->end(),
                             [&](int h) { return anc[static_cast<size_t>(h)] != 0; });
    if (above) {
      apply(*filtered, dest, false, false);  // heads above the target: a stamp downgrade
    } else if (below) {
      apply(*filtered, dest, true, false);  // heads below the target: a stamp upgrade
    } else {
      apply({}, dest, true, true);  // a branch not represented yet
    }
  }
  Plan plan;
  plan.heads_before = before;
  plan.heads_after = heads.SortedIds();
  step.to_ids = plan.heads_after;
  plan.steps.push_back(std::move(step));
  return plan;
}

Result<std::vector<const Revision*>> PendingRevisions(const RevisionGraph& graph,
                                                      const std::vector<std::string>& current) {
  Result<Plan> plan = PlanUpgrade(graph, current, "heads");
  if (!plan.ok()) return plan.status();
  std::vector<const Revision*> out;
  out.reserve(plan->steps.size());
  for (const Step& s : plan->steps) out.push_back(s.revision);
  return out;
}

std::string RevisionList(const std::vector<std::string>& ids) {
  if (ids.empty()) return "<base>";
  std::string out;
  for (const std::string& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out;
}

}  // namespace strata
