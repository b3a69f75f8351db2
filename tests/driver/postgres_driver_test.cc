// PostgreSQL-only driver behaviour, on a fresh database per test (test_db.h): the advisory
// migration lock (holder named, released when its process dies), a transaction-mode PgBouncer
// detected, non-transactional revisions (dollar-quoted bodies, a failed CREATE INDEX
// CONCURRENTLY naming its INVALID index), version_schema, statement lock timeouts, and
// connection errors without passwords.
//
// Skipped when the run has no PostgreSQL; with STRATA_REQUIRE_PG=1 a missing server (or a
// missing pgbouncer binary) fails instead, so CI cannot skip the PostgreSQL leg silently.
#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "driver/postgres_test_fixture.h"
#include "driver/test_db.h"
#include "driver/test_db_postgres.h"
#include "strata/driver.h"

namespace strata {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

bool PgRequired() {
  const char* v = std::getenv("STRATA_REQUIRE_PG");
  return v != nullptr && std::string(v) == "1";
}

class PostgresDriverTest : public testing::PostgresTestFixture {
 protected:
  PostgresDriverTest() : PostgresTestFixture("_pg.sql") {}
};

TEST_F(PostgresDriverTest, LockHeldByAnotherSessionTimesOutNamingTheHolder) {
  DriverOptions options;
  options.lock_timeout = std::chrono::seconds(1);
  std::vector<std::string> waits;
  options.on_wait = [&](const std::string& line) { waits.push_back(line); };
  ASSERT_TRUE(db_->HoldMigrationLock(options).ok());
  std::string holder_pid =
      One("SELECT l.pid FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND "
          "l.database = (SELECT oid FROM pg_database WHERE datname = current_database())");
  auto driver = Open(options);
  ASSERT_NE(driver, nullptr);

  auto t0 = std::chrono::steady_clock::now();
  Status s = driver->AcquireLock();
  auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(s.kind(), ErrorKind::kLockTimeout) << s.ToString();
  EXPECT_GE(waited, std::chrono::milliseconds(950));  // it did wait for lock_timeout (1 s)
  EXPECT_THAT(s.message(), HasSubstr("held by pid " + holder_pid + " ("));
  EXPECT_THAT(s.message(), HasSubstr("application strata"));
  EXPECT_THAT(s.message(), HasSubstr("client 127.0.0.1"));
  EXPECT_THAT(s.message(), HasSubstr("connected since"));
  ASSERT_FALSE(waits.empty());
  EXPECT_THAT(waits.front(), HasSubstr("pid " + holder_pid));

  // Another version table is another lock.
  DriverOptions other = options;
  other.version_table = "other_versions";
  auto second = Open(other);
  ASSERT_NE(second, nullptr);
  EXPECT_TRUE(second->AcquireLock().ok());

  ASSERT_TRUE(db_->ReleaseHeldLock().ok());
  EXPECT_TRUE(driver->AcquireLock().ok());
  EXPECT_TRUE(driver->ReleaseLock().ok());
}

TEST_F(PostgresDriverTest, ExplicitPublicSchemaIsTheSameLockAsSearchPath) {
  DriverOptions options;
  options.lock_timeout = std::chrono::seconds(0);
  ASSERT_TRUE(db_->HoldMigrationLock(options).ok());
  options.version_schema = "public";
  auto driver = Open(options);
  ASSERT_NE(driver, nullptr);
  EXPECT_EQ(driver->AcquireLock().kind(), ErrorKind::kLockTimeout);
}

TEST_F(PostgresDriverTest, AKilledProcessReleasesTheLock) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child is "another strata process": it takes the lock and waits to be killed.
    close(ready[0]);
    auto url = ParseDatabaseUrl(db_->url());
    if (!url.ok()) _exit(2);
    auto driver = OpenDriver(*url, DriverOptions{});
    if (!driver.ok() || !(*driver)->AcquireLock().ok()) _exit(3);
    char byte = 'x';
    if (write(ready[1], &byte, 1) != 1) _exit(4);
    for (;;) pause();
  }
  close(ready[1]);
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1) << "the child could not take the lock";
  close(ready[0]);

  DriverOptions options;
  options.lock_timeout = std::chrono::seconds(0);
  auto driver = Open(options);
  ASSERT_NE(driver, nullptr);
  EXPECT_EQ(driver->AcquireLock().kind(), ErrorKind::kLockTimeout);

  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  // The server notices the closed socket at once; the lock goes with the session.
  // (Were the lock kept, this would time out after lock_timeout and fail.)
  options.lock_timeout = std::chrono::seconds(10);
  driver = Open(options);
  ASSERT_NE(driver, nullptr);
  Status s = driver->AcquireLock();
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(PostgresDriverTest, WaitersPollAndHoldNoSnapshotThatConcurrentIndexBuildsWaitFor) {
  // The lock holder runs CREATE INDEX CONCURRENTLY while another process waits for the lock. A
  // waiter blocked inside pg_advisory_lock would keep a snapshot the index build waits for,
  // and neither would ever finish.
  DriverOptions options;
  auto holder = Open(options);
  ASSERT_NE(holder, nullptr);
  ASSERT_TRUE(holder->EnsureTables().ok());
  ASSERT_TRUE(holder->AcquireLock().ok());
  ASSERT_TRUE(
      db_->Exec("CREATE TABLE t (x int); INSERT INTO t SELECT generate_series(1, 1000)").ok());

  DriverOptions waiter_options;
  waiter_options.lock_timeout = std::chrono::seconds(30);
  auto waiter = Open(waiter_options);
  ASSERT_NE(waiter, nullptr);
  Status waited;
  std::thread waiting([&] { waited = waiter->AcquireLock(); });

  const Revision& rev = Add("cic1", "CREATE INDEX CONCURRENTLY t_x ON t (x);", false);
  Step up = Up(rev);
  // Were the waiter holding a snapshot, the index build would wait for it until the waiter's
  // lock_timeout, and the waiter would then fail.
  auto outcome = holder->ApplyStep(RunOf(up));
  EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
  ASSERT_TRUE(holder->ReleaseLock().ok());
  waiting.join();
  EXPECT_TRUE(waited.ok()) << waited.ToString();
  EXPECT_EQ(One("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_x'::regclass"), "t");
}

