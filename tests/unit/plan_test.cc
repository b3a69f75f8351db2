// The planner: every target form, branches, merges, labels, dependencies, version-row changes,
// refusals, and 10,000-revision graphs. Graphs use graph_spec.h's one-line notation; the
// expected heads of the branchy cases were checked against Alembic 1.8.1 (tests/alembic).
#include "strata/plan.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "unit/graph_spec.h"

namespace strata {
namespace {

using Ids = std::vector<std::string>;
using Kind = VersionChange::Kind;

RevisionGraph MustBuild(const char* spec) {
  Result<RevisionGraph> g = RevisionGraph::Build(testing::ParseGraphSpec(spec));
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  return std::move(g).value();
}

Result<Plan> RunCommand(const RevisionGraph& g, const Ids& current, const std::string& command) {
  size_t sp = command.find(' ');
  std::string verb = command.substr(0, sp);
  std::string target = sp == std::string::npos ? "" : command.substr(sp + 1);
  if (verb == "upgrade") return PlanUpgrade(g, current, target);
  if (verb == "downgrade") return PlanDowngrade(g, current, target);
  if (verb == "stamp") return PlanStamp(g, current, target, false);
  if (verb == "stamp-purge") return PlanStamp(g, current, target, true);
  return Status::Usage("bad test command " + verb);
}

Ids StepIds(const Plan& p) {
  Ids out;
  for (const Step& s : p.steps) out.push_back(s.revision ? s.revision->id : "<stamp>");
  return out;
}

constexpr const char* kChain = "a1; b2<a1; c3<b2; d4<c3";
constexpr const char* kBranch = "a1; b2<a1; c3<b2; d4<b2; e5<d4";
constexpr const char* kMerge = "a1; b2<a1; c3<a1; m4<b2,c3; n5<m4";
constexpr const char* kTwoBases = "a1; b2<a1; x1; y2<x1";
constexpr const char* kLabels = "a1 label=main; b2<a1; x1 label=other; y2<x1; z3<y2";
constexpr const char* kBranchLabels = "a1; b2<a1; c3<b2 label=feat; d4<c3; e5<b2 label=fix; f6<e5";
constexpr const char* kDepends = "a1; b2<a1; x1; y2<x1; c3<b2 dep=y2";
constexpr const char* kDependsLabel = "a1; b2<a1 label=lib; x1; y2<x1 dep=lib; z3<y2";
constexpr const char* kLong = "aaaa1111; aaaa2222<aaaa1111; aaab3333<aaaa2222";

struct Case {
  const char* graph;
  Ids current;
  const char* command;
  Ids heads_after;
  Ids steps = {};  // checked when not empty
};

TEST(PlanTest, Cases) {
  const Case cases[] = {
      // upgrade: head, heads, revision, prefix, relative forms.
      {kChain, {}, "upgrade head", {"d4"}, {"a1", "b2", "c3", "d4"}},
      {kChain, {"b2"}, "upgrade head", {"d4"}, {"c3", "d4"}},
      {kChain, {"d4"}, "upgrade head", {"d4"}},
      {kChain, {}, "upgrade heads", {"d4"}},
      {kChain, {}, "upgrade c3", {"c3"}, {"a1", "b2", "c3"}},
      {kChain, {"d4"}, "upgrade b2", {"d4"}},  // already past it: nothing to do
      {kChain, {}, "upgrade +1", {"a1"}},
      {kChain, {"a1"}, "upgrade +2", {"c3"}},
      {kChain, {"a1"}, "upgrade b2+1", {"c3"}},
      {kChain, {}, "upgrade c3-1", {"b2"}},
      {kChain, {}, "upgrade base+2", {"b2"}},
      {kLong, {}, "upgrade aaab", {"aaab3333"}},
      {kLong, {}, "upgrade aaaa2", {"aaaa2222"}},
      // branches
      {kBranch, {}, "upgrade heads", {"c3", "e5"}},
      {kBranch, {"c3"}, "upgrade e5", {"c3", "e5"}, {"d4", "e5"}},  // the second branch
      {kBranch, {"c3"}, "upgrade heads", {"c3", "e5"}},
      {kBranch, {"c3", "e5"}, "downgrade b2", {"b2"}},
      {kBranch, {"c3", "e5"}, "downgrade d4", {"c3", "d4"}},
      {kBranch, {"c3", "d4"}, "downgrade c3@-1", {"d4"}},
      {kBranch, {"c3", "e5"}, "downgrade base", {}},
      {kBranch, {"c3", "e5"}, "downgrade e5-1", {"c3", "d4"}},
      {kBranch, {"c3", "e5"}, "downgrade e5-2", {"b2"}},
      {kBranch, {"c3"}, "downgrade a1+1", {"b2"}, {"c3"}},
      // merges
      {kMerge, {}, "upgrade head", {"n5"}},
      {kMerge, {"b2"}, "upgrade m4", {"m4"}, {"c3", "m4"}},
      {kMerge, {"b2", "c3"}, "upgrade head", {"n5"}, {"m4", "n5"}},
      {kMerge, {"n5"}, "downgrade -1", {"m4"}},
      {kMerge, {"n5"}, "downgrade b2", {"b2", "c3"}},  // below the merge: unmerge
      {kMerge, {"n5"}, "downgrade a1", {"a1"}},
      {kMerge, {"m4"}, "downgrade base", {}},
      // several bases
      {kTwoBases, {"b2"}, "upgrade x1", {"b2", "x1"}},
      {kTwoBases, {"b2"}, "upgrade x1+1", {"b2", "y2"}},
      // REV-N reaching base means base for every branch, as in Alembic (not just x1's).
      {kTwoBases, {"b2", "y2"}, "downgrade x1-1", {}},
      {kTwoBases, {"b2", "y2"}, "downgrade x1", {"b2", "x1"}},
      // HEAD@-N steps down the branch of one head: what a rollback with several heads names.
      {kTwoBases, {"a1", "x1"}, "downgrade a1@-1", {"x1"}},
      {kBranch, {"c3", "e5"}, "downgrade c3@-1", {"e5"}},
      {kBranch, {"c3", "e5"}, "downgrade e5@-1", {"c3", "d4"}},
      // branch labels
      {kLabels, {}, "upgrade other@head", {"z3"}},
      {kLabels, {}, "upgrade main@head", {"b2"}},
      {kLabels, {"b2"}, "upgrade other@+1", {"b2", "x1"}},
      {kLabels, {"b2", "z3"}, "downgrade other@base", {"b2"}},
      {kLabels, {"b2", "z3"}, "downgrade main@base", {"z3"}},
      {kLabels, {"b2", "z3"}, "downgrade other@-1", {"b2", "y2"}},
      {kLabels, {"b2", "z3"}, "downgrade other@x1", {"b2", "x1"}},
      {kLabels, {}, "upgrade other", {"x1"}},  // a label names its revision
      {kBranchLabels, {"b2"}, "upgrade feat@head", {"d4"}},
      {kBranchLabels, {"d4"}, "upgrade fix@+1", {"d4", "e5"}},
      {kBranchLabels, {"d4", "f6"}, "downgrade fix@-1", {"d4", "e5"}},
      // depends_on: dependencies are upgraded too, and rows merge through them
      {kDepends, {}, "upgrade c3", {"c3"}, {"x1", "y2", "a1", "b2", "c3"}},
      {kDepends, {"b2"}, "upgrade c3", {"c3"}},
      {kDepends, {"c3"}, "downgrade -1", {"b2", "y2"}},
      {kDepends, {"c3"}, "downgrade x1", {"b2", "x1"}},
      {kDepends, {"c3"}, "downgrade b2-1", {"a1", "y2"}},
      {kDependsLabel, {}, "upgrade z3", {"z3"}},
      // z3 -> y2 -> (x1, lib=b2): lib@-1 is a1, which drops b2 and what depends on it.
      {kDependsLabel, {"z3"}, "downgrade lib@-1", {"a1", "x1"}},
      // stamp
      {kChain, {}, "stamp head", {"d4"}},
      {kChain, {"d4"}, "stamp b2", {"b2"}},
      {kChain, {"b2"}, "stamp base", {}},
      {kBranch, {"c3"}, "stamp d4", {"c3", "d4"}},
      {kBranch, {"c3", "e5"}, "stamp b2", {"b2"}},
      {kBranch, {"c3"}, "stamp heads", {"c3", "e5"}},
      {kMerge, {"b2", "c3"}, "stamp head", {"n5"}},
      {kMerge, {"n5"}, "stamp b2", {"b2"}},          // a stamp does not unmerge (Alembic)
      {kChain, {"zzzz"}, "stamp-purge c3", {"c3"}},  // --purge repairs an unknown row
      {kLabels, {"b2"}, "stamp other@head", {"b2", "z3"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(fmt::format("{} | {} | {}", c.graph, fmt::join(c.current, " "), c.command));
    RevisionGraph g = MustBuild(c.graph);
    Result<Plan> p = RunCommand(g, c.current, c.command);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_EQ(p->heads_after, c.heads_after);
    if (!c.steps.empty()) {
      EXPECT_EQ(StepIds(*p), c.steps);
    }
    // heads_before: sorted current; each step's heads_before chains to the previous step's.
    Ids before = c.current;
    std::sort(before.begin(), before.end());
    EXPECT_EQ(p->heads_before, before);
  }
}

struct ErrorCase {
  const char* graph;
  Ids current;
  const char* command;
  ErrorKind kind;
  const char* words;
};

TEST(PlanTest, Errors) {
  const ErrorCase errors[] = {
      {kBranch,
       {},
       "upgrade head",
       ErrorKind::kUsage,
       "multiple heads are present for 'head': c3, e5"},
      {kBranch, {"b2"}, "upgrade +1", ErrorKind::kUsage, "ambiguous walk"},
      {kBranch, {"c3", "e5"}, "upgrade +1", ErrorKind::kUsage, "multiple current revisions"},
      {kChain, {"d4"}, "upgrade +1", ErrorKind::kUsage, "didn't produce 1 migrations"},
      {kChain, {}, "upgrade -1", ErrorKind::kUsage, "didn't produce"},
      {kChain, {}, "upgrade a1-1", ErrorKind::kUsage, "not an upgrade target"},
      {kChain, {}, "upgrade zzzz", ErrorKind::kUsage, "strata heads"},
      {kChain, {}, "upgrade zz", ErrorKind::kUsage, "at least 4 characters"},
      {kChain,
       {},
       "upgrade nolabel@head",
       ErrorKind::kUsage,
       "no such branch or revision 'nolabel'"},
      {kChain, {}, "upgrade", ErrorKind::kUsage, "no target"},
      {kLong, {}, "upgrade aaaa", ErrorKind::kInvalidScripts, "aaaa1111, aaaa2222"},
      {kLong, {}, "downgrade aaaa", ErrorKind::kInvalidScripts, "ambiguous"},
      {kChain, {"b2"}, "downgrade c3", ErrorKind::kUsage, "not a valid downgrade target"},
      {kChain, {}, "downgrade -1", ErrorKind::kUsage, "didn't produce"},
      {kChain, {"b2"}, "downgrade +1", ErrorKind::kUsage, "didn't produce"},
      {kChain, {"b2"}, "downgrade -5", ErrorKind::kUsage, "didn't produce"},
      {kMerge, {"n5"}, "downgrade -2", ErrorKind::kUsage, "ambiguous walk"},
      {kChain, {"d4"}, "downgrade d4+1", ErrorKind::kUsage, "walked too far"},
      // Several heads: a bare -N would guess a branch (Alembic warns, then guesses).
      {kTwoBases,
       {"a1", "x1"},
       "downgrade -1",
       ErrorKind::kUsage,
       "downgrade -1 is ambiguous: the database has 2 heads (a1, x1)"},
      {kBranch,
       {"c3", "e5"},
       "downgrade -2",
       ErrorKind::kUsage,
       "`strata downgrade c3@-2` or `strata downgrade e5@-2` (a branch label works too: LABEL@-2)"},
      {kBranchLabels, {"d4", "f6"}, "downgrade -1", ErrorKind::kUsage, "ambiguous"},
      {kBranch, {"c3"}, "stamp head", ErrorKind::kUsage, "multiple heads"},
      // the version table names a revision no file defines: a person must look (exit 7)
      {kChain, {"zzzz"}, "upgrade head", ErrorKind::kNeedsPerson, "'zzzz', which no revision file"},
      {kChain, {"zzzz"}, "downgrade base", ErrorKind::kNeedsPerson, "stamp --purge"},
      {kChain, {"zzzz"}, "stamp head", ErrorKind::kNeedsPerson, "no revision file"},
      {kChain,
       {"a1", "c3"},
       "upgrade head",
       ErrorKind::kNeedsPerson,
       "both c3 and its ancestor a1"},
  };
  for (const ErrorCase& c : errors) {
    SCOPED_TRACE(fmt::format("{} | {} | {}", c.graph, fmt::join(c.current, " "), c.command));
    RevisionGraph g = MustBuild(c.graph);
    Result<Plan> p = RunCommand(g, c.current, c.command);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.status().kind(), c.kind) << p.status().ToString();
    EXPECT_NE(p.status().ToString().find(c.words), std::string::npos) << p.status().ToString();
  }
}

TEST(PlanTest, EveryUnknownRowIsNamed) {
  RevisionGraph g = MustBuild(kChain);
  Result<Plan> p = PlanUpgrade(g, {"b2", "gone1", "gone2"}, "head");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("revisions 'gone1', 'gone2'"), std::string::npos)
      << p.status().ToString();
}

TEST(PlanTest, NeedsPersonExitCode) {
  RevisionGraph g = MustBuild(kChain);
  Result<Plan> p = PlanUpgrade(g, {"gone"}, "head");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().exit_code(), 7);
  EXPECT_EQ(p.status().revision(), "gone");
}

TEST(PlanTest, DowngradeRefusedBeforeAnythingRuns) {
  RevisionGraph g = MustBuild("a1; b2<a1 nodown; c3<b2; d4<c3 nodown");
  Result<Plan> p = PlanDowngrade(g, {"d4"}, "base");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().kind(), ErrorKind::kInvalidScripts);
  const std::string text = p.status().ToString();
  // Both blockers are named with their files, so they can be fixed at once.
  EXPECT_NE(text.find("revision d4 has no '-- migrate:downgrade' section"), std::string::npos);
  EXPECT_NE(text.find("d4_test.sql"), std::string::npos) << text;
  EXPECT_NE(text.find("b2_test.sql"), std::string::npos) << text;
  // Above the blockers it is fine.
  EXPECT_TRUE(PlanDowngrade(g, {"c3"}, "b2").ok());
  Result<Plan> one = PlanDowngrade(g, {"c3"}, "a1");
  ASSERT_FALSE(one.ok());
  EXPECT_EQ(one.status().revision(), "b2");
  EXPECT_EQ(one.status().file(), "b2_test.sql");
}

