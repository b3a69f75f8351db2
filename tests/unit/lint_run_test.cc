// What lint_run.h decides before the rules run, with the database's answers injected: which
// PostgreSQL version newer syntax is judged against (--pg-version, else the server's), and that
// strata.toml's statement_timeout silences missing-statement-timeout. Files in a temp folder, no
// database (tests/cli/lint_cli_test.cc and statement_timeout_cli_test.cc read a real server).
#include "strata/lint_run.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace strata {
namespace {

using ::testing::HasSubstr;

TEST(LintPgVersionTest, AnExplicitVersionWinsOverTheServers) {
  struct {
    int requested, server, major;
    const char* source;
  } cases[] = {
      {0, 0, 0, ""},
      {0, 17, 17, "the server's version"},
      {0, 15, 15, "the server's version"},
      {15, 17, 15, "--pg-version"},
      {17, 15, 17, "--pg-version"},
      {18, 0, 18, "--pg-version"},
  };
  for (const auto& c : cases) {
    LintPgVersion v = ChooseLintPgVersion(c.requested, c.server);
    EXPECT_EQ(v.major, c.major) << c.requested << " " << c.server;
    EXPECT_EQ(v.source, c.source) << c.requested << " " << c.server;
  }
}

// The decision end to end, with the server's version injected: a server newer than the parser
// turns PostgreSQL 16+ DDL into a note; a PostgreSQL 15 server keeps it a parse-error.
TEST(LintPgVersionTest, AServerNewerThanTheParserMakesNewerSyntaxANote) {
  Revision r;
  r.id = "aaaa0001";
  r.path = "aaaa0001.sql";
  r.upgrade = {"CREATE TABLE n (a int, b int GENERATED ALWAYS AS (a * 2) VIRTUAL);", 7};
  r.downgrade = SqlSection{"SELECT 1;", 10};
  for (int server : {15, 17}) {
    LintConfig config;
    config.pg_version = ChooseLintPgVersion(0, server).major;
    LintReport report = LintRevisions({&r}, config);
    if (server == 15) {
      ASSERT_EQ(report.findings.size(), 1u);
      EXPECT_EQ(report.findings[0].rule, "parse-error");
      EXPECT_TRUE(report.notes.empty());
    } else {
      EXPECT_TRUE(report.findings.empty());
      ASSERT_EQ(report.notes.size(), 1u);
      EXPECT_THAT(report.notes[0].message, HasSubstr("not checked (newer PostgreSQL syntax)"));
    }
  }
}

class LintRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/strata-lintrun-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::filesystem::create_directories(dir_ + "/migrations");
    std::ofstream(dir_ + "/migrations/" + name) << text;
  }
  std::string dir_;
};

std::vector<std::string> Rules(const LintRun& run) {
  std::vector<std::string> out;
  for (const LintFinding& f : run.report.findings) out.push_back(f.rule);
  return out;
}

TEST_F(LintRunTest, StatementTimeoutSettingSilencesTheRule) {
  Write("aaaa0001_t.sql",
        "-- t\n--\n-- Revision ID: aaaa0001\n-- Revises:\n\n-- migrate:upgrade\n"
        "CREATE TABLE t (a int);\n\n-- migrate:downgrade\nDROP TABLE t;\n");
  Write("aaaa0002_c.sql",
        "-- c\n--\n-- Revision ID: aaaa0002\n-- Revises: aaaa0001\n\n-- migrate:upgrade\n"
        "SET LOCAL lock_timeout = '1s';\nALTER TABLE t ADD COLUMN b int;\n\n"
        "-- migrate:downgrade\nSET LOCAL lock_timeout = '1s';\nSET LOCAL statement_timeout = "
        "'1min';\nALTER TABLE t DROP COLUMN b;\n");
  LintRequest request;
  request.dialect = "postgresql";
  request.settings.dir = dir_ + "/migrations";
  Result<LintRun> unset = LintFiles(request);
  ASSERT_TRUE(unset.ok()) << unset.status().ToString();
  EXPECT_EQ(Rules(*unset), std::vector<std::string>{"missing-statement-timeout"});
  EXPECT_EQ(unset->pg_version, 0);
  request.settings.statement_timeout = std::chrono::minutes(5);
  Result<LintRun> set = LintFiles(request);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_TRUE(Rules(*set).empty());
  // An explicit version is reported with where it came from.
  request.pg_version = 17;
  Result<LintRun> v17 = LintFiles(request);
  ASSERT_TRUE(v17.ok()) << v17.status().ToString();
  EXPECT_EQ(v17->pg_version, 17);
  EXPECT_EQ(v17->pg_version_source, "--pg-version");
  nlohmann::json doc = LintJson(*v17);
  EXPECT_EQ(doc["summary"]["pg_version"], 17);
  EXPECT_EQ(doc["summary"]["pg_version_source"], "--pg-version");
  EXPECT_TRUE(LintJson(*set)["summary"]["pg_version"].is_null());
}

}  // namespace
}  // namespace strata
