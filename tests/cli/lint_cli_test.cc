// `strata lint` end to end: output format, exit codes (6 on errors, 0 on warnings alone, 3 on bad
// files), JSON, PATHS, [lint] allow in strata.toml, SQLite mode, and history from a database
// named with --url.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/strata_runner.h"
#include "cli/test_database.h"

namespace strata::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class LintCliTest : public ::testing::Test {
 protected:
  // A PostgreSQL URL selects the PostgreSQL rules; lint connects only for --url.
  void UsePostgres() { ws_.SetEnv("STRATA_URL", "postgresql://strata@127.0.0.1:1/none"); }
  void Rev(const std::string& id, const std::string& revises, const std::string& upgrade,
           const std::optional<std::string>& downgrade = std::string("SELECT 1;")) {
    ws_.Write("migrations/" + id + "_rev.sql", RevisionText(id, revises, upgrade, downgrade));
  }
  Output Strata(const std::vector<std::string>& args) { return ws_.Run(args); }

  Workspace ws_;
};

TEST_F(LintCliTest, CompilerStyleFindingsAndExit6) {
  UsePostgres();
  Rev("aaaa0001", "", "CREATE TABLE n (a int);");
  Rev("aaaa0002", "aaaa0001",
      "SET LOCAL lock_timeout = '1s'; SET LOCAL statement_timeout = '5min';\n"
      "CREATE INDEX n_a ON n (a);");
  Output o = Strata({"lint"});
  EXPECT_EQ(o.code, 6) << o.out << o.err;
  // RevisionText: 4 header lines, a blank, the marker; the statement is on line 8.
  EXPECT_THAT(o.out, HasSubstr("migrations/aaaa0002_rev.sql:8: error[index-not-concurrently]: "));
  EXPECT_THAT(o.out, HasSubstr("(revision aaaa0002)\n  safe pattern: CREATE INDEX CONCURRENTLY"));
  EXPECT_THAT(o.out, HasSubstr("lint: 1 error, 0 warnings in 2 revisions"));
  EXPECT_THAT(o.err, HasSubstr("lint found 1 error"));
}

// With no URL configured anywhere, the default database (SQLite) says nothing about what the
// history was written for: the files do. The first line says which rules and why.
TEST_F(LintCliTest, DialectComesFromTheFilesWhenNoUrlIsConfigured) {
  Rev("aaaa0001", "", "CREATE TABLE n (a int);");
  Rev("aaaa0002", "aaaa0001", "SET LOCAL lock_timeout = '1s';\nCREATE INDEX n_a ON n (a);");
  Output pg = Strata({"lint"});
  EXPECT_EQ(pg.code, 6) << pg.out << pg.err;
  EXPECT_THAT(pg.out, ::testing::StartsWith("lint: PostgreSQL rules (no database URL is "
                                            "configured and nothing in the files is "
                                            "SQLite-only)\n"));
  EXPECT_THAT(pg.out, HasSubstr("error[index-not-concurrently]"));

  Rev("aaaa0003", "aaaa0002", "-- PRAGMA in a comment is not SQL\nPRAGMA user_version = 3;");
  Output lite = Strata({"lint"});
  EXPECT_EQ(lite.code, 0) << lite.out << lite.err;
  EXPECT_THAT(lite.out, ::testing::StartsWith("lint: SQLite rules (migrations/aaaa0003_rev.sql:8 "
                                              "uses PRAGMA, which only SQLite has)\n"));
  EXPECT_THAT(lite.out, Not(HasSubstr("error[index-not-concurrently]")));

  // A configured URL decides, whatever the files say; --dialect decides over both.
  UsePostgres();
  Output url = Strata({"lint"});
  EXPECT_THAT(url.out, ::testing::StartsWith("lint: PostgreSQL rules (the database URL from "
                                             "STRATA_URL is PostgreSQL)\n"));
  Output flag = Strata({"lint", "--dialect", "sqlite"});
  EXPECT_THAT(flag.out, ::testing::StartsWith("lint: SQLite rules (--dialect)\n"));
}

