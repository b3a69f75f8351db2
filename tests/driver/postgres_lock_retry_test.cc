// PostgreSQL statement lock timeouts with retries, and the pre-flight that names sessions in a
// plan's way (DESIGN §4 exit 5; driver.h Preflight, DriverOptions::retries/refuse_if_blocked).
//
// Another session is a plain libpq connection with its own application_name, holding a lock in
// an open transaction. Synchronisation needs no sleeps: the holder releases its lock from the
// driver's on_wait callback, which runs between the rollback and the retry.
//
// Skipped when the run has no PostgreSQL; with STRATA_REQUIRE_PG=1 the test database helpers
// fail instead.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "driver/postgres_test_fixture.h"
#include "driver/test_db_postgres.h"
#include "strata/driver.h"

namespace strata {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::Not;

// Another client: one libpq connection with an application_name of its own.
class OtherSession {
 public:
  OtherSession(const std::string& url, const std::string& application_name) {
    std::string full = url + (url.find('?') == std::string::npos ? "?" : "&") +
                       "application_name=" + application_name;
    conn_ = PQconnectdb(full.c_str());
  }
  ~OtherSession() { PQfinish(conn_); }
  OtherSession(const OtherSession&) = delete;
  OtherSession& operator=(const OtherSession&) = delete;

  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }
  std::string pid() const { return std::to_string(PQbackendPID(conn_)); }

  // Runs `sql`; an empty string on success, the error otherwise.
  std::string Exec(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    ExecStatusType s = PQresultStatus(r);
    std::string error =
        s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? "" : PQresultErrorMessage(r);
    PQclear(r);
    return error;
  }

 private:
  PGconn* conn_ = nullptr;
};

Plan PlanOf(const std::vector<Step>& steps) {
  Plan plan;
  plan.steps = steps;
  return plan;
}

// A statement and whether a pre-flight under refuse_if_blocked should refuse it.
struct LockCase {
  const char* sql;
  bool blocked;
};

class PostgresLockRetryTest : public testing::PostgresTestFixture {
 protected:
  PostgresLockRetryTest() : PostgresTestFixture("_lock.sql") {}

  void SetUp() override {
    PostgresTestFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(db_->Exec("CREATE TABLE t (x int); CREATE TABLE other (x int)").ok());
  }

  // Runs a pre-flight for each case's statement alone (revisions <id_prefix>1, 2, ...) and
  // checks whether it was refused.
  void ExpectPreflight(Driver& driver, const std::vector<LockCase>& cases,
                       const std::string& id_prefix) {
    int n = 0;
    for (const LockCase& c : cases) {
      const Revision& rev = Add(id_prefix + std::to_string(++n), c.sql);
      Status st = driver.Preflight(PlanOf({Up(rev)}));
      EXPECT_EQ(!st.ok(), c.blocked) << c.sql << ": " << st.ToString();
    }
  }

  std::unique_ptr<OtherSession> Other(const std::string& application_name) {
    auto s = std::make_unique<OtherSession>(db_->url(), application_name);
    EXPECT_TRUE(s->ok());
    return s;
  }
};

// ---- Interrupts -------------------------------------------------------------------------------

// The server drops a cancel request that arrives while it waits for the client, so Ctrl-C
// pressed between "Running upgrade ..." and the statements reaching the server used to be lost
// and the statement ran to its end. Here the interrupt comes while the connection is idle, then
// a read waits on a table lock: it must be cancelled all the same. (The connection's own
// lock_timeout, 5 s, makes a lost cancel fail the test instead of hanging it.)
TEST_F(PostgresLockRetryTest, InterruptBeforeTheStatementReachesTheServerStillCancelsIt) {
  DriverOptions options;
  auto driver = Open(options);
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->EnsureTables().ok());
  ASSERT_TRUE(db_->Exec("ALTER ROLE CURRENT_USER IN DATABASE " + One("SELECT current_database()") +
                        " SET lock_timeout = '5s'")
                  .ok());
  driver = Open(options);  // a new session, with the setting
  ASSERT_NE(driver, nullptr);
  auto holder = Other("lock_holder");
  ASSERT_EQ(holder->Exec("BEGIN; LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE"), "");

  driver->Interrupt();  // nothing is running: the server drops this request
  Result<std::vector<std::string>> versions = driver->ReadVersions();
  ASSERT_FALSE(versions.ok());
  EXPECT_THAT(versions.status().ToString(), HasSubstr("canceling statement due to user request"));
  EXPECT_THAT(versions.status().ToString(), Not(HasSubstr("lock timeout")));
  EXPECT_EQ(holder->Exec("ROLLBACK"), "");
}