TEST(PlanTest, VersionChangesOnAChain) {
  RevisionGraph g = MustBuild(kChain);
  Result<Plan> p = PlanUpgrade(g, {}, "c3");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->steps.size(), 3u);
  EXPECT_EQ(p->steps[0].version_changes, (std::vector<VersionChange>{{Kind::kInsert, "", "a1"}}));
  EXPECT_EQ(p->steps[1].version_changes, (std::vector<VersionChange>{{Kind::kUpdate, "a1", "b2"}}));
  EXPECT_EQ(p->steps[1].heads_before, (Ids{"a1"}));
  EXPECT_EQ(p->steps[0].from_ids, Ids{});
  EXPECT_EQ(p->steps[1].from_ids, (Ids{"a1"}));
  EXPECT_EQ(p->steps[1].to_ids, (Ids{"b2"}));
  EXPECT_EQ(p->steps[1].direction, Direction::kUpgrade);
  EXPECT_EQ(p->steps[1].section().sql, "-- up b2");

  Result<Plan> d = PlanDowngrade(g, {"c3"}, "base");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(StepIds(*d), (Ids{"c3", "b2", "a1"}));
  EXPECT_EQ(d->steps[0].version_changes, (std::vector<VersionChange>{{Kind::kUpdate, "c3", "b2"}}));
  EXPECT_EQ(d->steps[2].version_changes, (std::vector<VersionChange>{{Kind::kDelete, "a1", ""}}));
  EXPECT_EQ(d->steps[0].from_ids, (Ids{"c3"}));
  EXPECT_EQ(d->steps[0].to_ids, (Ids{"b2"}));
  EXPECT_EQ(d->steps[0].section().sql, "-- down c3");
  EXPECT_STREQ(DirectionName(d->steps[0].direction), "downgrade");
}