TEST_F(PostgresDriverTest, FailedConcurrentIndexBuildNamesTheInvalidIndex) {
  auto driver = Open(DriverOptions{});
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->EnsureTables().ok());
  ASSERT_TRUE(driver->AcquireLock().ok());
  ASSERT_TRUE(db_->Exec("CREATE TABLE users (email text); "
                        "INSERT INTO users VALUES ('a@x'), ('b@x'), ('a@x')")
                  .ok());
  const Revision& rev = Add("uniq1",
                            "ALTER TABLE users ADD COLUMN name text;\n"
                            "\n"
                            "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);\n"
                            "ALTER TABLE users ADD COLUMN never text;\n",
                            false);
  Step up = Up(rev);
  auto outcome = driver->ApplyStep(RunOf(up));
  ASSERT_FALSE(outcome.ok());
  const Status& s = outcome.status();
  EXPECT_EQ(s.kind(), ErrorKind::kNeedsPerson) << s.ToString();
  EXPECT_EQ(s.file(), "migrations/uniq1_pg.sql");
  EXPECT_EQ(s.line(), 12);
  EXPECT_THAT(s.message(), HasSubstr("SQLSTATE 23505"));
  EXPECT_THAT(s.message(), HasSubstr("statement 2: "));
  EXPECT_THAT(s.message(), HasSubstr("statement 1 took effect"));
  EXPECT_THAT(s.message(), HasSubstr("INVALID index public.users_email_key"));
  EXPECT_THAT(s.hint(), HasSubstr("DROP INDEX CONCURRENTLY public.users_email_key;"));
  EXPECT_THAT(s.hint(), HasSubstr("strata stamp uniq1"));
  EXPECT_THAT(s.hint(), HasSubstr("strata stamp base"));
  EXPECT_EQ(One("SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email_key'::regclass"),
            "f");
  EXPECT_THAT(Versions(*driver), IsEmpty());

  auto failures = driver->UnresolvedFailures();
  ASSERT_TRUE(failures.ok()) << failures.status().ToString();
  ASSERT_EQ(failures->size(), 1u);
  EXPECT_EQ((*failures)[0].revision, "uniq1");
  EXPECT_THAT((*failures)[0].error, HasSubstr("users_email_key"));
  EXPECT_THAT((*failures)[0].error, HasSubstr("migrations/uniq1_pg.sql:12"));
}