// ---- Retries ----------------------------------------------------------------------------------

TEST_F(PostgresLockRetryTest, RetriesUntilTheHolderReleasesAndNamesItEachTime) {
  auto holder = Other("lock_holder");
  ASSERT_EQ(holder->Exec("BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE"), "");
  DriverOptions options;
  options.statement_lock_timeout = std::chrono::milliseconds(100);
  options.retries = 5;
  std::vector<std::string> waits;
  options.on_wait = [&](const std::string& line) {
    waits.push_back(line);
    // Hold on through the first retry, let go before the second: the third attempt succeeds.
    if (waits.size() == 2) {
      EXPECT_EQ(holder->Exec("ROLLBACK"), "");
    }
  };
  auto driver = Open(options);
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->EnsureTables().ok());
  const Revision& rev = Add("rt1", "CREATE TABLE fresh (x int);\nALTER TABLE t ADD COLUMN y int;");
  Step up = Up(rev);
  auto outcome = driver->ApplyStep(RunOf(up));
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  ASSERT_EQ(waits.size(), 2u);
  for (size_t i = 0; i < waits.size(); ++i) {
    EXPECT_THAT(waits[i], AllOf(HasSubstr("upgrade rt1"), HasSubstr("pid " + holder->pid()),
                                HasSubstr("application \"lock_holder\""),
                                HasSubstr("AccessExclusiveLock on t"),
                                HasSubstr("LOCK TABLE t IN ACCESS EXCLUSIVE MODE"),
                                HasSubstr("retry " + std::to_string(i + 1) + " of 5")))
        << waits[i];
  }
  EXPECT_EQ(One("SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND "
                "column_name = 'y'"),
            "1");
  EXPECT_EQ(Versions(*driver), std::vector<std::string>{"rt1"});
}

TEST_F(PostgresLockRetryTest, RetriesRunOutRollsBackNamesTheHolderAndIsALockTimeout) {
  auto holder = Other("lock_holder");
  ASSERT_EQ(holder->Exec("BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE"), "");
  DriverOptions options;
  options.statement_lock_timeout = std::chrono::milliseconds(100);
  options.retries = 2;
  std::vector<std::string> waits;
  options.on_wait = [&](const std::string& line) { waits.push_back(line); };
  auto driver = Open(options);
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->EnsureTables().ok());
  const Revision& rev = Add("rt2", "CREATE TABLE fresh (x int);\nALTER TABLE t ADD COLUMN y int;");
  Step up = Up(rev);
  auto outcome = driver->ApplyStep(RunOf(up));
  ASSERT_FALSE(outcome.ok());
  const Status& st = outcome.status();
  EXPECT_EQ(st.kind(), ErrorKind::kLockTimeout) << st.ToString();
  EXPECT_EQ(st.exit_code(), 5);
  EXPECT_THAT(st.message(), AllOf(HasSubstr("55P03"), HasSubstr("blocked by pid " + holder->pid()),
                                  HasSubstr("application \"lock_holder\"")));
  EXPECT_THAT(st.hint(), AllOf(HasSubstr("after 2 retries"), HasSubstr("try again later")));
  EXPECT_EQ(waits.size(), 2u);
  ASSERT_EQ(holder->Exec("ROLLBACK"), "");
  EXPECT_EQ(One("SELECT to_regclass('fresh') IS NULL"), "t");
  EXPECT_EQ(One("SELECT count(*) FROM information_schema.columns WHERE table_name = 't'"), "1");
  EXPECT_THAT(Versions(*driver), IsEmpty());
  auto log = driver->ReadLog(10);
  ASSERT_TRUE(log.ok());
  EXPECT_THAT(*log, IsEmpty());
}