TEST(PlanTest, VersionChangesAcrossMergeAndBranches) {
  RevisionGraph g = MustBuild(kMerge);
  Result<Plan> up = PlanUpgrade(g, {"b2", "c3"}, "m4");
  ASSERT_TRUE(up.ok());
  ASSERT_EQ(up->steps.size(), 1u);
  // Merging two rows: one deleted, the other updated to the merge.
  EXPECT_EQ(up->steps[0].version_changes,
            (std::vector<VersionChange>{{Kind::kDelete, "b2", ""}, {Kind::kUpdate, "c3", "m4"}}));
  EXPECT_EQ(up->steps[0].from_ids, (Ids{"b2", "c3"}));

  Result<Plan> down = PlanDowngrade(g, {"m4"}, "a1");
  ASSERT_TRUE(down.ok());
  // Unmerging: a row inserted for one parent, the merge's row updated to the other.
  EXPECT_EQ(down->steps[0].version_changes,
            (std::vector<VersionChange>{{Kind::kInsert, "", "b2"}, {Kind::kUpdate, "m4", "c3"}}));

  RevisionGraph br = MustBuild(kBranch);
  Result<Plan> second = PlanUpgrade(br, {"c3"}, "e5");
  ASSERT_TRUE(second.ok());
  // The second branch starts from a branch point that is no longer a row: a new row.
  EXPECT_EQ(second->steps[0].version_changes,
            (std::vector<VersionChange>{{Kind::kInsert, "", "d4"}}));
  Result<Plan> back = PlanDowngrade(br, {"c3", "e5"}, "b2");
  ASSERT_TRUE(back.ok());
  Ids deleted;
  for (const Step& s : back->steps) {
    for (const VersionChange& c : s.version_changes) {
      if (c.kind == Kind::kDelete) deleted.push_back(c.from);
    }
  }
  EXPECT_EQ(deleted.size(), 1u);  // two branches collapse into one row for b2
}