// What the server says about a revision's statements (psql shows it) reaches on_notice, each
// line naming the revision file, the statement's line, the direction and the revision, in both
// kinds of revision; the driver's own bookkeeping (CREATE TABLE IF NOT EXISTS skips) does not.
TEST_F(PostgresDriverTest, NoticesAndWarningsNameTheRevisionAndLine) {
  std::vector<std::pair<std::string, std::string>> said;
  DriverOptions options;
  options.on_notice = [&said](const std::string& severity, const std::string& line) {
    said.emplace_back(severity, line);
  };
  auto driver = Open(options);
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->EnsureTables().ok());
  ASSERT_TRUE(driver->EnsureTables().ok());  // "already exists, skipping": not the user's
  ASSERT_TRUE(driver->AcquireLock().ok());
  EXPECT_THAT(said, IsEmpty());
  const Revision& tx = Add("ntc1",
                           "CREATE TABLE ntc (x int);\n"
                           "DROP SCHEMA IF EXISTS nope;\n"
                           "INSERT INTO ntc VALUES (1);\n"
                           "DO $$ BEGIN RAISE WARNING 'careful: %', 42; END $$;\n");
  const Revision& autocommit = Add("ntc2",
                                   "INSERT INTO ntc VALUES (2);\n"
                                   "\n"
                                   "DROP TABLE IF EXISTS nosuch;\n",
                                   false);
  Step up_tx = Up(tx);
  ASSERT_TRUE(driver->ApplyStep(RunOf(up_tx)).ok());
  Step up_autocommit = Up(autocommit, "ntc1");
  ASSERT_TRUE(driver->ApplyStep(RunOf(up_autocommit)).ok());
  using Said = std::pair<std::string, std::string>;
  EXPECT_THAT(said,
              ::testing::ElementsAre(
                  Said{"NOTICE",
                       "migrations/ntc1_pg.sql:11: upgrade ntc1: NOTICE: schema \"nope\" does "
                       "not exist, skipping"},
                  Said{"WARNING", "migrations/ntc1_pg.sql:13: upgrade ntc1: WARNING: careful: 42"},
                  Said{"NOTICE",
                       "migrations/ntc2_pg.sql:12: upgrade ntc2: NOTICE: table \"nosuch\" does "
                       "not exist, skipping"}));
}

// Every strata_log row takes the server's clock: a Transactional: false step's started_at lies
// between two readings of the server's clock around it (a client clock in whole seconds, as
// before, falls before the first), whether the step succeeded or failed part way.
TEST_F(PostgresDriverTest, NonTransactionalRowsTakeTheServersClock) {
  auto driver = Open(DriverOptions{});
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->EnsureTables().ok());
  ASSERT_TRUE(driver->AcquireLock().ok());
  const Revision& good =
      Add("clk1", "CREATE TABLE clk (x int);\nINSERT INTO clk VALUES (1);", false);
  const Revision& bad =
      Add("clk2", "INSERT INTO clk VALUES (2);\nINSERT INTO nope VALUES (1);", false);
  const std::string before = One("SELECT clock_timestamp()");
  Step up_good = Up(good);
  ASSERT_TRUE(driver->ApplyStep(RunOf(up_good)).ok());
  Step up_bad = Up(bad, "clk1");
  ASSERT_FALSE(driver->ApplyStep(RunOf(up_bad)).ok());
  const std::string after = One("SELECT clock_timestamp()");
  for (const char* rev : {"clk1", "clk2"}) {
    SCOPED_TRACE(rev);
    EXPECT_EQ(One(fmt::format("SELECT started_at >= '{}'::timestamptz AND started_at <= "
                              "'{}'::timestamptz FROM strata_log WHERE revision = '{}'",
                              before, after, rev)),
              "t")
        << One(fmt::format("SELECT started_at FROM strata_log WHERE revision = '{}'", rev))
        << " not within [" << before << ", " << after << "]";
    EXPECT_EQ(
        One(fmt::format("SELECT duration_ms >= 0 FROM strata_log WHERE revision = '{}'", rev)),
        "t");
  }
}

