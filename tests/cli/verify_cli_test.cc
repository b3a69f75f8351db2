// `strata schema`, `strata verify`, `strata diff` and the drift line of `strata status`, run as
// the real binary on each backend: what they print, in text and JSON, and their exit codes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/cli_fixture.h"
#include "cli/strata_runner.h"
#include "cli/test_database.h"

namespace strata::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class VerifyCliTest : public CliFixture {
 protected:
  bool pg() const { return GetParam() == Backend::kPostgres; }
  std::string Name(const std::string& name) const { return pg() ? "public." + name : name; }

  nlohmann::json Json(const std::vector<std::string>& args, int expected_code) {
    std::vector<std::string> all = {"--format", "json"};
    all.insert(all.end(), args.begin(), args.end());
    Output o = Strata(all);
    EXPECT_EQ(o.code, expected_code) << o.err;
    return nlohmann::json::parse(o.out, nullptr, /*allow_exceptions=*/false);
  }

  // aaaa0002 whose downgrade leaves a table behind.
  void LeakyRevision() {
    Rev("aaaa0002", Id(1),
        "CREATE TABLE t2 (id INTEGER);\nCREATE TABLE IF NOT EXISTS leftover (id INTEGER);",
        std::string("DROP TABLE t2;"));
  }
};

TEST_P(VerifyCliTest, SchemaPrintsTheNormalisedSchemaAndUpgradeRecordsItsHash) {
  Chain(2);
  ASSERT_EQ(Strata({"upgrade"}).code, 0);
  Output text = Strata({"schema"});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_THAT(text.out, StartsWith(std::string("-- strata schema snapshot: ") +
                                   (pg() ? "postgresql" : "sqlite")));
  EXPECT_THAT(text.out, HasSubstr("\n-- table " + Name("t2") + "\n"));
  EXPECT_THAT(text.out, Not(HasSubstr("strata_log")));
  EXPECT_THAT(text.out, Not(HasSubstr("alembic_version")));

  nlohmann::json doc = Json({"schema"}, 0);
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc["dialect"], pg() ? "postgresql" : "sqlite");
  const std::string hash = doc["hash"];
  EXPECT_THAT(text.out, HasSubstr("sha256 " + hash));
  // The same document with the command's own --format, and SQL text with --format sql.
  EXPECT_EQ(nlohmann::json::parse(Strata({"schema", "--format", "json"}).out), doc);
  EXPECT_EQ(Strata({"--format", "json", "schema", "--format", "sql"}).out, text.out);

  // Each step recorded the hash after it; status compares the schema now with the newest.
  EXPECT_EQ(db_->Query("SELECT schema_hash FROM strata_log ORDER BY id DESC LIMIT 1"), hash + "\n");
  nlohmann::json status = Json({"status"}, 0);
  EXPECT_EQ(status["schema"]["state"], "unchanged");
  EXPECT_EQ(status["schema"]["hash"], hash);
  EXPECT_EQ(status["schema"]["recorded"]["revision"], Id(2));
}

TEST_P(VerifyCliTest, VerifyExitsZeroWhenEveryDowngradeRestoresTheSchema) {
  Chain(3);
  Output o = Strata({"verify"});
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_THAT(o.out, HasSubstr("Checking aaaa0003 (3 of 3), step aaaa0003\n"));
  EXPECT_THAT(o.out, HasSubstr("OK: 3 revisions upgraded, downgraded and upgraded again"));
  EXPECT_EQ(db_->Versions(), "");  // the configured database is not touched
  EXPECT_FALSE(TableExists("t1"));

  nlohmann::json doc = Json({"verify", "-r", "aaaa0002:"}, 0);
  EXPECT_EQ(doc["ok"], true);
  EXPECT_EQ(doc["checked"], nlohmann::json::array({Id(2), Id(3)}));
  EXPECT_EQ(doc["findings"], nlohmann::json::array());
  EXPECT_EQ(doc["heads_hash"].get<std::string>().size(), 64u);
}