TEST(PlanTest, StampVersionChanges) {
  RevisionGraph g = MustBuild(kBranch);
  Result<Plan> p = PlanStamp(g, {"c3", "e5"}, "b2", false);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->steps.size(), 1u);
  EXPECT_EQ(p->steps[0].revision, nullptr);
  EXPECT_EQ(p->steps[0].version_changes,
            (std::vector<VersionChange>{{Kind::kDelete, "c3", ""}, {Kind::kUpdate, "e5", "b2"}}));
  Result<Plan> purge = PlanStamp(g, {"zz", "c3"}, "e5", true);
  ASSERT_TRUE(purge.ok());
  EXPECT_EQ(purge->steps[0].version_changes,
            (std::vector<VersionChange>{
                {Kind::kDelete, "c3", ""}, {Kind::kDelete, "zz", ""}, {Kind::kInsert, "", "e5"}}));
  EXPECT_EQ(purge->heads_after, (Ids{"e5"}));
  Result<Plan> same = PlanStamp(g, {"c3"}, "c3", false);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->steps[0].version_changes.empty());
}

TEST(PlanTest, PendingRevisions) {
  RevisionGraph g = MustBuild(kBranch);
  auto ids = [](const std::vector<const Revision*>& revs) {
    Ids out;
    for (const Revision* r : revs) out.push_back(r->id);
    return out;
  };
  Result<std::vector<const Revision*>> all = PendingRevisions(g, {});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 5u);
  EXPECT_EQ(all->front()->id, "a1");
  Result<std::vector<const Revision*>> some = PendingRevisions(g, {"c3"});
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(ids(*some), (Ids{"d4", "e5"}));
  Result<std::vector<const Revision*>> none = PendingRevisions(g, {"c3", "e5"});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(PendingRevisions(g, {"nope"}).status().kind(), ErrorKind::kNeedsPerson);
}