// A COPY that exchanges rows with the client (FROM STDIN, TO STDOUT) has nobody to talk to in a
// revision; sent in a pipeline it would even break the connection (the server reads the next
// pipelined message as COPY data). Refused at its file:line before anything runs, in both kinds
// of revision; a COPY with a server file runs.
TEST_F(PostgresDriverTest, ClientCopyIsRefusedBeforeAnythingRuns) {
  auto driver = Open(DriverOptions{});
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->EnsureTables().ok());
  ASSERT_TRUE(driver->AcquireLock().ok());

  const Revision& tx = Add("copy1", "CREATE TABLE c (x int);\n-- rows\nCOPY c FROM STDIN;\n");
  Step up_tx = Up(tx);
  auto refused = driver->ApplyStep(RunOf(up_tx));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().kind(), ErrorKind::kMigrationFailed) << refused.status().ToString();
  EXPECT_THAT(refused.status().message(),
              AllOf(HasSubstr("COPY c FROM STDIN"), HasSubstr("nothing was run")));
  EXPECT_EQ(refused.status().file(), "migrations/copy1_pg.sql");
  EXPECT_EQ(refused.status().line(), 12);
  EXPECT_EQ(One("SELECT to_regclass('c') IS NULL"), "t");

  const Revision& auto_commit =
      Add("copy2", "CREATE TABLE d (x int);\nCOPY (SELECT 1) TO STDOUT;\n", false);
  Step up_ac = Up(auto_commit);
  refused = driver->ApplyStep(RunOf(up_ac));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().kind(), ErrorKind::kMigrationFailed) << refused.status().ToString();
  EXPECT_EQ(refused.status().line(), 11);
  EXPECT_EQ(One("SELECT to_regclass('d') IS NULL"), "t");
  EXPECT_THAT(Versions(*driver), IsEmpty());

  // A server-side file is fine (the test server's role may write it), and the connection works.
  const Revision& file = Add("copy3", "CREATE TABLE e (x int);\nCOPY e TO '/dev/null';\n");
  Step up_file = Up(file);
  auto applied = driver->ApplyStep(RunOf(up_file));
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(Versions(*driver), std::vector<std::string>{"copy3"});
}

TEST_F(PostgresDriverTest, DollarQuotedBodiesSurviveNonTransactionalSplitting) {
  auto driver = Open(DriverOptions{});
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->EnsureTables().ok());
  const Revision& rev = Add("fn1",
                            "CREATE TABLE t (x int);\n"
                            "CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                            "BEGIN\n"
                            "  NEW.x := NEW.x + 1; -- a ';' inside the body\n"
                            "  RETURN NEW;\n"
                            "END;\n"
                            "$$;\n"
                            "CREATE FUNCTION two() RETURNS text LANGUAGE sql AS $body$ SELECT "
                            "'a;b' $body$;\n"
                            "/* a comment; with a semicolon */\n"
                            "CREATE TRIGGER bump BEFORE INSERT ON t FOR EACH ROW EXECUTE "
                            "FUNCTION bump();\n"
                            "CREATE INDEX CONCURRENTLY t_x ON t (x);\n"
                            "INSERT INTO t VALUES (1)\n",
                            false);
  Step up = Up(rev);
  auto outcome = driver->ApplyStep(RunOf(up));
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(One("SELECT x FROM t"), "2");
  EXPECT_EQ(One("SELECT two()"), "a;b");
  EXPECT_THAT(Versions(*driver), ::testing::ElementsAre("fn1"));
}

