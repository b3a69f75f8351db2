// statement_timeout on PostgreSQL (DriverOptions::statement_timeout, strata.toml's
// statement_timeout): the driver sets it for each revision's statements, so a statement that runs
// longer fails its revision with the usual step-failure message, naming the revision, the
// statement and the timeout; a transactional revision is rolled back, a Transactional: false one
// stops part way (exit 7). Either way the setting does not outlive the revision.
//
// The slow statement is a pg_sleep(5) inside the revision; the test itself waits for nothing.
// Skipped when the run has no PostgreSQL; with STRATA_REQUIRE_PG=1 the test database helpers fail
// instead.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "driver/postgres_test_fixture.h"
#include "strata/driver.h"

namespace strata {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

class PostgresStatementTimeoutTest : public testing::PostgresTestFixture {
 protected:
  PostgresStatementTimeoutTest() : PostgresTestFixture("_timeout.sql") {}

  // The session's statement_timeout as SHOW prints it, read over the driver's own connection.
  static std::string SessionTimeout(Driver& driver) {
    Result<Driver::Rows> rows = driver.Query("SHOW statement_timeout");
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    if (!rows.ok() || rows->empty() || rows->front().empty() || !rows->front()[0]) return "<none>";
    return *rows->front()[0];
  }

  static DriverOptions WithTimeout() {
    DriverOptions options;
    options.statement_timeout = std::chrono::milliseconds(200);
    return options;
  }
};

TEST_F(PostgresStatementTimeoutTest, ALongerStatementFailsTheRevisionNamingTheTimeout) {
  auto driver = Open(WithTimeout());
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->EnsureTables().ok());
  const Revision& rev = Add("st01", "CREATE TABLE before_sleep (x int);\nSELECT pg_sleep(5);");
  Step up = Up(rev);
  auto outcome = driver->ApplyStep(RunOf(up));
  ASSERT_FALSE(outcome.ok());
  const Status& st = outcome.status();
  EXPECT_EQ(st.kind(), ErrorKind::kMigrationFailed) << st.ToString();
  EXPECT_EQ(st.revision(), "st01");
  EXPECT_EQ(st.file(), "migrations/st01_timeout.sql");
  EXPECT_EQ(st.line(), 11);  // the section starts on line 10; pg_sleep is its second line
  EXPECT_THAT(st.message(), HasSubstr("upgrade st01 failed: "));
  EXPECT_THAT(st.message(), HasSubstr("canceling statement due to statement timeout"));
  EXPECT_THAT(st.message(), HasSubstr("statement_timeout = 200 ms"));
  EXPECT_THAT(st.message(), HasSubstr("statement 2: `SELECT pg_sleep(5)"));
  EXPECT_THAT(st.hint(), HasSubstr("its transaction was rolled back"));
  EXPECT_FALSE(Exists("before_sleep"));
  EXPECT_THAT(Versions(*driver), IsEmpty());
  // SET LOCAL: the session is back to the server's setting.
  EXPECT_EQ(SessionTimeout(*driver), "0");
}

TEST_F(PostgresStatementTimeoutTest, StatementsWithinTheTimeoutRun) {
  auto driver = Open(WithTimeout());
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->EnsureTables().ok());
  const Revision& rev =
      Add("st02", "CREATE TABLE quick (x int);\nSELECT current_setting('statement_timeout');");
  Step up = Up(rev);
  auto outcome = driver->ApplyStep(RunOf(up));
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(Exists("quick"));
  EXPECT_EQ(Versions(*driver), std::vector<std::string>{"st02"});
  EXPECT_EQ(SessionTimeout(*driver), "0");
}

TEST_F(PostgresStatementTimeoutTest, NonTransactionalRevisionStopsPartWayAndResetsIt) {
  auto driver = Open(WithTimeout());
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->EnsureTables().ok());
  const Revision& rev =
      Add("st03", "CREATE TABLE first_one (x int);\nSELECT pg_sleep(5);", /*transactional=*/false);
  Step up = Up(rev);
  auto outcome = driver->ApplyStep(RunOf(up));
  ASSERT_FALSE(outcome.ok());
  const Status& st = outcome.status();
  EXPECT_EQ(st.kind(), ErrorKind::kNeedsPerson) << st.ToString();
  EXPECT_EQ(st.line(), 11);
  EXPECT_THAT(st.message(), HasSubstr("upgrade st03 failed: "));
  EXPECT_THAT(st.message(), HasSubstr("statement_timeout = 200 ms"));
  EXPECT_THAT(st.message(), HasSubstr("statement 1 took effect"));
  EXPECT_TRUE(Exists("first_one"));
  EXPECT_THAT(Versions(*driver), IsEmpty());
  EXPECT_EQ(SessionTimeout(*driver), "0");  // RESET after the failure
}

// Without the setting strata leaves statement_timeout alone: a role's own one applies.
TEST_F(PostgresStatementTimeoutTest, UnsetLeavesTheRolesOwnTimeout) {
  ASSERT_TRUE(db_->Exec("DO $$ BEGIN EXECUTE format('ALTER ROLE %I IN DATABASE %I SET "
                        "statement_timeout = %L', current_user, current_database(), '250ms'); "
                        "END $$")
                  .ok());
  auto driver = Open(DriverOptions{});
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->EnsureTables().ok());
  const Revision& rev = Add("st04", "SELECT pg_sleep(5);");
  Step up = Up(rev);
  auto outcome = driver->ApplyStep(RunOf(up));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().kind(), ErrorKind::kMigrationFailed);
  EXPECT_THAT(outcome.status().message(), HasSubstr("statement timeout"));
  // Not strata's: the message does not claim it was.
  EXPECT_THAT(outcome.status().message(), ::testing::Not(HasSubstr("strata ran it with")));
  EXPECT_EQ(SessionTimeout(*driver), "250ms");
}

}  // namespace
}  // namespace strata
