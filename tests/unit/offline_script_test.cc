// Offline SQL (offline.h): planning from FROM:TO without a database, and the script's shape on
// both dialects. The script is run for real against both databases in tests/cli.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/bookkeeping_sql.h"
#include "strata/offline.h"
#include "unit/graph_spec.h"

namespace strata {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

RevisionGraph Graph(std::vector<Revision> revs) {
  Result<RevisionGraph> g = RevisionGraph::Build(std::move(revs));
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  return std::move(g).value();
}

std::vector<Revision> ThreeRevisions() {
  std::vector<Revision> revs = testing::ParseGraphSpec("aaaa; bbbb<aaaa; cccc<bbbb");
  revs[0].upgrade.sql = "CREATE TABLE a (id int)";  // no ';': the script must add one
  revs[0].message = "Create a";
  revs[1].upgrade.sql = "CREATE INDEX CONCURRENTLY ix ON a (id); -- trailing comment";
  revs[1].transactional = false;
  revs[2].upgrade.sql = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql";
  return revs;
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

TEST(OfflinePlanTest, RangesAndStartingPoints) {
  RevisionGraph g = Graph(ThreeRevisions());
  struct Case {
    Direction direction;
    const char* range;
    std::vector<std::string> before, after;
    size_t steps;
  } cases[] = {
      {Direction::kUpgrade, "head", {}, {"cccc"}, 3},
      {Direction::kUpgrade, "", {}, {"cccc"}, 3},
      {Direction::kUpgrade, "bbbb", {}, {"bbbb"}, 2},
      {Direction::kUpgrade, "aaaa:head", {"aaaa"}, {"cccc"}, 2},
      {Direction::kUpgrade, "base:+1", {}, {"aaaa"}, 1},
      {Direction::kDowngrade, "head:base", {"cccc"}, {}, 3},
      {Direction::kDowngrade, "cccc:aaaa", {"cccc"}, {"aaaa"}, 2},
      {Direction::kDowngrade, "heads:-1", {"cccc"}, {"bbbb"}, 1},
  };
  for (const Case& c : cases) {
    Result<Plan> plan = PlanOffline(g, c.direction, c.range);
    ASSERT_TRUE(plan.ok()) << c.range << ": " << plan.status().ToString();
    EXPECT_EQ(plan->heads_before, c.before) << c.range;
    EXPECT_EQ(plan->heads_after, c.after) << c.range;
    EXPECT_EQ(plan->steps.size(), c.steps) << c.range;
  }
  struct Error {
    Direction direction;
    const char* range;
    ErrorKind kind;
  } errors[] = {
      {Direction::kDowngrade, "base", ErrorKind::kUsage},  // no FROM: nothing to start from
      {Direction::kUpgrade, "zzzz:head", ErrorKind::kUsage},
      {Direction::kUpgrade, "aaaa:nope", ErrorKind::kUsage},
  };
  for (const Error& e : errors) {
    Result<Plan> plan = PlanOffline(g, e.direction, e.range);
    ASSERT_FALSE(plan.ok()) << e.range;
    EXPECT_EQ(plan.status().kind(), e.kind) << e.range << ": " << plan.status().ToString();
  }
  EXPECT_THAT(PlanOffline(g, Direction::kDowngrade, "base").status().hint(),
              HasSubstr("head:base"));
}

TEST(OfflineScriptTest, PostgresScriptHasLockTablesTransactionsAndBookkeeping) {
  RevisionGraph g = Graph(ThreeRevisions());
  Result<Plan> plan = PlanOffline(g, Direction::kUpgrade, "head");
  ASSERT_TRUE(plan.ok());
  OfflineOptions o;
  o.dialect = SqlDialect::kPostgres;
  o.version_schema = "ops";
  o.statement_lock_timeout = std::chrono::milliseconds(2000);
  std::string s = RenderOfflineScript(*plan, o);
  std::string key = std::to_string(MigrationLockKey("ops", "alembic_version"));
  EXPECT_THAT(s, HasSubstr("DO $$ BEGIN PERFORM pg_advisory_lock(" + key + "); END $$;"));
  EXPECT_THAT(s, HasSubstr("DO $$ BEGIN PERFORM pg_advisory_unlock(" + key + "); END $$;"));
  EXPECT_LT(s.find("pg_advisory_lock"), s.find("CREATE TABLE"));
  EXPECT_THAT(s, HasSubstr("CREATE SCHEMA IF NOT EXISTS \"ops\";"));
  EXPECT_THAT(s,
              HasSubstr(VersionTableDdl("\"ops\".\"alembic_version\"", "\"alembic_version_pkc\"")));
  EXPECT_THAT(s, HasSubstr(PostgresLogTableDdl("\"ops\".\"strata_log\"")));
  EXPECT_THAT(s, HasSubstr("-- Running upgrade <base> -> aaaa, Create a\n"));
  EXPECT_THAT(s, HasSubstr("CREATE TABLE a (id int)\n;\n"));
  EXPECT_THAT(s, HasSubstr("INSERT INTO \"ops\".\"alembic_version\" (version_num) VALUES "
                           "('aaaa');"));
  EXPECT_THAT(s, HasSubstr("UPDATE \"ops\".\"alembic_version\" SET version_num = 'cccc' WHERE "
                           "version_num = 'bbbb';"));
  EXPECT_THAT(s, HasSubstr("'" + SectionChecksum("CREATE TABLE a (id int)") + "'"));
  // The ';' inside the dollar-quoted body does not count as the section's terminator.
  EXPECT_THAT(s, HasSubstr("LANGUAGE sql\n;\n"));
  // Already terminated (a comment after the ';' does not matter): nothing added.
  EXPECT_THAT(s, HasSubstr("-- trailing comment\nRESET lock_timeout;"));
  // Two transactional revisions plus the bookkeeping of the non-transactional one.
  EXPECT_EQ(Count(s, "BEGIN;"), 3u);
  EXPECT_EQ(Count(s, "COMMIT;"), 3u);
  EXPECT_EQ(Count(s, "SET LOCAL lock_timeout = 2000;"), 2u);
  // The non-transactional statements stand outside any transaction.
  size_t concurrently = s.find("CREATE INDEX CONCURRENTLY");
  EXPECT_GT(s.rfind("COMMIT;", concurrently), s.rfind("BEGIN;", concurrently));
  EXPECT_THAT(s, HasSubstr("SET lock_timeout = 2000;\n\nCREATE INDEX CONCURRENTLY"));
}

// statement_timeout is set as the live PostgreSQL run sets it: SET LOCAL in each transactional
// revision, SET and RESET around a Transactional: false one. SQLite has none.
TEST(OfflineScriptTest, StatementTimeoutIsSetForEachRevision) {
  RevisionGraph g = Graph(ThreeRevisions());
  Result<Plan> plan = PlanOffline(g, Direction::kUpgrade, "head");
  ASSERT_TRUE(plan.ok());
  OfflineOptions o;
  o.statement_timeout = std::chrono::milliseconds(300000);
  std::string s = RenderOfflineScript(*plan, o);
  EXPECT_EQ(Count(s, "SET LOCAL statement_timeout = 300000;"), 2u);
  EXPECT_THAT(s, HasSubstr("SET statement_timeout = 300000;\n\nCREATE INDEX CONCURRENTLY"));
  EXPECT_THAT(s, HasSubstr("-- trailing comment\nRESET statement_timeout;"));
  EXPECT_THAT(s, Not(HasSubstr("lock_timeout")));
  o.dialect = SqlDialect::kSqlite;
  EXPECT_THAT(RenderOfflineScript(*plan, o), Not(HasSubstr("statement_timeout")));
}

TEST(OfflineScriptTest, SqliteScriptUsesImmediateTransactionsAndNoSchema) {
  RevisionGraph g = Graph(ThreeRevisions());
  Result<Plan> plan = PlanOffline(g, Direction::kDowngrade, "head:base");
  ASSERT_TRUE(plan.ok());
  OfflineOptions o;
  o.dialect = SqlDialect::kSqlite;
  o.version_schema = "ignored";
  o.version_table = "my\"versions";
  std::string s = RenderOfflineScript(*plan, o);
  EXPECT_THAT(s, Not(HasSubstr("pg_advisory")));
  EXPECT_THAT(s, Not(HasSubstr("ignored")));
  EXPECT_THAT(s, HasSubstr(SqliteLogTableDdl("\"strata_log\"")));
  EXPECT_THAT(s, HasSubstr("CREATE TABLE IF NOT EXISTS \"my\"\"versions\""));
  EXPECT_THAT(s, HasSubstr("-- Running downgrade cccc -> bbbb, "));
  EXPECT_THAT(s, HasSubstr("DELETE FROM \"my\"\"versions\" WHERE version_num = 'aaaa';"));
  EXPECT_THAT(s, HasSubstr("'downgrade', 'done', '" + SectionChecksum("-- down aaaa") + "'"));
  EXPECT_EQ(Count(s, "BEGIN IMMEDIATE;"), 3u);
  EXPECT_EQ(Count(s, "COMMIT;"), 3u);
}

TEST(OfflineScriptTest, DialectNames) {
  EXPECT_EQ(*ParseSqlDialect("postgresql"), SqlDialect::kPostgres);
  EXPECT_EQ(*ParseSqlDialect("postgres"), SqlDialect::kPostgres);
  EXPECT_EQ(*ParseSqlDialect("sqlite"), SqlDialect::kSqlite);
  EXPECT_EQ(ParseSqlDialect("mysql").status().kind(), ErrorKind::kUsage);
}

}  // namespace
}  // namespace strata