// A revision larger than the splitter's window (64 KB) and than one pipeline batch (5,000
// statements): a BEGIN ATOMIC body whose inner ';'s straddle a window's end, a dollar-quoted
// literal longer than a window, a CREATE RULE's parenthesised actions and strings holding ';'
// each run as one statement, every statement runs once, and a notice from a later batch names
// its own line.
TEST_F(PostgresDriverTest, StatementsSpanningSplitWindowsAndBatchesRunWhole) {
  std::vector<std::string> said;
  DriverOptions options;
  options.on_notice = [&said](const std::string&, const std::string& line) {
    said.push_back(line);
  };
  auto driver = Open(options);
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->EnsureTables().ok());
  std::string sql = "CREATE TABLE w (n int, s text);\n";
  auto inserts = [&sql](int from, int count) {
    for (int i = from; i < from + count; ++i) {
      sql += fmt::format("INSERT INTO w VALUES ({}, 'a;b');\n", i);
    }
  };
  inserts(0, 6000);
  sql += "CREATE FUNCTION atomic_last() RETURNS int LANGUAGE sql BEGIN ATOMIC\n";
  for (int i = 0; i < 30000; ++i) sql += fmt::format("  SELECT {};\n", i);
  sql += "END;\n";
  std::string literal;
  for (int i = 0; i < 100000; ++i) literal += "x;y\n";
  sql += "CREATE TABLE long_text AS SELECT $body$" + literal + "$body$::text AS t;\n";
  sql += "CREATE TABLE audit (n int);\n";
  sql +=
      "CREATE RULE w_audit AS ON INSERT TO w WHERE NEW.n < 0 DO ALSO\n"
      "  (INSERT INTO audit VALUES (NEW.n); INSERT INTO audit VALUES (-NEW.n));\n";
  sql += "INSERT INTO w VALUES (-7, 'x');\n";
  inserts(6000, 6000);
  const int notice_line = 10 + static_cast<int>(std::count(sql.begin(), sql.end(), '\n'));
  sql += "DROP TABLE IF EXISTS nosuch;\n";
  inserts(12000, 10);
  const Revision& rev = Add("wide1", std::move(sql));
  Step up = Up(rev);
  auto outcome = driver->ApplyStep(RunOf(up));
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(One("SELECT count(*) FROM w"), "12011");
  EXPECT_EQ(One("SELECT count(*) FROM w WHERE s = 'a;b'"), "12010");
  EXPECT_EQ(One("SELECT atomic_last()"), "29999");
  EXPECT_EQ(One("SELECT length(t) FROM long_text"), "400000");
  EXPECT_EQ(One("SELECT string_agg(n::text, ',' ORDER BY n) FROM audit"), "-7,7");
  EXPECT_THAT(said, ::testing::ElementsAre(fmt::format(
                        "migrations/wide1_pg.sql:{}: upgrade wide1: NOTICE: table \"nosuch\" does "
                        "not exist, skipping",
                        notice_line)));
  EXPECT_THAT(Versions(*driver), ::testing::ElementsAre("wide1"));
}

TEST_F(PostgresDriverTest, ConcurrentlyInsideATransactionalRevisionFailsCleanly) {
  auto driver = Open(DriverOptions{});
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->EnsureTables().ok());
  const Revision& rev = Add("tx1",
                            "CREATE TABLE t (x int);\n"
                            "CREATE INDEX CONCURRENTLY t_x ON t (x);\n");
  Step up = Up(rev);
  auto outcome = driver->ApplyStep(RunOf(up));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().kind(), ErrorKind::kMigrationFailed);
  EXPECT_EQ(outcome.status().line(), 11);
  EXPECT_THAT(outcome.status().message(), HasSubstr("SQLSTATE 25001"));
  EXPECT_EQ(One("SELECT to_regclass('t') IS NULL"), "t");
}

