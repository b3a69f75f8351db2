// statement_timeout end to end through the `strata` binary: strata.toml's key and
// --statement-timeout make `upgrade` run each revision under PostgreSQL's statement_timeout (a
// revision that runs longer fails, exit 1, rolled back, naming the revision and the timeout), and
// they silence lint's missing-statement-timeout; so does a statement_timeout the server already
// sets for the role with `lint --url`.
//
// The slow statement is a pg_sleep inside a revision; the test waits for nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/strata_runner.h"
#include "cli/test_database.h"

namespace strata::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kRule = "missing-statement-timeout";

class StatementTimeoutCliTest : public ::testing::Test {
 protected:
  void Rev(const std::string& id, const std::string& revises, const std::string& upgrade,
           const std::string& downgrade = "SELECT 1;") {
    ws_.Write("migrations/" + id + "_rev.sql", RevisionText(id, revises, upgrade, downgrade));
  }
  // A table that exists, and a revision that takes a strong lock on it with a lock_timeout but
  // no statement_timeout.
  void LockingHistory() {
    Rev("aaaa0001", "", "CREATE TABLE t (a int);", "DROP TABLE t;");
    Rev("aaaa0002", "aaaa0001", "SET LOCAL lock_timeout = '1s';\nALTER TABLE t ADD COLUMN b int;",
        "SET LOCAL lock_timeout = '1s'; SET LOCAL statement_timeout = '1min';\n"
        "ALTER TABLE t DROP COLUMN b;");
  }
  Output Strata(const std::vector<std::string>& args) { return ws_.Run(args); }

  Workspace ws_;
};

TEST_F(StatementTimeoutCliTest, UpgradeFailsWhenARevisionRunsLonger) {
  STRATA_CREATE_TEST_DB(db, Backend::kPostgres, ws_.dir());
  ws_.Write("strata.toml", "url = \"" + db->url() + "\"\nstatement_timeout = \"200ms\"\n");
  Rev("aaaa0001", "", "CREATE TABLE kept (a int);", "DROP TABLE kept;");
  Rev("aaaa0002", "aaaa0001", "CREATE TABLE gone (a int);\nSELECT pg_sleep(5);");
  Output o = Strata({"upgrade"});
  EXPECT_EQ(o.code, 1) << o.out << o.err;
  // RevisionText: 4 header lines, a blank, the marker; pg_sleep is on line 8.
  EXPECT_THAT(o.err, HasSubstr("migrations/aaaa0002_rev.sql:8: upgrade aaaa0002 failed: "));
  EXPECT_THAT(o.err, HasSubstr("canceling statement due to statement timeout"));
  EXPECT_THAT(o.err, HasSubstr("statement_timeout = 200 ms"));
  EXPECT_THAT(o.err, HasSubstr("rolled back"));
  EXPECT_EQ(db->Versions(), "aaaa0001");
  EXPECT_EQ(db->Query("SELECT to_regclass('gone') IS NULL"), "t\n");

  // --statement-timeout overrides the file: a revision within it runs.
  Rev("aaaa0002", "aaaa0001", "CREATE TABLE gone (a int);\nSELECT pg_sleep(0.3);");
  Output longer = Strata({"--statement-timeout", "1min", "upgrade"});
  EXPECT_EQ(longer.code, 0) << longer.out << longer.err;
  EXPECT_EQ(db->Versions(), "aaaa0002");

  Output bad = Strata({"--statement-timeout", "soon", "upgrade"});
  EXPECT_EQ(bad.code, 2) << bad.err;
  EXPECT_THAT(bad.err, HasSubstr("--statement-timeout must be a duration"));
}

TEST_F(StatementTimeoutCliTest, SqlScriptSetsItForEachRevision) {
  ws_.Write("strata.toml", "url = \"postgresql://u@127.0.0.1:1/none\"\nstatement_timeout = 30\n");
  LockingHistory();
  Output o = Strata({"upgrade", "--sql"});
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_THAT(o.out, HasSubstr("BEGIN;\nSET LOCAL statement_timeout = 30000;\n"));
}

TEST_F(StatementTimeoutCliTest, LintIsQuietWhenTheSettingIsSet) {
  ws_.SetEnv("STRATA_URL", "postgresql://strata@127.0.0.1:1/none");  // PostgreSQL rules
  LockingHistory();
  Output unset = Strata({"lint"});
  EXPECT_EQ(unset.code, 0) << unset.out << unset.err;  // a warning
  EXPECT_THAT(unset.out,
              HasSubstr("migrations/aaaa0002_rev.sql:8: warning[missing-statement-timeout]: t"));

  ws_.Write("strata.toml", "statement_timeout = \"5min\"\n");
  Output key = Strata({"lint"});
  EXPECT_EQ(key.code, 0) << key.out << key.err;
  EXPECT_THAT(key.out, Not(HasSubstr(kRule)));
  EXPECT_THAT(key.out, HasSubstr("lint: 0 errors, 0 warnings"));

  ws_.Write("strata.toml", "");
  Output flag = Strata({"--statement-timeout", "5min", "lint"});
  EXPECT_EQ(flag.code, 0) << flag.out << flag.err;
  EXPECT_THAT(flag.out, Not(HasSubstr(kRule)));

  ws_.Write("strata.toml", "statement_timeout = \"five minutes\"\n");
  Output bad = Strata({"lint"});
  EXPECT_EQ(bad.code, 3) << bad.out << bad.err;
  EXPECT_THAT(bad.err, HasSubstr("strata.toml:1"));
  EXPECT_THAT(bad.err, HasSubstr("'statement_timeout' must be a duration"));
}

// With --url, a statement_timeout the server already applies to the migration's sessions (here
// on the role, in this database) silences the rule; without one it stays.
TEST_F(StatementTimeoutCliTest, LintWithUrlIsQuietWhenTheRoleHasOne) {
  STRATA_CREATE_TEST_DB(db, Backend::kPostgres, ws_.dir());
  LockingHistory();
  ASSERT_EQ(Strata({"--url", db->url(), "upgrade", "aaaa0001"}).code, 0);
  Output before = Strata({"--url", db->url(), "--format", "json", "lint"});
  EXPECT_EQ(before.code, 0) << before.out << before.err;
  nlohmann::json doc = nlohmann::json::parse(before.out);
  ASSERT_EQ(doc["findings"].size(), 1u) << before.out;
  EXPECT_EQ(doc["findings"][0]["rule"], kRule);
  EXPECT_EQ(doc["summary"]["history"], "database");

  bool ok = false;
  db->Query(
      "DO $$ BEGIN EXECUTE format('ALTER ROLE %I IN DATABASE %I SET statement_timeout = %L', "
      "current_user, current_database(), '10min'); END $$",
      &ok);
  ASSERT_TRUE(ok);
  Output after = Strata({"--url", db->url(), "--format", "json", "lint"});
  EXPECT_EQ(after.code, 0) << after.out << after.err;
  doc = nlohmann::json::parse(after.out);
  EXPECT_EQ(doc["findings"].size(), 0u) << after.out;
  // The same history without --url does not know about the role: the rule stays.
  ws_.SetEnv("STRATA_URL", db->url());
  Output files = Strata({"lint"});
  EXPECT_THAT(files.out, HasSubstr(kRule));
}

}  // namespace
}  // namespace strata::testing