TEST_F(LintCliTest, WarningsAloneExit0) {
  UsePostgres();
  Rev("aaaa0001", "", "CREATE TABLE n (a json);");
  Output o = Strata({"lint"});
  EXPECT_EQ(o.code, 0) << o.out << o.err;
  EXPECT_THAT(o.out, HasSubstr("warning[prefer-jsonb]"));
}

TEST_F(LintCliTest, JsonDocument) {
  UsePostgres();
  Rev("aaaa0001", "", "CREATE TABLE n (a int);", std::nullopt);
  Output o = Strata({"--format", "json", "lint"});
  EXPECT_EQ(o.code, 6);
  nlohmann::json doc = nlohmann::json::parse(o.out);
  ASSERT_EQ(doc["findings"].size(), 1u);
  EXPECT_EQ(doc["findings"][0]["rule"], "missing-downgrade");
  EXPECT_EQ(doc["findings"][0]["severity"], "error");
  EXPECT_EQ(doc["findings"][0]["revision"], "aaaa0001");
  EXPECT_EQ(doc["findings"][0]["file"], "migrations/aaaa0001_rev.sql");
  EXPECT_EQ(doc["skipped_rules"].size(), 0u);
  EXPECT_EQ(doc["summary"]["errors"], 1);
  EXPECT_EQ(doc["summary"]["dialect"], "postgresql");
  EXPECT_EQ(doc["summary"]["history"], "files");
}

TEST_F(LintCliTest, InvalidRevisionFileExit3) {
  UsePostgres();
  ws_.Write("migrations/bad.sql", "-- no header\n-- migrate:upgrade\nSELECT 1;\n");
  Output o = Strata({"lint"});
  EXPECT_EQ(o.code, 3) << o.out << o.err;
  EXPECT_EQ(Strata({"lint", "missing/file.sql"}).code, 3);
}

TEST_F(LintCliTest, PathsLimitTheReportButKeepTheHistory) {
  UsePostgres();
  Rev("aaaa0001", "", "CREATE TABLE n (a int);\nDROP TABLE x;");
  Rev("aaaa0002", "aaaa0001", "SET LOCAL lock_timeout = '1s';\nCREATE INDEX n_a ON n (a);");
  Output o = Strata({"lint", "migrations/aaaa0002_rev.sql"});
  EXPECT_EQ(o.code, 6);
  EXPECT_THAT(o.out, HasSubstr("error[index-not-concurrently]"));  // n comes from aaaa0001
  EXPECT_THAT(o.out, Not(HasSubstr("dropping-table")));            // aaaa0001 not reported
}

TEST_F(LintCliTest, ConfigAllowAndUnknownRule) {
  UsePostgres();
  Rev("aaaa0001", "", "DROP TABLE x;");
  ws_.Write("strata.toml", "[lint]\nallow = [\"dropping-table\"]\n");
  Output o = Strata({"lint"});
  EXPECT_EQ(o.code, 0) << o.out << o.err;
  EXPECT_THAT(o.out, HasSubstr("1 silenced"));
  ws_.Write("strata.toml", "[lint]\nallow = [\"dropping-tables\"]\n");
  o = Strata({"lint"});
  EXPECT_EQ(o.code, 3);
  EXPECT_THAT(o.err, HasSubstr("unknown rule 'dropping-tables'"));
}

TEST_F(LintCliTest, SqliteSkipsPostgresRulesAndSaysSo) {
  Rev("aaaa0001", "",
      "CREATE TABLE n (a INTEGER PRIMARY KEY AUTOINCREMENT);\nCREATE INDEX n_a ON n (a);");
  Output o = Strata({"lint"});
  EXPECT_EQ(o.code, 0) << o.out << o.err;
  EXPECT_THAT(o.out, HasSubstr("sqlite: skipped rules (PostgreSQL only): "));
  EXPECT_THAT(o.out, HasSubstr("index-not-concurrently"));
  EXPECT_THAT(o.out, HasSubstr("migrations/aaaa0001_rev.sql:7: note: not checked (SQLite syntax)"));
  EXPECT_THAT(o.out, HasSubstr("1 not checked"));
}