TEST_F(PostgresDriverTest, SavepointsStayAllowedInATransactionalRevision) {
  auto driver = Open(DriverOptions{});
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->EnsureTables().ok());
  const Revision& rev = Add("sp1",
                            "CREATE TABLE t (x int);\n"
                            "SAVEPOINT before_bad;\n"
                            "INSERT INTO t VALUES (1);\n"
                            "ROLLBACK TO SAVEPOINT before_bad;\n"
                            "RELEASE before_bad;\n"
                            "INSERT INTO t VALUES (2);\n");
  Step up = Up(rev);
  auto outcome = driver->ApplyStep(RunOf(up));
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(One("SELECT string_agg(x::text, ',') FROM t"), "2");

  // END is COMMIT by another name: refused before anything runs, at its line.
  const Revision& bad = Add("end1", "CREATE TABLE u (x int);\n  end ;\nCREATE TABLE v (x int);");
  Step up_bad = Up(bad, "sp1");
  outcome = driver->ApplyStep(RunOf(up_bad));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().kind(), ErrorKind::kMigrationFailed);
  EXPECT_EQ(outcome.status().line(), 11);
  EXPECT_THAT(outcome.status().hint(), HasSubstr("Transactional: false"));
  EXPECT_EQ(One("SELECT to_regclass('u') IS NULL"), "t");
}

TEST_F(PostgresDriverTest, ErrorPositionAfterMultibyteTextMapsToItsLine) {
  auto driver = Open(DriverOptions{});
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->EnsureTables().ok());
  const Revision& rev = Add("pos1",
                            "SELECT 'ééé', 'ü',\n"
                            "  'ö', nosuchcolumn,\n"
                            "  1;\n");
  Step up = Up(rev);
  auto outcome = driver->ApplyStep(RunOf(up));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().line(), 11) << outcome.status().ToString();
  EXPECT_THAT(outcome.status().message(), HasSubstr("42703"));
}

TEST_F(PostgresDriverTest, VersionSchemaHoldsBothTablesQuoted) {
  DriverOptions options;
  options.version_schema = "Deploy Meta";
  options.version_table = "Versions";
  auto driver = Open(options);
  ASSERT_NE(driver, nullptr);
  EXPECT_THAT(Versions(*driver), IsEmpty());  // schema missing: empty, not an error
  ASSERT_TRUE(driver->EnsureTables().ok());
  ASSERT_TRUE(driver->EnsureTables().ok());
  ASSERT_TRUE(driver->AcquireLock().ok());
  const Revision& rev = Add("s1", "CREATE TABLE app (x int);");
  Step up = Up(rev);
  auto outcome = driver->ApplyStep(RunOf(up));
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(One("SELECT version_num FROM \"Deploy Meta\".\"Versions\""), "s1");
  EXPECT_EQ(One("SELECT count(*) FROM \"Deploy Meta\".strata_log"), "1");
  EXPECT_EQ(One("SELECT to_regclass('public.alembic_version') IS NULL"), "t");
  EXPECT_EQ(One("SELECT conname FROM pg_constraint WHERE conrelid = "
                "'\"Deploy Meta\".\"Versions\"'::regclass AND contype = 'p'"),
            "Versions_pkc");
  auto log = driver->ReadLog(10);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ((*log)[0].revision, "s1");
}