TEST(PlanTest, EmptyGraph) {
  RevisionGraph g = MustBuild("");
  Result<Plan> p = PlanUpgrade(g, {}, "head");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->steps.empty());
  EXPECT_TRUE(PlanDowngrade(g, {}, "base").ok());
}

// Steps are a valid order: each step's heads_before equals the previous step's result, and
// replaying version_changes over heads_before gives heads_after.
void ExpectConsistent(const Plan& p) {
  std::set<std::string> heads(p.heads_before.begin(), p.heads_before.end());
  for (const Step& s : p.steps) {
    ASSERT_EQ(Ids(heads.begin(), heads.end()), s.heads_before);
    for (const VersionChange& c : s.version_changes) {
      if (c.kind != Kind::kInsert) {
        ASSERT_EQ(heads.erase(c.from), 1u) << c.from;
      }
      if (c.kind != Kind::kDelete) {
        ASSERT_TRUE(heads.insert(c.to).second) << c.to;
      }
    }
  }
  EXPECT_EQ(Ids(heads.begin(), heads.end()), p.heads_after);
}

TEST(PlanTest, StepsReplayToHeadsAfter) {
  for (const char* spec : {kChain, kBranch, kMerge, kTwoBases, kLabels, kDepends, kDependsLabel,
                           "a1; b2<a1; c3<a1; d4<a1; m5<b2,c3,d4; n6<m5; o7<m5"}) {
    SCOPED_TRACE(spec);
    RevisionGraph g = MustBuild(spec);
    Result<Plan> up = PlanUpgrade(g, {}, "heads");
    ASSERT_TRUE(up.ok());
    ExpectConsistent(*up);
    Result<Plan> down = PlanDowngrade(g, up->heads_after, "base");
    ASSERT_TRUE(down.ok());
    ExpectConsistent(*down);
    EXPECT_TRUE(down->heads_after.empty());
    EXPECT_EQ(down->steps.size(), g.size());
  }
}