TEST_F(LintCliTest, HistoryFromTheDatabaseNamedWithUrl) {
  Rev("aaaa0001", "", "CREATE TABLE n (a INTEGER, b INTEGER);", "DROP TABLE n;");
  Rev("aaaa0002", "aaaa0001", "ALTER TABLE n DROP COLUMN b;",
      "ALTER TABLE n ADD COLUMN b INTEGER;");
  // Nothing applied yet: n is created by a pending revision, so it is new and empty.
  Output o = Strata({"--url", "sqlite:app.db", "lint"});
  EXPECT_EQ(o.code, 0) << o.out << o.err;
  EXPECT_FALSE(std::filesystem::exists(ws_.path("app.db")));  // lint created no database
  // Without a database, a table from an earlier revision exists.
  EXPECT_EQ(Strata({"lint"}).code, 6);
  ASSERT_EQ(Strata({"--url", "sqlite:app.db", "upgrade", "aaaa0001"}).code, 0);
  o = Strata({"--url", "sqlite:app.db", "--format", "json", "lint"});
  EXPECT_EQ(o.code, 6) << o.out << o.err;
  nlohmann::json doc = nlohmann::json::parse(o.out);
  EXPECT_EQ(doc["summary"]["history"], "database");
  ASSERT_EQ(doc["findings"].size(), 1u);
  EXPECT_EQ(doc["findings"][0]["rule"], "dropping-column");
}

TEST_F(LintCliTest, ExampleSets) {
  UsePostgres();
  std::string examples = std::string(STRATA_SOURCE_DIR) + "/examples/lint/";
  Output o = Strata({"lint", examples + "safe"});
  EXPECT_EQ(o.code, 0) << o.out << o.err;
  EXPECT_THAT(o.out, HasSubstr("lint: 0 errors, 0 warnings in 10 revisions"));
  o = Strata({"lint", examples + "unsafe"});
  EXPECT_EQ(o.code, 6);
}

// Opt-in rules are named in [lint] enable; a rule that is not opt-in there is a config error.
TEST_F(LintCliTest, ConfigEnableTurnsOnOptInRules) {
  UsePostgres();
  Rev("aaaa0001", "", "CREATE TABLE app.n (a bigint);\nCREATE TABLE m (a bigint);");
  Output off = Strata({"lint"});
  EXPECT_EQ(off.code, 0) << off.out << off.err;
  EXPECT_THAT(off.out, Not(HasSubstr("require-table-schema")));
  ws_.Write("strata.toml", "[lint]\nenable = [\"require-table-schema\"]\n");
  Output on = Strata({"lint"});
  EXPECT_EQ(on.code, 0) << on.out << on.err;  // a warning
  EXPECT_THAT(on.out, HasSubstr("migrations/aaaa0001_rev.sql:8: warning[require-table-schema]: m"));
  ws_.Write("strata.toml", "[lint]\nenable = [\"dropping-table\"]\n");
  Output bad = Strata({"lint"});
  EXPECT_EQ(bad.code, 3);
  EXPECT_THAT(bad.err, HasSubstr("'dropping-table', which is not an opt-in rule"));
}

// PostgreSQL 16+ DDL is a note, not a failure, when the target is newer than the parser.
TEST_F(LintCliTest, NewerSyntaxWithPgVersion) {
  UsePostgres();
  Rev("aaaa0001", "", "CREATE TABLE n (a int, b int GENERATED ALWAYS AS (a * 2) VIRTUAL);");
  Output v15 = Strata({"lint"});
  EXPECT_EQ(v15.code, 6) << v15.out << v15.err;
  EXPECT_THAT(v15.out, HasSubstr("error[parse-error]"));
  Output v18 = Strata({"lint", "--pg-version", "18"});
  EXPECT_EQ(v18.code, 0) << v18.out << v18.err;
  EXPECT_THAT(v18.out, HasSubstr("migrations/aaaa0001_rev.sql:7: note: not checked (newer "
                                 "PostgreSQL syntax)"));
  EXPECT_EQ(Strata({"lint", "--pg-version", "abc"}).code, 2);
}