TEST_P(VerifyCliTest, VerifyNamesTheRevisionAndTheObjectsWhenADowngradeDoesNotRestoreTheSchema) {
  Chain(3);
  LeakyRevision();
  Output o = Strata({"verify"});
  EXPECT_EQ(o.code, 6) << o.err;
  EXPECT_THAT(o.out, HasSubstr("migrations/aaaa0002_rev.sql: the downgrade of aaaa0002 does not "
                               "restore the schema: "));
  EXPECT_THAT(o.out, HasSubstr("  table " + Name("leftover") + ": only after the downgrade: "));
  EXPECT_THAT(o.err, HasSubstr("verify found 1 problem: aaaa0002 (downgrade-differs)"));
  EXPECT_THAT(o.err, HasSubstr("undo its upgrade exactly"));

  nlohmann::json doc = Json({"verify"}, 6);
  EXPECT_EQ(doc["ok"], false);
  ASSERT_EQ(doc["findings"].size(), 1u);
  const nlohmann::json& f = doc["findings"][0];
  EXPECT_EQ(f["kind"], "downgrade-differs");
  EXPECT_EQ(f["revision"], "aaaa0002");
  EXPECT_THAT(f["path"].get<std::string>(), HasSubstr("aaaa0002_rev.sql"));
  EXPECT_EQ(f["first"], "before the upgrade");
  EXPECT_EQ(f["second"], "after the downgrade");
  bool named = false;
  for (const nlohmann::json& d : f["differences"]) {
    named |= d["name"] == Name("leftover") && d["first"].is_null() && d["second"].is_string();
  }
  EXPECT_TRUE(named) << f.dump(2);

  // Outside the range it is not checked.
  EXPECT_EQ(Strata({"verify", "-r", "aaaa0003"}).code, 0);
}

TEST_P(VerifyCliTest, VerifyExitCodesForBadInput) {
  Chain(2);
  Output range = Strata({"verify", "-r", "zzzz9999:"});
  EXPECT_EQ(range.code, 2) << range.err;
  EXPECT_THAT(range.err, HasSubstr("zzzz9999"));

  Output sqlite_scratch = Strata({"verify", "--scratch-url", "sqlite:scratch.db"});
  EXPECT_EQ(sqlite_scratch.code, 2);
  EXPECT_THAT(sqlite_scratch.err, HasSubstr("--scratch-url"));

  // Nothing listens on port 1: exit 4, the password never shown.
  Output unreachable =
      Strata({"verify", "--scratch-url", "postgresql://deploy:s3cret@127.0.0.1:1/postgres"});
  EXPECT_EQ(unreachable.code, 4) << unreachable.err;
  EXPECT_THAT(unreachable.err, HasSubstr("scratch server postgresql://deploy:***@127.0.0.1:1"));
  EXPECT_THAT(unreachable.err, HasSubstr("--scratch-url"));
  EXPECT_THAT(unreachable.err + unreachable.out, Not(HasSubstr("s3cret")));

  ws_.Write("migrations/broken.sql", "-- no header\nSELECT 1;\n");
  EXPECT_EQ(Strata({"verify"}).code, 3);
}

TEST_P(VerifyCliTest, AnUpgradeFailingOnTheScratchDatabaseExitsOne) {
  Chain(1);
  Rev("aaaa0002", Id(1), "CREATE TABLE t1 (id INTEGER);", std::string("SELECT 1;"));
  Output o = Strata({"verify"});
  EXPECT_EQ(o.code, 1) << o.err;
  EXPECT_THAT(o.err, HasSubstr("aaaa0002_rev.sql"));
  EXPECT_THAT(o.err, HasSubstr("upgrade aaaa0002 on the scratch database failed"));
}

TEST_P(VerifyCliTest, VerifyKeepLeavesTheScratchDatabasesAndSaysWhere) {
  Chain(1);
  Output o = Strata({"verify", "--keep"});
  EXPECT_EQ(o.code, 0) << o.err;
  size_t at = 0;
  int kept = 0;
  while ((at = o.out.find("Kept scratch database ", at)) != std::string::npos) {
    at += 22;
    std::string url = o.out.substr(at, o.out.find('\n', at) - at);
    ++kept;
    if (pg()) {
      std::string name = url.substr(url.find("dbname='") + 8);
      name.pop_back();
      EXPECT_EQ(db_->Query("SELECT count(*) FROM pg_database WHERE datname = '" + name + "'"),
                "1\n");
      db_->Query("DROP DATABASE " + name + " WITH (FORCE)");
    } else {
      std::string path = url.substr(std::string("sqlite://").size());
      EXPECT_TRUE(std::filesystem::exists(path)) << path;
      std::filesystem::remove_all(std::filesystem::path(path).parent_path());
    }
  }
  EXPECT_EQ(kept, 2) << o.out;
}