TEST_F(PostgresLockRetryTest, NonTransactionalStatementIsRetriedAlone) {
  auto holder = Other("lock_holder");
  ASSERT_EQ(holder->Exec("BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE"), "");
  DriverOptions options;
  options.statement_lock_timeout = std::chrono::milliseconds(100);
  options.retries = 3;
  std::vector<std::string> waits;
  options.on_wait = [&](const std::string& line) {
    waits.push_back(line);
    EXPECT_EQ(holder->Exec("ROLLBACK"), "");
  };
  auto driver = Open(options);
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->EnsureTables().ok());
  const Revision& rev = Add("rt3",
                            "CREATE TABLE IF NOT EXISTS fresh (x int);\n"
                            "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_x ON t (x);",
                            /*transactional=*/false);
  Step up = Up(rev);
  auto outcome = driver->ApplyStep(RunOf(up));
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  ASSERT_EQ(waits.size(), 1u);
  EXPECT_THAT(waits[0], AllOf(HasSubstr("upgrade rt3 statement 2"),
                              HasSubstr("pid " + holder->pid()), HasSubstr("retry 1 of 3")));
  EXPECT_EQ(One("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_x'::regclass"), "t");
  EXPECT_EQ(Versions(*driver), std::vector<std::string>{"rt3"});
}

// ---- Pre-flight -------------------------------------------------------------------------------

TEST_F(PostgresLockRetryTest, PreflightNamesASessionIdleInATransactionThatLocksTheTable) {
  auto reader = Other("report_job");
  ASSERT_EQ(reader->Exec("BEGIN; SELECT * FROM t"), "");
  DriverOptions options;
  std::vector<std::string> waits;
  options.on_wait = [&](const std::string& line) { waits.push_back(line); };
  auto driver = Open(options);
  ASSERT_NE(driver, nullptr);
  const Revision& rev = Add("pf1", "ALTER TABLE t ADD COLUMN y int;");
  Status st = driver->Preflight(PlanOf({Up(rev)}));
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(waits.size(), 2u) << ::testing::PrintToString(waits);
  EXPECT_THAT(waits[0],
              AllOf(HasSubstr("ALTER TABLE of upgrade pf1 may wait for pid " + reader->pid()),
                    HasSubstr("application \"report_job\""), HasSubstr("idle in transaction for"),
                    HasSubstr("AccessShareLock on t"), HasSubstr("SELECT * FROM t")));
  EXPECT_THAT(waits[0], MatchesRegex(".*transaction open [0-9]+\\.[0-9] s.*"));
  EXPECT_THAT(waits[1], HasSubstr("statement_lock_timeout is unset"));
}

TEST_F(PostgresLockRetryTest, RefuseIfBlockedStopsBeforeAnythingRuns) {
  auto writer = Other("order_writer");
  ASSERT_EQ(writer->Exec("BEGIN; INSERT INTO t VALUES (1)"), "");
  DriverOptions options;
  options.refuse_if_blocked = true;
  auto driver = Open(options);
  ASSERT_NE(driver, nullptr);
  const Revision& rev = Add("pf2", "CREATE INDEX t_x ON t (x);");
  Status st = driver->Preflight(PlanOf({Up(rev)}));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.kind(), ErrorKind::kLockTimeout);
  EXPECT_EQ(st.exit_code(), 5);
  EXPECT_THAT(st.message(),
              AllOf(HasSubstr("CREATE INDEX of upgrade pf2"), HasSubstr("pid " + writer->pid()),
                    HasSubstr("order_writer"), HasSubstr("RowExclusiveLock on t"),
                    HasSubstr("nothing was run")));
  EXPECT_THAT(st.hint(), HasSubstr("pg_terminate_backend"));
}

