// The parse tree built from libpg_query's output (src/pgtree) must be the tree a JSON DOM reads
// from it: same keys, values and order. Every statement of every rule's flagged and safe cases is
// compared, plus statements chosen for the odd corners (floats, negative numbers, escapes, UTF-8,
// empty strings, lists, nesting), and a deep one.
#include <gtest/gtest.h>
#include <pg_query.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/large_stack.h"
#include "lint/rule.h"
#include "pgtree/parse.h"

namespace strata {
namespace {

using nlohmann::json;

json ToJson(const pgtree::Node& n) {
  switch (n.kind()) {
    case pgtree::Node::Kind::kNull:
      return nullptr;
    case pgtree::Node::Kind::kObject: {
      json o = json::object();
      for (const pgtree::Node& m : n) o[std::string(m.key())] = ToJson(m);
      return o;
    }
    case pgtree::Node::Kind::kArray: {
      json a = json::array();
      for (const pgtree::Node& e : n) a.push_back(ToJson(e));
      return a;
    }
    case pgtree::Node::Kind::kString:
      return std::string(n.str());
    case pgtree::Node::Kind::kInt:
      return n.integer();
    case pgtree::Node::Kind::kBool:
      return n.boolean();
    case pgtree::Node::Kind::kDouble:
      return n.number();
  }
  return nullptr;
}

// What the JSON output says of `sql`: its statements, as {"stmt": ..., "stmt_location": ...}.
json JsonStatements(const std::string& sql) {
  PgQueryParseResult r = pg_query_parse(sql.c_str());
  json out = json::array();
  if (r.error == nullptr) out = json::parse(r.parse_tree).value("stmts", json::array());
  pg_query_free_parse_result(r);
  return out;
}

void ExpectSameTree(const std::string& sql) {
  SCOPED_TRACE(sql);
  json expected = JsonStatements(sql);
  pgtree::ParsedSql parsed = pgtree::ParseSql(sql.c_str());
  if (!parsed.ok()) {
    EXPECT_TRUE(expected.empty()) << "the protobuf parse failed: " << parsed.error();
    return;
  }
  ASSERT_EQ(parsed.statements().size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const pgtree::ParsedStatement& st = parsed.statements()[i];
    ASSERT_NE(st.tree, nullptr);
    EXPECT_EQ(ToJson(*st.tree).dump(), expected[i]["stmt"].dump());
    EXPECT_EQ(st.location, expected[i].value("stmt_location", size_t{0}));
    EXPECT_EQ(st.length, expected[i].value("stmt_len", size_t{0}));
  }
}

TEST(ParseTreeTest, MatchesTheJsonOutputOnEveryLintCase) {
  int compared = 0;
  for (const lint::RuleFamily* family : lint::RuleFamilies()) {
    for (const auto* cases : {&family->flagged, &family->safe}) {
      for (const lint::LintCase& c : *cases) {
        ExpectSameTree(std::string(c.sql));
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, 150);
}

TEST(ParseTreeTest, MatchesTheJsonOutputOnOddCorners) {
  for (const char* sql : {
           "SELECT 1.5e10, -3, 0, 'it''s', E'tab\\there', $$dollar$$, B'1010', X'1F', true, "
           "false, NULL",
           "ALTER TABLE t ALTER COLUMN c TYPE varchar(10), ALTER COLUMN n TYPE numeric(12, 0)",
           "SET statement_timeout = 0; SET lock_timeout = '2s'",
           "CREATE TABLE \"Odd \"\"name\"\"\" (id int GENERATED ALWAYS AS IDENTITY, "
           "v text COLLATE \"C\" DEFAULT 'x' CHECK (v <> ''))",
           "INSERT INTO t (a, b) VALUES (1, 'é'), (2, '日本') ON CONFLICT (a) DO UPDATE SET b = "
           "excluded.b RETURNING *",
           "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) "
           "SELECT array_agg(n ORDER BY n DESC) FILTER (WHERE n > 1) OVER w FROM r "
           "WINDOW w AS (PARTITION BY n % 2)",
           "CREATE FUNCTION f(a int DEFAULT 1) RETURNS int LANGUAGE sql IMMUTABLE AS 'select a'",
           "GRANT SELECT, UPDATE (c) ON t TO PUBLIC WITH GRANT OPTION",
           "COMMENT ON COLUMN t.c IS NULL; VACUUM (FULL false, ANALYZE) t; "
           "REINDEX (CONCURRENTLY) INDEX i",
           "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh' BEFORE 'ok'",
           "",
       }) {
    ExpectSameTree(sql);
  }
}

// A 100,000-term expression: the tree is built without recursion (the parser's own recursion
// runs on the large stack, as the linter runs it).
TEST(ParseTreeTest, BuildsADeepTree) {
  std::string sql = "SELECT 1";
  for (int i = 0; i < 100000; ++i) sql += "+1";
  size_t depth = 0;
  RunWithLargeStack([&] {
    pgtree::ParsedSql parsed = pgtree::ParseSql(sql.c_str());
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    ASSERT_EQ(parsed.statements().size(), 1u);
    // Walk down the left operands: one A_Expr a term.
    const pgtree::Node* n = parsed.statements()[0].tree->Find("SelectStmt");
    n = n->Find("targetList");
    n = (*n)[0].Find("ResTarget")->Find("val");
    while (n != nullptr) {
      const pgtree::Node* e = n->Find("A_Expr");
      if (e == nullptr) break;
      ++depth;
      n = e->Find("lexpr");
    }
  });
  EXPECT_EQ(depth, 100000u);
}

}  // namespace
}  // namespace strata