TEST_P(VerifyCliTest, CtrlCStopsVerifyBetweenRevisionsAndDropsTheScratchDatabases) {
  if (!pg()) GTEST_SKIP() << "needs a statement that waits for another session (advisory lock)";
  Chain(1);
  Rev("aaaa0002", Id(1), "SELECT pg_advisory_xact_lock(4242);", std::string("SELECT 1;"));
  Rev("aaaa0003", "aaaa0002", "CREATE TABLE t3 (id INTEGER);", std::string("DROP TABLE t3;"));
  // Another session holds the lock aaaa0002's upgrade waits for, until its stdin closes.
  auto holder = ws_.StartProgram(
      "/usr/bin/python3",
      {"-c",
       "import psycopg2, sys; c = psycopg2.connect(sys.argv[1]); c.autocommit = True; "
       "c.cursor().execute('SELECT pg_advisory_lock(4242)'); print('locked', flush=True); "
       "sys.stdin.read()",
       db_->url()});
  ASSERT_TRUE(holder->WaitForStdout("locked"));
  auto verify = ws_.Start({"verify"});
  ASSERT_TRUE(verify->WaitForStdout("Checking aaaa0002"));
  // The flag is set while aaaa0002 cannot finish; verify stops before the next revision.
  verify->Signal(SIGINT);
  holder->CloseStdin();
  EXPECT_EQ(holder->Wait().code, 0);
  Output o = verify->Wait();
  EXPECT_EQ(o.code, 1) << o.err;
  EXPECT_THAT(o.err, HasSubstr("interrupted"));
  EXPECT_THAT(o.err, HasSubstr("were removed"));
  EXPECT_THAT(o.out, Not(HasSubstr("Checking aaaa0003")));
  size_t at = o.out.find("dbname='");
  ASSERT_NE(at, std::string::npos) << o.out;
  std::string name = o.out.substr(at + 8, o.out.find('\'', at + 8) - at - 8);
  EXPECT_EQ(db_->Query("SELECT count(*) FROM pg_database WHERE datname = '" + name + "'"), "0\n");
}

TEST_P(VerifyCliTest, StatusAndDiffReportDriftAndDiffNamesTheObjects) {
  Chain(2);
  ASSERT_EQ(Strata({"upgrade"}).code, 0);
  EXPECT_THAT(Strata({"status"}).out, HasSubstr("Schema:   unchanged since upgrade aaaa0002 at "));
  Output clean = Strata({"diff"});
  EXPECT_EQ(clean.code, 0) << clean.err;
  EXPECT_THAT(clean.out, HasSubstr("The database matches its migrations at aaaa0002"));

  db_->Query("CREATE TABLE sneaky (id INTEGER)");
  Output status = Strata({"status"});
  EXPECT_EQ(status.code, 0);  // status reports, it does not judge
  EXPECT_THAT(status.out, HasSubstr("Schema:   DRIFTED: changed outside strata since upgrade "
                                    "aaaa0002 at "));
  EXPECT_THAT(status.out, HasSubstr("`strata diff` names the objects"));
  EXPECT_EQ(Json({"status"}, 0)["schema"]["state"], "drifted");

  Output diff = Strata({"diff"});
  EXPECT_EQ(diff.code, 6) << diff.err;
  EXPECT_THAT(diff.out, HasSubstr("The database differs from its migrations at aaaa0002 in "));
  EXPECT_THAT(diff.out, HasSubstr("  table " + Name("sneaky") + ": only in the database: "));
  EXPECT_THAT(diff.err, HasSubstr("table " + Name("sneaky")));
  nlohmann::json doc = Json({"diff"}, 6);
  EXPECT_EQ(doc["ok"], false);
  EXPECT_EQ(doc["heads"], nlohmann::json::array({Id(2)}));
  EXPECT_NE(doc["migrations_hash"], doc["database_hash"]);
  bool named = false;
  for (const nlohmann::json& d : doc["differences"]) {
    named |= d["name"] == Name("sneaky") && d["migrations"].is_null();
  }
  EXPECT_TRUE(named) << doc.dump(2);

  db_->Query("DROP TABLE sneaky");
  EXPECT_EQ(Strata({"diff"}).code, 0);
  EXPECT_EQ(Json({"status"}, 0)["schema"]["state"], "unchanged");
}

TEST_P(VerifyCliTest, StatusSaysWhenNoHashWasRecordedYet) {
  Chain(1);
  Output fresh = Strata({"status"});
  EXPECT_EQ(fresh.code, 0) << fresh.err;
  EXPECT_THAT(fresh.out, HasSubstr("Schema:   drift not tracked yet: no step recorded a schema "
                                   "hash"));
  EXPECT_EQ(Json({"status"}, 0)["schema"]["recorded"], nullptr);
}

INSTANTIATE_TEST_SUITE_P(Backends, VerifyCliTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& p) { return std::string(BackendName(p.param)); });

}  // namespace
}  // namespace strata::testing