// With --url on PostgreSQL and no --pg-version, the server's own major version is the target:
// this test server is PostgreSQL 15, so newer syntax stays a parse-error, and the output says
// which version and why. An explicit --pg-version wins over the server's.
TEST_F(LintCliTest, PgVersionFromTheServerNamedWithUrl) {
  STRATA_CREATE_TEST_DB(db, Backend::kPostgres, ws_.dir());
  std::string major = db->Query("SELECT current_setting('server_version_num')::int / 10000");
  while (!major.empty() && major.back() == '\n') major.pop_back();
  ASSERT_FALSE(major.empty());
  Rev("aaaa0001", "", "CREATE TABLE n (a int, b int GENERATED ALWAYS AS (a * 2) VIRTUAL);");
  Output server = Strata({"--url", db->url(), "lint"});
  EXPECT_THAT(server.out, ::testing::StartsWith(
                              "lint: PostgreSQL rules (the database URL from --url is PostgreSQL), "
                              "for PostgreSQL " +
                              major + " (the server's version)\n"));
  if (std::stoi(major) <= 15) {
    EXPECT_EQ(server.code, 6) << server.out << server.err;
    EXPECT_THAT(server.out, HasSubstr("error[parse-error]"));
  }
  Output json = Strata({"--url", db->url(), "--format", "json", "lint"});
  nlohmann::json doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc["summary"]["pg_version"], std::stoi(major));
  EXPECT_EQ(doc["summary"]["pg_version_source"], "the server's version");

  Output v17 = Strata({"--url", db->url(), "lint", "--pg-version", "17"});
  EXPECT_EQ(v17.code, 0) << v17.out << v17.err;
  EXPECT_THAT(v17.out, HasSubstr(", for PostgreSQL 17 (--pg-version)\n"));
  EXPECT_THAT(v17.out, HasSubstr("migrations/aaaa0001_rev.sql:7: note: not checked (newer "
                                 "PostgreSQL syntax)"));
  Output v15 = Strata({"--url", db->url(), "lint", "--pg-version", "15"});
  EXPECT_EQ(v15.code, 6) << v15.out << v15.err;
  EXPECT_THAT(v15.out, HasSubstr(", for PostgreSQL 15 (--pg-version)\n"));
}

// With --url on PostgreSQL, a table made outside strata has its columns' types and a user
// function its volatility from the live catalog.
TEST_F(LintCliTest, LiveCatalogWithUrl) {
  STRATA_CREATE_TEST_DB(db, Backend::kPostgres, ws_.dir());
  bool ok = false;
  db->Query(
      "CREATE TABLE legacy (id bigint, name varchar(100));"
      "CREATE FUNCTION slugify(t text) RETURNS text LANGUAGE sql IMMUTABLE AS "
      "'SELECT lower(t)';",
      &ok);
  ASSERT_TRUE(ok);
  Rev("aaaa0001", "",
      "SET LOCAL lock_timeout = '1s'; SET LOCAL statement_timeout = '1min';\n"
      "ALTER TABLE legacy ALTER COLUMN name TYPE varchar(200);\n"
      "ALTER TABLE legacy ADD COLUMN slug text DEFAULT slugify('x');");
  ws_.Write("strata.toml", "[lint]\nallow = [\"prefer-text\"]\n");
  Output offline = Strata({"--url", "postgresql://strata@127.0.0.1:1/none", "lint", "--dialect",
                           "postgresql", "migrations"});
  Output files = Strata({"lint", "--dialect", "postgresql"});
  EXPECT_EQ(files.code, 6) << files.out << files.err;
  EXPECT_THAT(files.out, HasSubstr("error[changing-column-type]"));
  EXPECT_THAT(files.out, HasSubstr("error[volatile-default]"));
  Output live = Strata({"--url", db->url(), "lint"});
  EXPECT_EQ(live.code, 0) << live.out << live.err;
  EXPECT_THAT(live.out, HasSubstr("lint: 0 errors"));
  EXPECT_EQ(offline.code, 4) << offline.out
                             << offline.err;  // --url names a database: it must answer
}

}  // namespace
}  // namespace strata::testing
