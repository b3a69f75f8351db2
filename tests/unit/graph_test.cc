// RevisionGraph: table-driven good graphs and bad graphs, Resolve, and a 10,000-revision scale
// check. Graphs are written in the one-line notation of graph_spec.h.
#include "strata/graph.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include "unit/graph_spec.h"

namespace strata {
namespace {

using Ids = std::vector<std::string>;

std::vector<Revision> Revs(const char* spec) {
  std::vector<Revision> revs = testing::ParseGraphSpec(spec);
  for (Revision& r : revs) {  // as if parsed from a file with this header layout
    r.id_line = 3;
    r.revises_line = 4;
    r.depends_on_line = 5;
    r.branch_labels_line = 6;
  }
  return revs;
}

RevisionGraph MustBuild(const char* spec) {
  Result<RevisionGraph> g = RevisionGraph::Build(Revs(spec));
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  return std::move(g).value();
}

Ids IdsOf(const std::vector<const Revision*>& revs) {
  Ids out;
  for (const Revision* r : revs) out.push_back(r->id);
  return out;
}

struct GoodGraph {
  const char* spec;
  Ids heads, bases, branch_points;
};

TEST(GraphTest, GoodGraphs) {
  const GoodGraph cases[] = {
      {"", {}, {}, {}},
      {"a", {"a"}, {"a"}, {}},
      {"a; b<a; c<b", {"c"}, {"a"}, {}},
      {"a; b<a; c<a", {"b", "c"}, {"a"}, {"a"}},
      {"a; b<a; c<a; m<b,c", {"m"}, {"a"}, {"a"}},
      {"a; b<a; x; y<x", {"b", "y"}, {"a", "x"}, {}},
      // A revision only depended upon is still a head (Alembic's `heads`).
      {"a; b<a; x; c<b dep=x", {"x", "c"}, {"a", "x"}, {}},
      {"c<b; b<a; a", {"c"}, {"a"}, {}},  // file order does not matter
      {"a; b<a; c<a; d<a; m<b,c,d; n<m; o<m", {"n", "o"}, {"a"}, {"a", "m"}},
  };
  for (const GoodGraph& c : cases) {
    SCOPED_TRACE(c.spec);
    RevisionGraph g = MustBuild(c.spec);
    EXPECT_EQ(IdsOf(g.Heads()), c.heads);
    EXPECT_EQ(IdsOf(g.Bases()), c.bases);
    EXPECT_EQ(IdsOf(g.BranchPoints()), c.branch_points);
    // NewestFirst: everything once, each revision before all of its ancestors.
    std::vector<const Revision*> order = g.NewestFirst();
    ASSERT_EQ(order.size(), g.size());
    std::unordered_map<std::string, size_t> pos;
    for (size_t i = 0; i < order.size(); ++i) pos[order[i]->id] = i;
    EXPECT_EQ(pos.size(), g.size());
    for (const Revision* r : order) {
      for (const std::string& p : r->parents) EXPECT_LT(pos[r->id], pos[p]) << r->id;
      for (const std::string& d : r->depends_on) EXPECT_LT(pos[r->id], pos[d]) << r->id;
    }
  }
}

TEST(GraphTest, Queries) {
  RevisionGraph g = MustBuild("a; b<a; c<a label=feat; m<b,c; x; y<x dep=b");
  EXPECT_EQ(g.size(), 6u);
  EXPECT_FALSE(g.empty());
  ASSERT_NE(g.Find("m"), nullptr);
  EXPECT_EQ(g.Find("m")->parents, (Ids{"b", "c"}));
  EXPECT_EQ(g.Find("zz"), nullptr);
  EXPECT_EQ(IdsOf(g.Children("a")), (Ids{"b", "c"}));
  EXPECT_EQ(IdsOf(g.Children("b")), (Ids{"m"}));  // dependents are not children
  EXPECT_TRUE(g.Children("nope").empty());
  ASSERT_NE(g.FindLabel("feat"), nullptr);
  EXPECT_EQ(g.FindLabel("feat")->id, "c");
  EXPECT_EQ(g.FindLabel("nope"), nullptr);
  EXPECT_EQ(IdsOf(g.AncestorsOf({"m"})).size(), 4u);
  Ids anc_y = IdsOf(g.AncestorsOf({"y"}));
  std::sort(anc_y.begin(), anc_y.end());
  EXPECT_EQ(anc_y, (Ids{"a", "b", "x", "y"}));          // through the dependency on b
  EXPECT_EQ(IdsOf(g.AncestorsOf({"y"})).front(), "y");  // newest first
  Ids desc_b = IdsOf(g.DescendantsOf({"b"}));
  EXPECT_EQ(desc_b.front(), "b");  // oldest first
  std::sort(desc_b.begin(), desc_b.end());
  EXPECT_EQ(desc_b, (Ids{"b", "m", "y"}));
  EXPECT_TRUE(g.AncestorsOf({"unknown"}).empty());

  RevisionGraph empty = MustBuild("");
  EXPECT_TRUE(empty.empty());
  EXPECT_TRUE(empty.NewestFirst().empty());
}

struct BadGraph {
  const char* name;
  const char* spec;
  std::string location;            // "file:line" expected in the message
  std::vector<std::string> words;  // each must appear
};

TEST(GraphTest, BadGraphs) {
  const BadGraph errors[] = {
      {"duplicate id", "a; b<a; b<a", "b_test.sql:3", {"duplicate revision id 'b'", "b_test.sql"}},
      {"unknown parent", "a; b<zz", "b_test.sql:4", {"unknown revision 'zz'", "Revises"}},
      {"unknown dependency", "a; b<a dep=zz", "b_test.sql:5", {"'zz'", "Depends On"}},
      {"self loop", "a<a", "a_test.sql:4", {"cycle", "revises itself"}},
      {"self dependency", "a dep=a", "a_test.sql:5", {"cycle", "depends on itself"}},
      {"cycle of three", "r; a<c; b<a; c<b", "", {"cycle: ", "a", "b", "c", "->"}},
      {"cycle through a dependency", "a; b<a dep=c; c<b", "", {"cycle", "b", "c"}},
      {"duplicate label",
       "a label=x; b<a label=x",
       "b_test.sql:6",
       {"branch label 'x' is already used by revision a"}},
      {"label equal to an id", "a; b<a label=a", "b_test.sql:6", {"'a' is also a revision id"}},
  };
  for (const BadGraph& c : errors) {
    SCOPED_TRACE(c.name);
    Result<RevisionGraph> g = RevisionGraph::Build(Revs(c.spec));
    ASSERT_FALSE(g.ok());
    EXPECT_EQ(g.status().kind(), ErrorKind::kInvalidScripts);
    std::string text = g.status().ToString();
    if (!c.location.empty()) {
      EXPECT_NE(text.find(c.location), std::string::npos) << text;
    }
    for (const std::string& w : c.words) EXPECT_NE(text.find(w), std::string::npos) << text;
  }
}

TEST(GraphTest, EveryProblemIsReported) {
  Result<RevisionGraph> g =
      RevisionGraph::Build(Revs("a; a; b<zz; c<b dep=yy label=q; d label=q; e<f; f<e"));
  ASSERT_FALSE(g.ok());
  const std::string text = g.status().ToString();
  EXPECT_NE(text.find("5 problems"), std::string::npos) << text;
  for (const char* w : {"duplicate revision id 'a'", "'zz'", "'yy'", "label 'q'", "cycle"}) {
    EXPECT_NE(text.find(w), std::string::npos) << w << "\n" << text;
  }
}

TEST(GraphTest, TwoCyclesAreBothNamed) {
  Result<RevisionGraph> g = RevisionGraph::Build(Revs("a<b; b<a; c<d; d<c; e<a"));
  ASSERT_FALSE(g.ok());
  const std::string text = g.status().ToString();
  EXPECT_NE(text.find("2 problems"), std::string::npos) << text;
}

TEST(GraphTest, Resolve) {
  RevisionGraph g = MustBuild("abcd1234; abcd5678<abcd1234; abce0000<abcd5678; ab<abce0000");
  struct Case {
    const char* input;
    const char* id;  // nullptr = error
    ErrorKind kind;
    const char* words;
  };
  const Case cases[] = {
      {"abcd1234", "abcd1234", ErrorKind::kOk, ""},
      {"ab", "ab", ErrorKind::kOk, ""},  // an exact id shorter than 4 characters
      {"abcd5", "abcd5678", ErrorKind::kOk, ""},
      {"abce", "abce0000", ErrorKind::kOk, ""},
      {"abcd", nullptr, ErrorKind::kInvalidScripts, "abcd1234, abcd5678"},
      {"abc", nullptr, ErrorKind::kUsage, "at least 4 characters"},
      {"zzzz", nullptr, ErrorKind::kUsage, "strata heads"},
      {"abcd12345", nullptr, ErrorKind::kUsage, "no revision matches"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.input);
    Result<const Revision*> r = g.Resolve(c.input);
    if (c.id != nullptr) {
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ((*r)->id, c.id);
    } else {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().kind(), c.kind);
      EXPECT_NE(r.status().ToString().find(c.words), std::string::npos) << r.status().ToString();
    }
  }
}

// 10,000 revisions: a linear chain and a branchy graph (merges, branch points, dependencies).
// Measured and printed; only a catastrophe would fail the generous bound.
std::vector<Revision> Chain(int n) {
  std::vector<Revision> revs(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    Revision& r = revs[static_cast<size_t>(i)];
    r.id = fmt::format("r{:05d}", i);
    if (i > 0) r.parents = {fmt::format("r{:05d}", i - 1)};
    r.downgrade = SqlSection{};
  }
  return revs;
}

std::vector<Revision> Branchy(int n) {
  // Groups of 10: a branch point, three branches of three, then a merge; every 50th revision
  // also depends on a revision of an independent second line.
  std::vector<Revision> revs;
  revs.reserve(static_cast<size_t>(n));
  auto id = [](int i) { return fmt::format("b{:05d}", i); };
  std::string tip;
  int i = 0;
  while (i + 10 <= n - 1) {
    Revision bp;
    bp.id = id(i++);
    if (!tip.empty()) bp.parents = {tip};
    bp.downgrade = SqlSection{};
    revs.push_back(bp);
    std::vector<std::string> ends;
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
  }
  while (i < n) {
    Revision r;
    r.id = id(i++);
    if (!tip.empty()) r.parents = {tip};
    r.downgrade = SqlSection{};
    tip = r.id;
    revs.push_back(r);
  }
  return revs;
}

TEST(GraphTest, TenThousandRevisions) {
  for (auto [name, revs] :
       {std::pair{"chain", Chain(10000)}, std::pair{"branchy", Branchy(10000)}}) {
    auto start = std::chrono::steady_clock::now();
    Result<RevisionGraph> g = RevisionGraph::Build(std::move(revs));
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    auto built = std::chrono::steady_clock::now();
    std::vector<const Revision*> order = g->NewestFirst();
    auto sorted = std::chrono::steady_clock::now();
    EXPECT_EQ(order.size(), 10000u);
    EXPECT_EQ(g->Heads().size(), 1u);
    EXPECT_EQ(g->AncestorsOf({order.front()->id}).size(), 10000u);
    EXPECT_TRUE(g->Resolve(order.front()->id.substr(0, 5)).ok() ||
                g->Resolve(order.front()->id.substr(0, 5)).status().kind() ==
                    ErrorKind::kInvalidScripts);
    auto ms = [](auto a, auto b) {
      return std::chrono::duration<double, std::milli>(b - a).count();
    };
    std::printf("[ timing ] %s 10k: Build %.1f ms, NewestFirst %.1f ms\n", name, ms(start, built),
                ms(built, sorted));
    EXPECT_LT(ms(start, sorted), 5000.0);  // catastrophe guard only
  }
}

TEST(GraphTest, TenThousandLongCycleIsFoundWithoutRecursion) {
  std::vector<Revision> revs = Chain(10000);
  revs[0].parents = {revs.back().id};
  Result<RevisionGraph> g = RevisionGraph::Build(std::move(revs));
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("cycle"), std::string::npos);
}

}  // namespace
}  // namespace strata