TEST_F(PostgresLockRetryTest, AnOpenReaderBlocksOnlyAccessExclusiveStatements) {
  auto reader = Other("report_job");
  ASSERT_EQ(reader->Exec("BEGIN; SELECT * FROM t"), "");
  DriverOptions options;
  options.refuse_if_blocked = true;
  auto driver = Open(options);
  ASSERT_NE(driver, nullptr);
  const std::vector<LockCase> cases = {
      {"ALTER TABLE t ADD COLUMN y int", true},
      {"ALTER TABLE public.t RENAME COLUMN x TO z", true},
      {"ALTER TABLE \"t\" ALTER COLUMN x TYPE bigint", true},
      {"DROP TABLE t", true},
      {"TRUNCATE t", true},
      {"VACUUM FULL t", true},
      {"LOCK TABLE t", true},
      {"CREATE TABLE t_1 PARTITION OF t FOR VALUES IN (1)", true},
      {"CREATE INDEX t_x ON t (x)", false},
      {"CREATE INDEX CONCURRENTLY t_x ON t (x)", false},
      {"CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()", false},
      {"ALTER TABLE other ADD CONSTRAINT fk FOREIGN KEY (x) REFERENCES t (x)", false},
      {"LOCK TABLE t IN SHARE MODE", false},
      {"INSERT INTO t VALUES (1)", false},
      {"SELECT count(*) FROM t", false},
      {"ALTER TABLE other ADD COLUMN y int", false},
      {"CREATE TABLE brand_new (id int)", false},
      {"ALTER TABLE not_there_yet ADD COLUMN y int", false},
      {"this is not SQL", false},
  };
  ExpectPreflight(*driver, cases, "read");
}

TEST_F(PostgresLockRetryTest, AnOpenWriterAlsoBlocksIndexTriggerAndForeignKeyStatements) {
  auto writer = Other("order_writer");
  ASSERT_EQ(writer->Exec("BEGIN; UPDATE t SET x = 1"), "");
  DriverOptions options;
  options.refuse_if_blocked = true;
  auto driver = Open(options);
  ASSERT_NE(driver, nullptr);
  const std::vector<LockCase> cases = {
      {"ALTER TABLE t ADD COLUMN y int", true},
      {"CREATE INDEX t_x ON t (x)", true},
      {"CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()", true},
      {"ALTER TABLE other ADD CONSTRAINT fk FOREIGN KEY (x) REFERENCES t (x)", true},
      {"CREATE TABLE child (id int REFERENCES t (x))", true},
      {"CREATE INDEX CONCURRENTLY t_x ON t (x)", false},
      {"ALTER TABLE t VALIDATE CONSTRAINT c", false},
      {"CREATE TABLE child (id int) INHERITS (t)", false},
      {"INSERT INTO t VALUES (1)", false},
  };
  ExpectPreflight(*driver, cases, "write");
}

TEST_F(PostgresLockRetryTest, PreflightReportsLongIdleTransactionsPastTheThreshold) {
  auto idle = Other("forgotten_shell");
  ASSERT_EQ(idle->Exec("BEGIN; SELECT * FROM other"), "");  // no lock on t
  DriverOptions options;
  options.refuse_if_blocked = true;
  options.idle_in_transaction_threshold = std::chrono::seconds(60);
  auto driver = Open(options);
  ASSERT_NE(driver, nullptr);
  const Revision& rev = Add("pf3", "ALTER TABLE t ADD COLUMN y int;");
  Plan plan = PlanOf({Up(rev)});
  EXPECT_TRUE(driver->Preflight(plan).ok());  // idle for less than 60 s

  options.idle_in_transaction_threshold = std::chrono::seconds(0);
  auto strict = Open(options);
  ASSERT_NE(strict, nullptr);
  Status st = strict->Preflight(plan);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), AllOf(HasSubstr("pid " + idle->pid()), HasSubstr("forgotten_shell"),
                                  HasSubstr("idle in transaction past the threshold"),
                                  HasSubstr("no lock on these tables")));

  options.idle_in_transaction_threshold = std::chrono::seconds(-1);
  auto off = Open(options);
  ASSERT_NE(off, nullptr);
  EXPECT_TRUE(off->Preflight(plan).ok());
}

TEST_F(PostgresLockRetryTest, PreflightIgnoresTheDriversOwnSessionAndQuietDatabases) {
  DriverOptions options;
  options.refuse_if_blocked = true;
  options.idle_in_transaction_threshold = std::chrono::seconds(0);
  std::vector<std::string> waits;
  options.on_wait = [&](const std::string& line) { waits.push_back(line); };
  auto driver = Open(options);
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->AcquireLock().ok());
  const Revision& rev = Add("pf4", "ALTER TABLE t ADD COLUMN y int; DROP TABLE other;");
  EXPECT_TRUE(driver->Preflight(PlanOf({Up(rev)})).ok());
  EXPECT_THAT(waits, IsEmpty());
}

}  // namespace
}  // namespace strata
