// `strata status` and checksums: what status reports on both backends, and `upgrade` refusing
// (exit 3) when an applied revision's file changed, unless --allow-changed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/cli_fixture.h"
#include "cli/strata_runner.h"
#include "cli/test_database.h"

namespace strata::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class StatusTest : public CliFixture {
 protected:
  // The revisions here all downgrade with "SELECT 1;".
  void Rev(const std::string& id, const std::string& revises, const std::string& upgrade,
           const std::string& extra = "") {
    CliFixture::Rev(id, revises, upgrade, std::string("SELECT 1;"), extra);
  }

  nlohmann::json StatusJson() {
    Output o = Strata({"--format", "json", "status"});
    EXPECT_EQ(o.code, 0) << o.err;
    return nlohmann::json::parse(o.out);
  }
};

TEST_P(StatusTest, ReportsCurrentHeadsPendingRunsAndSize) {
  Rev("aaaa0001", "", "CREATE TABLE t1 (id INTEGER);");
  Rev("aaaa0002", "aaaa0001", "CREATE TABLE t2 (id INTEGER);");
  Rev("aaaa0003", "aaaa0002", "CREATE TABLE t3 (id INTEGER);");

  // A fresh database: at base, everything pending, no tables created by looking.
  nlohmann::json fresh = StatusJson();
  EXPECT_EQ(fresh["current"], nlohmann::json::array());
  EXPECT_EQ(fresh["pending"].size(), 3u);
  EXPECT_EQ(fresh["recent_runs"].size(), 0u);
  EXPECT_EQ(db_->Versions(), "");

  ASSERT_EQ(Strata({"upgrade", "aaaa0002"}).code, 0);
  nlohmann::json s = StatusJson();
  EXPECT_EQ(s["current"], nlohmann::json::array({"aaaa0002"}));
  EXPECT_EQ(s["heads"], nlohmann::json::array({"aaaa0003"}));
  EXPECT_EQ(s["up_to_date"], false);
  ASSERT_EQ(s["pending"].size(), 1u);
  EXPECT_EQ(s["pending"][0]["revision"], "aaaa0003");
  ASSERT_EQ(s["recent_runs"].size(), 2u);
  EXPECT_EQ(s["recent_runs"][0]["revision"], "aaaa0002");  // newest first
  EXPECT_EQ(s["recent_runs"][0]["direction"], "upgrade");
  EXPECT_GE(s["recent_runs"][0]["duration_ms"].get<int64_t>(), 0);
  EXPECT_GT(s["database_size_bytes"].get<int64_t>(), 0);
  EXPECT_EQ(s["changed"], nlohmann::json::array());
  EXPECT_EQ(s["unresolved_failures"], nlohmann::json::array());

  Output text = Strata({"status", "-n", "1"});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("Current:  aaaa0002\n"));
  EXPECT_THAT(text.out, HasSubstr("Heads:    aaaa0003 (head)\n"));
  EXPECT_THAT(text.out, HasSubstr("Pending:  1 revision(s)"));
  EXPECT_THAT(text.out, HasSubstr("  aaaa0003, step aaaa0003\n"));
  EXPECT_THAT(text.out, HasSubstr("Runs:     last 1, newest first:"));
  EXPECT_THAT(text.out, HasSubstr("Size:"));
}

TEST_P(StatusTest, UnresolvedPartialFailureIsShownAndStatusStillExitsZero) {
  Rev("aaaa0001", "", "CREATE TABLE t1 (id INTEGER);");
  Rev("aaaa0002", "aaaa0001", "CREATE TABLE nt (id INTEGER);\nCREATE TABLE nt (id INTEGER);",
      "-- Transactional: false\n");
  EXPECT_EQ(Strata({"upgrade"}).code, 7);
  nlohmann::json s = StatusJson();
  ASSERT_EQ(s["unresolved_failures"].size(), 1u);
  EXPECT_EQ(s["unresolved_failures"][0]["revision"], "aaaa0002");
  Output text = Strata({"status"});
  EXPECT_EQ(text.code, 0);
  EXPECT_THAT(text.out, HasSubstr("Failures: 1 non-transactional step(s)"));
  ASSERT_EQ(Strata({"stamp", "aaaa0002"}).code, 0);
  EXPECT_EQ(StatusJson()["unresolved_failures"], nlohmann::json::array());
}