// 10,000 revisions, chain and branchy: plan base -> head and head -> base.
std::vector<Revision> Generated(bool branchy) {
  std::vector<Revision> revs;
  auto id = [](int i) { return fmt::format("r{:05d}", i); };
  std::string tip;
  int i = 0;
  while (i < 10000) {
    if (branchy && i + 10 <= 9999) {
      // branch point, three branches of three, merge
      Revision bp;
      bp.id = id(i++);
      if (!tip.empty()) bp.parents = {tip};
      bp.downgrade = SqlSection{};
      revs.push_back(bp);
      Ids ends;
      for (int b = 0; b < 3; ++b) {
        std::string prev = bp.id;
        for (int k = 0; k < 3; ++k) {
          Revision r;
          r.id = id(i++);
          r.parents = {prev};
          r.downgrade = SqlSection{};
          prev = r.id;
          revs.push_back(r);
        }
        ends.push_back(prev);
      }
      Revision m;
      m.id = id(i++);
      m.parents = ends;
      m.downgrade = SqlSection{};
      revs.push_back(m);
      tip = m.id;
      continue;
    }
    Revision r;
    r.id = id(i++);
    if (!tip.empty()) r.parents = {tip};
    r.downgrade = SqlSection{};
    tip = r.id;
    revs.push_back(r);
  }
  return revs;
}

TEST(PlanTest, TenThousandRevisions) {
  using Clock = std::chrono::steady_clock;
  auto ms = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
  };
  for (bool branchy : {false, true}) {
    auto t0 = Clock::now();
    Result<RevisionGraph> g = RevisionGraph::Build(Generated(branchy));
    ASSERT_TRUE(g.ok());
    auto t1 = Clock::now();
    Result<Plan> up = PlanUpgrade(*g, {}, "head");
    auto t2 = Clock::now();
    ASSERT_TRUE(up.ok()) << up.status().ToString();
    EXPECT_EQ(up->steps.size(), 10000u);
    Result<Plan> down = PlanDowngrade(*g, up->heads_after, "base");
    auto t3 = Clock::now();
    ASSERT_TRUE(down.ok()) << down.status().ToString();
    EXPECT_EQ(down->steps.size(), 10000u);
    EXPECT_TRUE(down->heads_after.empty());
    Result<Plan> partial = PlanDowngrade(*g, up->heads_after, "-1");
    ASSERT_TRUE(partial.ok());
    ExpectConsistent(*up);
    ExpectConsistent(*down);
    std::printf(
        "[ timing ] %s 10k: Build %.1f ms, upgrade base->head %.1f ms, downgrade "
        "head->base %.1f ms\n",
        branchy ? "branchy" : "chain", ms(t0, t1), ms(t1, t2), ms(t2, t3));
  }
}

}  // namespace
}  // namespace strata
