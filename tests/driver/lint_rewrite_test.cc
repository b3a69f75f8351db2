// changing-column-type against a live PostgreSQL: for a corpus of type changes seen in public
// migration histories, strata reports exactly the changes after which the table's relfilenode
// is new (PostgreSQL rewrote it). Skipped without PostgreSQL, required with STRATA_REQUIRE_PG=1.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "driver/postgres_test_fixture.h"
#include "strata/lint.h"

namespace strata::testing {
namespace {

struct TypeChange {
  const char* from;
  const char* to;  // the rest of ALTER COLUMN v TYPE ..., USING included
};

const TypeChange kCorpus[] = {
    {"varchar(20)", "varchar(40)"},
    {"varchar(20)", "varchar(10)"},
    {"varchar(255)", "text"},
    {"varchar(255)", "varchar"},
    {"character varying(20)", "character varying(200)"},
    {"text", "varchar"},
    {"text", "varchar(100)"},
    {"varchar", "text"},
    {"int", "bigint"},
    {"integer", "int4"},
    {"smallint", "int"},
    {"bigint", "int"},
    {"int", "text"},
    {"numeric(10,2)", "numeric(12,2)"},
    {"numeric(10,2)", "numeric(12,4)"},
    {"numeric(10,2)", "numeric"},
    {"numeric", "numeric(10,2)"},
    {"decimal(8,2)", "numeric(9,2)"},
    {"timestamp", "timestamptz"},
    {"timestamp(3)", "timestamp(6)"},
    {"timestamp(6)", "timestamp(3)"},
    {"timestamp", "timestamp(3)"},
    {"timestamptz(0)", "timestamptz"},
    {"time(2)", "time(4)"},
    {"char(2)", "char(4)"},
    {"char(2)", "text"},
    {"text", "jsonb USING v::jsonb"},
    {"json", "jsonb"},
    {"cidr", "inet"},
    {"xml", "text"},
    {"bit(3)", "varbit"},
    {"varbit(4)", "varbit(8)"},
    {"varchar(10)[]", "varchar(20)[]"},
    {"int", "int USING v + 1"},
    {"bool", "int USING v::int"},
    {"text", "text COLLATE \"C\""},
};

class LintRewriteTest : public PostgresTestFixture {
 protected:
  LintRewriteTest() : PostgresTestFixture(".sql") {}

  std::string Relfilenode(const std::string& table) {
    return One("SELECT relfilenode FROM pg_class WHERE oid = '" + table + "'::regclass");
  }
};

TEST_F(LintRewriteTest, ChangingColumnTypeIsReportedExactlyWhenTheTableIsRewritten) {
  // timestamp -> timestamptz skips the rewrite only when the session's zone is UTC; strata
  // cannot know the zone and flags it, so the test runs in a zone where it does rewrite.
  ASSERT_TRUE(db_->Exec("SET TimeZone = 'Europe/Paris'").ok());
  std::string create, alter;
  std::set<std::string> rewritten;
  for (size_t i = 0; i < std::size(kCorpus); ++i) {
    std::string table = "c" + std::to_string(i);
    std::string ddl = "CREATE TABLE " + table + " (id bigint, v " + kCorpus[i].from + ");\n";
    create += ddl;
    alter += "ALTER TABLE " + table + " ALTER COLUMN v TYPE " + kCorpus[i].to + ";\n";
    ASSERT_TRUE(db_->Exec(ddl).ok()) << ddl;
    ASSERT_TRUE(db_->Exec("INSERT INTO " + table + " (id) VALUES (1), (2)").ok());
    std::string before = Relfilenode(table);
    std::string change =
        "ALTER TABLE " + table + " ALTER COLUMN v TYPE " + std::string(kCorpus[i].to);
    ASSERT_TRUE(db_->Exec(change).ok()) << change;
    if (Relfilenode(table) != before) rewritten.insert(table);
  }
  ASSERT_FALSE(rewritten.empty());
  ASSERT_LT(rewritten.size(), std::size(kCorpus));

  Revision first, second;
  first.id = "aaaa0001";
  first.upgrade = {create, 1};
  first.downgrade = SqlSection{"SELECT 1;", 1};
  first.path = "aaaa0001.sql";
  second.id = "aaaa0002";
  second.parents = {"aaaa0001"};
  second.upgrade = {alter, 1};
  second.downgrade = SqlSection{"SELECT 1;", 1};
  second.path = "aaaa0002.sql";
  LintConfig config;
  config.statement_lock_timeout_set = config.statement_timeout_set = true;
  LintReport report = LintRevisions({&first, &second}, config);
  std::set<std::string> flagged;
  for (const LintFinding& f : report.findings) {
    if (f.rule == "changing-column-type") flagged.insert(f.detail.substr(0, f.detail.find('.')));
  }
  for (size_t i = 0; i < std::size(kCorpus); ++i) {
    std::string table = "c" + std::to_string(i);
    EXPECT_EQ(flagged.count(table), rewritten.count(table))
        << kCorpus[i].from << " -> " << kCorpus[i].to << ": "
        << (rewritten.count(table) ? "rewritten" : "not rewritten") << " by PostgreSQL, "
        << (flagged.count(table) ? "flagged" : "not flagged") << " by strata";
  }
}

}  // namespace
}  // namespace strata::testing