TEST_F(PostgresDriverTest, StatementLockTimeoutIsALockTimeoutAfterRetries) {
  ASSERT_TRUE(db_->Exec("CREATE TABLE busy (x int)").ok());
  ASSERT_TRUE(db_->Exec("BEGIN; LOCK TABLE busy IN ACCESS EXCLUSIVE MODE").ok());
  DriverOptions options;
  options.statement_lock_timeout = std::chrono::milliseconds(100);
  options.retries = 1;
  std::vector<std::string> waits;
  options.on_wait = [&](const std::string& line) { waits.push_back(line); };
  auto driver = Open(options);
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->EnsureTables().ok());
  const Revision& rev =
      Add("lk1", "CREATE TABLE fresh (x int);\nALTER TABLE busy ADD COLUMN y int;");
  Step up = Up(rev);
  auto outcome = driver->ApplyStep(RunOf(up));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().kind(), ErrorKind::kLockTimeout) << outcome.status().ToString();
  EXPECT_THAT(outcome.status().message(), HasSubstr("55P03"));
  EXPECT_THAT(outcome.status().hint(), HasSubstr("try again later"));
  EXPECT_EQ(outcome.status().line(), 11);
  EXPECT_EQ(waits.size(), 1u);  // one retry announced
  ASSERT_TRUE(db_->Exec("ROLLBACK").ok());
  EXPECT_EQ(One("SELECT to_regclass('fresh') IS NULL"), "t");
  EXPECT_THAT(Versions(*driver), IsEmpty());
}

TEST_F(PostgresDriverTest, ConnectionFailureShowsTheUrlWithoutItsPassword) {
  auto url = ParseDatabaseUrl("postgresql://alice:s3cr3t-pw@127.0.0.1:1/app?connect_timeout=2");
  ASSERT_TRUE(url.ok());
  auto driver = OpenDriver(*url, DriverOptions{});
  ASSERT_FALSE(driver.ok());
  EXPECT_EQ(driver.status().kind(), ErrorKind::kConnection);
  EXPECT_THAT(driver.status().ToString(), Not(HasSubstr("s3cr3t-pw")));
  EXPECT_THAT(driver.status().message(), HasSubstr("alice:***@127.0.0.1:1/app"));
}

TEST_F(PostgresDriverTest, ApplicationNameIsStrataUnlessTheUrlSetsOne) {
  auto driver = Open(DriverOptions{});
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->AcquireLock().ok());
  EXPECT_EQ(One("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'strata' AND "
                "datname = current_database()"),
            "1");
  std::string url = db_->url() + (db_->url().find('?') == std::string::npos ? "?" : "&") +
                    "application_name=deployer";
  auto named = Open(DriverOptions{}, url);
  ASSERT_NE(named, nullptr);
  ASSERT_TRUE(named->EnsureTables().ok());
  EXPECT_EQ(One("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'deployer'"), "1");
}

// ---- PgBouncer in transaction mode ---------------------------------------------------------

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return -1;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

std::map<std::string, std::string> ConnInfo(const std::string& url) {
  std::map<std::string, std::string> out;
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  if (opts == nullptr) {
    PQfreemem(err);
    return out;
  }
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (o->val != nullptr) out[o->keyword] = o->val;
  }
  PQconninfoFree(opts);
  return out;
}