TEST_P(StatusTest, ChangedAppliedFileIsReportedAndRefusedUnlessAllowed) {
  Rev("aaaa0001", "", "CREATE TABLE t1 (id INTEGER);");
  Rev("aaaa0002", "aaaa0001", "CREATE TABLE t2 (id INTEGER);");
  ASSERT_EQ(Strata({"upgrade"}).code, 0);

  // Someone edits an applied revision and adds a new one.
  Rev("aaaa0001", "", "CREATE TABLE t1 (id INTEGER, extra TEXT);");
  Rev("aaaa0003", "aaaa0002", "CREATE TABLE t3 (id INTEGER);");
  nlohmann::json s = StatusJson();
  ASSERT_EQ(s["changed"].size(), 1u);
  EXPECT_EQ(s["changed"][0]["revision"], "aaaa0001");
  EXPECT_THAT(s["changed"][0]["path"].get<std::string>(), HasSubstr("aaaa0001_rev.sql"));
  EXPECT_NE(s["changed"][0]["applied_checksum"], s["changed"][0]["file_checksum"]);
  EXPECT_THAT(Strata({"status"}).out, HasSubstr("Changed:  1 applied revision(s)"));

  Output refused = Strata({"upgrade"});
  EXPECT_EQ(refused.code, 3) << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("aaaa0001"));
  EXPECT_THAT(refused.err, HasSubstr("aaaa0001_rev.sql"));
  EXPECT_THAT(refused.err, HasSubstr("--allow-changed"));
  EXPECT_EQ(db_->Versions(), "aaaa0002");  // nothing ran

  // Offline SQL does not compare checksums.
  EXPECT_EQ(Strata({"upgrade", "--sql"}).code, 0);

  // Restoring the file as applied clears it.
  Rev("aaaa0001", "", "CREATE TABLE t1 (id INTEGER);");
  EXPECT_EQ(StatusJson()["changed"], nlohmann::json::array());

  // --allow-changed accepts the edited file as it is now, says so, logs it, and goes on.
  Rev("aaaa0001", "", "CREATE TABLE t1 (id INTEGER, extra TEXT);");
  const std::string edited = s["changed"][0]["file_checksum"];
  Output allowed = Strata({"--format", "json", "upgrade", "--allow-changed"});
  EXPECT_EQ(allowed.code, 0) << allowed.err;
  EXPECT_THAT(allowed.err, HasSubstr("Accepting the edited file of applied revision aaaa0001"));
  nlohmann::json doc = nlohmann::json::parse(allowed.out);
  ASSERT_EQ(doc["accepted"].size(), 1u) << allowed.out;
  EXPECT_EQ(doc["accepted"][0]["revision"], "aaaa0001");
  EXPECT_EQ(doc["accepted"][0]["file_checksum"], edited);
  EXPECT_EQ(doc["heads_after"], nlohmann::json::array({"aaaa0003"}));
  EXPECT_EQ(db_->Versions(), "aaaa0003");
  EXPECT_EQ(db_->Query("SELECT checksum, status FROM strata_log WHERE direction = 'accept' AND "
                       "revision = 'aaaa0001'"),
            edited + "|done\n");
  // From now on the accepted text is what the file is compared with.
  EXPECT_EQ(StatusJson()["changed"], nlohmann::json::array());
  Rev("aaaa0004", "aaaa0003", "CREATE TABLE t4 (id INTEGER);");
  Output plain = Strata({"--format", "json", "upgrade"});
  EXPECT_EQ(plain.code, 0) << plain.err;
  EXPECT_THAT(plain.err, Not(HasSubstr("Accepting")));
  EXPECT_EQ(nlohmann::json::parse(plain.out)["accepted"], nlohmann::json::array());
  Rev("aaaa0001", "", "CREATE TABLE t1 (id INTEGER);");
  ASSERT_EQ(StatusJson()["changed"].size(), 1u);
  EXPECT_EQ(Strata({"upgrade"}).code, 3);

  // A downgrade does not compare checksums, and a revision no longer applied is not "changed".
  ASSERT_EQ(Strata({"downgrade", "base"}).code, 0);
  Rev("aaaa0001", "", "CREATE TABLE t1 (id INTEGER, other TEXT);");
  EXPECT_EQ(StatusJson()["changed"], nlohmann::json::array());
}

TEST_P(StatusTest, RevisionsWithoutALogRowAreNeverChanged) {
  // Applied by Alembic (or stamped): no checksum was recorded, so nothing to compare.
  Rev("aaaa0001", "", "CREATE TABLE t1 (id INTEGER);");
  Rev("aaaa0002", "aaaa0001", "CREATE TABLE t2 (id INTEGER);");
  ASSERT_EQ(Strata({"stamp", "aaaa0001"}).code, 0);
  Rev("aaaa0001", "", "CREATE TABLE t1 (id INTEGER, edited TEXT);");
  EXPECT_EQ(StatusJson()["changed"], nlohmann::json::array());
  Output up = Strata({"upgrade"});
  EXPECT_EQ(up.code, 0) << up.err;
  EXPECT_EQ(db_->Versions(), "aaaa0002");
}

INSTANTIATE_TEST_SUITE_P(Backends, StatusTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& p) { return std::string(BackendName(p.param)); });

}  // namespace
}  // namespace strata::testing
