// The snapshot model (snapshot.h): ordering, the hash and its encoding, serialisations, the
// difference of two snapshots, and the normalisation of SQLite's stored CREATE text.
#include "strata/snapshot.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/sha256.h"

namespace strata {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

SchemaSnapshot Snap(std::vector<SchemaObject> objects) {
  return MakeSnapshot("postgresql", std::move(objects));
}

TEST(SnapshotTest, ObjectsAreSortedByKindNameAndDefinitionInByteOrder) {
  SchemaSnapshot s = Snap({{"table", "public.b", "B"},
                           {"column", "public.b.x", "X"},
                           {"table", "public.B", "upper"},  // 'B' < 'b' in byte order
                           {"index", "public.b_x", "I2"},
                           {"index", "public.b_x", "I1"}});
  std::vector<std::string> keys;
  for (const SchemaObject& o : s.objects)
    keys.push_back(o.kind + " " + o.name + " " + o.definition);
  EXPECT_THAT(keys, ElementsAre("column public.b.x X", "index public.b_x I1", "index public.b_x I2",
                                "table public.B upper", "table public.b B"));
  EXPECT_EQ(s.dialect, "postgresql");
  EXPECT_EQ(s.hash, SchemaHash(s.objects));
}

TEST(SnapshotTest, HashIsSha256OfLengthPrefixedRecords) {
  // The encoding the PostgreSQL driver reproduces on the server (catalog_snapshot.cc).
  EXPECT_EQ(SchemaHash({}), Sha256Hex(""));
  EXPECT_EQ(SchemaHash({{"table", "t", "CREATE TABLE t(a int)"}}),
            Sha256Hex("5:table1:t21:CREATE TABLE t(a int)\n"));
  EXPECT_EQ(SchemaHash({{"table", "é", ""}, {"view", "v", "x"}}), Sha256Hex("5:table2:\xc3\xa9"
                                                                            "0:\n4:view1:v1:x\n"));
}

TEST(SnapshotTest, HashTellsApartEveryFieldAndWhereItEnds) {
  const std::vector<std::vector<SchemaObject>> cases = {
      {},
      {{"table", "t", "a"}},
      {{"table", "t", "b"}},
      {{"table", "u", "a"}},
      {{"index", "t", "a"}},
      {{"table", "t", "a"}, {"table", "t2", ""}},
      {{"table", "t", "a:1:t2"}},  // a definition that looks like a record boundary
      {{"table", "t", "a\n5:table2:t20:"}},
      {{"tabl", "et", "a"}},  // same bytes, other field boundaries
      {{"table", "ta", ""}},
  };
  std::vector<std::string> hashes;
  for (const auto& objects : cases) {
    std::string h = MakeSnapshot("sqlite", objects).hash;
    EXPECT_EQ(h.size(), 64u);
    for (const std::string& other : hashes) EXPECT_NE(h, other);
    hashes.push_back(h);
  }
  // The same objects in any order: the same hash.
  EXPECT_EQ(Snap({{"a", "1", ""}, {"b", "2", ""}}).hash,
            Snap({{"b", "2", ""}, {"a", "1", ""}}).hash);
}

TEST(SnapshotTest, JsonHoldsDialectHashAndObjectsInOrder) {
  SchemaSnapshot s = Snap({{"table", "public.t", "CREATE TABLE public.t ()"},
                           {"column", "public.t.a", "ALTER TABLE public.t ADD COLUMN a \"x\n"}});
  std::string text = SnapshotJson(s);
  nlohmann::json doc = nlohmann::json::parse(text);
  EXPECT_EQ(doc["dialect"], "postgresql");
  EXPECT_EQ(doc["hash"], s.hash);
  ASSERT_EQ(doc["objects"].size(), 2u);
  EXPECT_EQ(doc["objects"][0]["kind"], "column");
  EXPECT_EQ(doc["objects"][0]["definition"], "ALTER TABLE public.t ADD COLUMN a \"x\n");
  EXPECT_EQ(doc["objects"][1]["name"], "public.t");
  // Keys in a fixed order, so the text itself is deterministic.
  EXPECT_LT(text.find("\"dialect\""), text.find("\"hash\""));
  EXPECT_LT(text.find("\"kind\""), text.find("\"name\""));
  EXPECT_LT(text.find("\"name\""), text.find("\"definition\""));
  // Bytes that are not UTF-8 do not make it throw.
  EXPECT_THAT(SnapshotJson(Snap({{"table", "t", "CHECK(x = '\xff')"}})), HasSubstr("\"t\""));
}

TEST(SnapshotTest, SqlTextHasAHeaderAndOneCommentedStatementPerObject) {
  SchemaSnapshot s = Snap(
      {{"table", "t", "CREATE TABLE t(a int)"}, {"function", "f()", "CREATE FUNCTION f() ...;\n"}});
  std::string text = SnapshotSql(s);
  EXPECT_THAT(
      text, HasSubstr("-- strata schema snapshot: postgresql, 2 objects, sha256 " + s.hash + "\n"));
  EXPECT_THAT(text, HasSubstr("\n-- function f()\nCREATE FUNCTION f() ...;\n"));
  EXPECT_THAT(text, HasSubstr("\n-- table t\nCREATE TABLE t(a int);\n"));
  EXPECT_LT(text.find("-- function"), text.find("-- table"));
  EXPECT_THAT(SnapshotSql(Snap({})), HasSubstr("0 objects"));
}

TEST(SnapshotTest, DiffNamesAddedRemovedAndChangedObjects) {
  struct Case {
    const char* what;
    std::vector<SchemaObject> first;
    std::vector<SchemaObject> second;
    std::vector<std::string> expected;  // "kind name first|second", "-" for absent
  };
  const Case cases[] = {
      {"same", {{"table", "t", "a"}}, {{"table", "t", "a"}}, {}},
      {"both empty", {}, {}, {}},
      {"added", {{"table", "t", "a"}}, {{"table", "t", "a"}, {"index", "i", "b"}}, {"index i -|b"}},
      {"removed",
       {{"table", "t", "a"}, {"index", "i", "b"}},
       {{"table", "t", "a"}},
       {"index i b|-"}},
      {"changed",
       {{"column", "t.c", "int"}},
       {{"column", "t.c", "bigint"}},
       {"column t.c int|bigint"}},
      {"same name, other kind",
       {{"table", "x", "a"}},
       {{"view", "x", "a"}},
       {"table x a|-", "view x -|a"}},
      {"several, in key order",
       {{"table", "a", "1"}, {"table", "c", "3"}, {"table", "d", "4"}},
       {{"table", "b", "2"}, {"table", "c", "x"}, {"table", "d", "4"}},
       {"table a 1|-", "table b -|2", "table c 3|x"}},
      {"two objects under one key compare together",
       {{"constraint", "t.k", "A"}, {"constraint", "t.k", "B"}},
       {{"constraint", "t.k", "A"}},
       {"constraint t.k A\nB|A"}},
  };
  for (const Case& c : cases) {
    std::vector<std::string> got;
    for (const ObjectDifference& d : DiffSnapshots(Snap(c.first), Snap(c.second))) {
      got.push_back(d.kind + " " + d.name + " " + d.first.value_or("-") + "|" +
                    d.second.value_or("-"));
    }
    EXPECT_EQ(got, c.expected) << c.what;
  }
}

TEST(SnapshotTest, DescribeDifferenceSaysWhichSideHasWhatOnOneLine) {
  ObjectDifference added{"index", "public.ix", std::nullopt, "CREATE INDEX ix\n  ON t (a);"};
  EXPECT_EQ(DescribeDifference(added, "in the migrations", "in the database"),
            "index public.ix: only in the database: CREATE INDEX ix ON t (a)");
  ObjectDifference removed{"table", "t", "CREATE TABLE t(a int)", std::nullopt};
  EXPECT_EQ(DescribeDifference(removed, "before the upgrade", "after the downgrade"),
            "table t: only before the upgrade: CREATE TABLE t(a int)");
  ObjectDifference changed{"column", "t.a", "int", "bigint"};
  EXPECT_EQ(DescribeDifference(changed, "then", "now"), "column t.a: then: int; now: bigint");
  ObjectDifference long_one{"view", "v", std::nullopt, std::string(300, 'x')};
  EXPECT_EQ(DescribeDifference(long_one, "a", "b", 10), "view v: only b: xxxxxxxxxx...");
}

TEST(SnapshotTest, IdentifiersAreQuotedOnlyWhereNeeded) {
  const std::pair<const char*, const char*> cases[] = {
      {"users", "users"},
      {"user_2$", "user_2$"},
      {"Users", "\"Users\""},
      {"2fa", "\"2fa\""},
      {"my table", "\"my table\""},
      {"a\"b", "\"a\"\"b\""},
      {"", "\"\""},
      {"$x", "\"$x\""},
      {"é", "\"é\""},
  };
  for (const auto& [name, shown] : cases) EXPECT_EQ(SnapshotIdentifier(name), shown) << name;
}

TEST(NormaliseSqlTextTest, FormattingDoesNotCountButQuotedTextDoes) {
  const std::pair<const char*, const char*> cases[] = {
      {"CREATE TABLE t (a INT ,b  TEXT) -- x", "CREATE TABLE t(a INT, b TEXT)"},
      {"CREATE TABLE t(a INT, b TEXT)", "CREATE TABLE t(a INT, b TEXT)"},
      {"  CREATE\tTABLE\n\n t (\n  a INT,\n  b TEXT\n)\n", "CREATE TABLE t(a INT, b TEXT)"},
      {"CREATE TABLE t (a /* the key */ INT)", "CREATE TABLE t(a INT)"},
      {"a/**/b", "a b"},
      {"a--x\nb", "a b"},
      {"x ( y ) ;", "x(y);"},
      {"f(a,b,(c))", "f(a, b, (c))"},
      {"VALUES (1) , (2)", "VALUES(1), (2)"},
      {"CHECK (x = 'a  b -- not a comment')", "CHECK(x = 'a  b -- not a comment')"},
      {"'it''s  here'", "'it''s  here'"},
      {"\"my  col\" INT", "\"my  col\" INT"},
      {"`my  col` INT", "`my  col` INT"},
      {"[my  col] INT", "[my  col] INT"},
      {"DEFAULT 'unterminated  text", "DEFAULT 'unterminated  text"},
      {"a /* unterminated comment", "a"},
      {"-- only a comment", ""},
      {"", ""},
      {"( , )", "(,)"},
      {"a - -b", "a - -b"},
  };
  for (const auto& [in, out] : cases) {
    EXPECT_EQ(NormaliseSqlText(in), out) << in;
    EXPECT_EQ(NormaliseSqlText(out), out) << "not idempotent: " << in;
  }
}

}  // namespace
}  // namespace strata