// A PgBouncer in transaction mode in front of the test server, on a free port, started from a
// generated config and stopped (SIGINT) on destruction. As root it runs as `postgres`, since
// pgbouncer refuses to run as root.
class PgBouncer {
 public:
  Status Start(const std::string& admin_url) {
    const char* binary = "/usr/sbin/pgbouncer";
    if (access(binary, X_OK) != 0) {
      return Status::Connection("pgbouncer is not installed (scripts/install-deps.sh --test)");
    }
    auto info = ConnInfo(admin_url);
    std::string host = info.count("host") ? info["host"] : "127.0.0.1";
    std::string port = info.count("port") ? info["port"] : "5432";
    std::string user = info.count("user") ? info["user"] : "postgres";
    port_ = FreePort();
    if (port_ <= 0) return Status::Connection("no free port for pgbouncer");
    struct passwd* pw = geteuid() == 0 ? getpwnam("postgres") : nullptr;
    chmod(dir_.path().c_str(), 0755);
    if (pw != nullptr && chown(dir_.path().c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return Status::Connection("cannot chown the pgbouncer folder");
    }
    const std::string config = dir_.path() + "/pgbouncer.ini";
    {
      std::ofstream out(config);
      out << "[databases]\n* = host=" << host << " port=" << port << "\n"
          << "[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = " << port_ << "\n"
          << "unix_socket_dir =\nauth_type = trust\nauth_file = " << dir_.path() << "/users.txt\n"
          << "pool_mode = transaction\n"
          // Round robin spreads one client's consecutive transactions over the pooled server
          // sessions, as a busy pooler does.
          << "server_round_robin = 1\ndefault_pool_size = 10\n"
          << "logfile = " << dir_.path() << "/pgbouncer.log\n"
          << "ignore_startup_parameters = extra_float_digits\n";
      std::ofstream users(dir_.path() + "/users.txt");
      users << "\"" << user << "\" \"\"\n";
    }
    pid_ = fork();
    if (pid_ < 0) return Status::Connection("fork failed");
    if (pid_ == 0) {
      if (pw != nullptr && (setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)) _exit(126);
      int devnull = open("/dev/null", O_RDWR);
      dup2(devnull, 0);
      dup2(devnull, 1);
      execl(binary, binary, "-q", config.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    url_base_ = "postgresql://" + user + "@127.0.0.1:" + std::to_string(port_);
    // Ready when it answers; polled, since pgbouncer has no readiness signal.
    for (int i = 0; i < 200; ++i) {
      std::string probe = url_base_ + "/postgres";
      if (PQping(probe.c_str()) == PQPING_OK) return Status::Ok();
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return Status::Connection("pgbouncer exited at start; see its log");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return Status::Connection("pgbouncer did not start within 10 s");
  }

  ~PgBouncer() {
    if (pid_ > 0) {
      kill(pid_, SIGINT);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }

  std::string Url(const std::string& database) const { return url_base_ + "/" + database; }

  // Opens `n` server sessions at once (each client holds a transaction open) so that the pool
  // has several to hand out afterwards.
  void WarmUp(const std::string& database, int n) {
    std::vector<PGconn*> conns;
    for (int i = 0; i < n; ++i) {
      PGconn* c = PQconnectdb(Url(database).c_str());
      PQclear(PQexec(c, "BEGIN; SELECT 1;"));
      conns.push_back(c);
    }
    for (PGconn* c : conns) {
      PQclear(PQexec(c, "COMMIT"));
      PQfinish(c);
    }
  }

 private:
  testing::TempDir dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::string url_base_;
};

TEST_F(PostgresDriverTest, TransactionModePoolerIsRefusedWithTheDirectConnectionMessage) {
  PgBouncer bouncer;
  Status started = bouncer.Start(std::getenv("STRATA_TEST_PG_URL"));
  if (!started.ok() && !PgRequired()) GTEST_SKIP() << started.ToString();
  ASSERT_TRUE(started.ok()) << started.ToString();
  std::string database = One("SELECT current_database()");
  bouncer.WarmUp(database, 4);

  auto driver = Open(DriverOptions{}, bouncer.Url(database));
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->EnsureTables().ok());
  ASSERT_TRUE(driver->AcquireLock().ok());
  const Revision& rev = Add("pool1", "CREATE TABLE through_pooler (x int);");
  Step up = Up(rev);
  auto outcome = driver->ApplyStep(RunOf(up));
  ASSERT_FALSE(outcome.ok()) << "the step ran although its transaction left the lock's session";
  const Status& s = outcome.status();
  EXPECT_EQ(s.kind(), ErrorKind::kNeedsPerson) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("transaction-mode connection pooler"));
  EXPECT_THAT(s.hint(), HasSubstr("migrate over a direct connection"));
  EXPECT_EQ(One("SELECT to_regclass('through_pooler') IS NULL"), "t");
  EXPECT_EQ(One("SELECT count(*) FROM alembic_version"), "0");
}

}  // namespace
}  // namespace strata
