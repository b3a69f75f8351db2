// End-to-end tests of table-lock waits on PostgreSQL through the `strata` binary:
// --statement-lock-timeout with --retries (retry messages naming the session holding the lock,
// exit 5 with nothing changed when the retries run out) and the pre-flight that names sessions
// in the way before anything runs (--refuse-if-blocked exits 5).
//
// Another client is a Python process (psycopg2) that takes a lock in an open transaction, prints
// "ready <pid>" and keeps it until its stdin closes. strata's stderr is read through a pipe, so
// the holder is released right after strata announces its first retry: no sleeps.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/strata_runner.h"
#include "cli/test_database.h"

namespace strata::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

class LockWaitCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    STRATA_CREATE_TEST_DB(db, Backend::kPostgres, ws_.dir());
    db_ = std::move(db);
    ws_.SetEnv("STRATA_URL", db_->url());
    ws_.Write("migrations/aaaa0001_t.sql",
              RevisionText("aaaa0001", "", "CREATE TABLE t (x int);", "DROP TABLE t;"));
    ws_.Write("migrations/aaaa0002_y.sql",
              RevisionText("aaaa0002", "aaaa0001", "ALTER TABLE t ADD COLUMN y int;",
                           "ALTER TABLE t DROP COLUMN y;"));
    Output o = ws_.Run({"upgrade", "aaaa0001"});
    ASSERT_EQ(o.code, 0) << o.err;
  }

  // Starts the other client: runs `sql` in a transaction left open, application_name `name`.
  // Returns its backend pid once the lock is held (empty on failure).
  std::string StartHolder(const std::string& name, const std::string& sql) {
    holder_ = ws_.StartProgram("/usr/bin/python3",
                               {"-c",
                                "import sys, psycopg2\n"
                                "c = psycopg2.connect(sys.argv[1], application_name=sys.argv[2])\n"
                                "c.cursor().execute(sys.argv[3])\n"
                                "open('holder.pid', 'w').write(str(c.get_backend_pid()))\n"
                                "print('ready', flush=True)\n"
                                "sys.stdin.read()\n"
                                "c.rollback()\n",
                                db_->url(), name, sql});
    if (!holder_->WaitForStdout("ready")) return "";
    return ws_.Read("holder.pid");
  }

  void ReleaseHolder() {
    if (!holder_) return;
    holder_->CloseStdin();
    Output o = holder_->Wait();
    EXPECT_EQ(o.code, 0) << o.err;
    holder_.reset();
  }

  bool ColumnYExists() {
    return db_->Query(
               "SELECT count(*) FROM information_schema.columns WHERE table_name = 't' "
               "AND column_name = 'y'") == "1\n";
  }

  Workspace ws_;
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<Child> holder_;
};

// Runs strata with stderr into the stdout pipe, so the test can wait for a line on either.
std::unique_ptr<Child> StartStrata(const Workspace& ws, const std::string& args) {
  return ws.StartProgram("/bin/sh",
                         {"-c", std::string("exec ") + STRATA_BINARY + " " + args + " 2>&1"});
}

TEST_F(LockWaitCliTest, RetriesNameTheHolderAndSucceedOnceItLetsGo) {
  std::string pid = StartHolder("lock_holder", "LOCK TABLE t IN ACCESS EXCLUSIVE MODE");
  ASSERT_FALSE(pid.empty());
  // Options after the command: they are global options that fall through.
  auto strata = StartStrata(ws_, "upgrade head --statement-lock-timeout 200ms --retries 5");
  ASSERT_TRUE(strata->WaitForStdout("retry 1 of 5"));
  ReleaseHolder();
  Output o = strata->Wait();
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_THAT(o.out,
              AllOf(HasSubstr("upgrade aaaa0002"), HasSubstr("rolled back"),
                    HasSubstr("blocked by pid " + pid), HasSubstr("application \"lock_holder\""),
                    HasSubstr("AccessExclusiveLock on t")));
  EXPECT_EQ(db_->Versions(), "aaaa0002");
  EXPECT_TRUE(ColumnYExists());
}

TEST_F(LockWaitCliTest, RetriesRunOutExitsFiveWithNothingChanged) {
  std::string pid = StartHolder("lock_holder", "LOCK TABLE t IN ACCESS EXCLUSIVE MODE");
  ASSERT_FALSE(pid.empty());
  Output o = ws_.Run({"--statement-lock-timeout", "100ms", "--retries", "1", "upgrade"});
  ReleaseHolder();
  EXPECT_EQ(o.code, 5) << o.err;
  EXPECT_THAT(o.err, AllOf(HasSubstr("retry 1 of 1"), HasSubstr("55P03"),
                           HasSubstr("blocked by pid " + pid), HasSubstr("lock_holder"),
                           HasSubstr("try again later")));
  EXPECT_EQ(db_->Versions(), "aaaa0001");
  EXPECT_FALSE(ColumnYExists());
  EXPECT_EQ(db_->Query("SELECT count(*) FROM strata_log"), "1\n");
}

TEST_F(LockWaitCliTest, RefuseIfBlockedNamesTheIdleReaderAndRunsNothing) {
  std::string pid = StartHolder("report_job", "SELECT * FROM t");
  ASSERT_FALSE(pid.empty());
  Output o = ws_.Run({"upgrade", "--refuse-if-blocked"});
  EXPECT_EQ(o.code, 5) << o.err;
  EXPECT_THAT(o.err, AllOf(HasSubstr("pre-flight"), HasSubstr("ALTER TABLE of upgrade aaaa0002"),
                           HasSubstr("pid " + pid), HasSubstr("application \"report_job\""),
                           HasSubstr("idle in transaction for"), HasSubstr("transaction open"),
                           HasSubstr("nothing was run")));
  EXPECT_EQ(db_->Versions(), "aaaa0001");
  EXPECT_FALSE(ColumnYExists());
  EXPECT_EQ(db_->Query("SELECT count(*) FROM strata_log"), "1\n");

  // The same from strata.toml; and JSON output still holds one document naming the error.
  ws_.Write("strata.toml", "refuse_if_blocked = true\n");
  Output json = ws_.Run({"--format", "json", "upgrade"});
  EXPECT_EQ(json.code, 5) << json.err;
  EXPECT_THAT(json.out, HasSubstr("pid " + pid));
  ReleaseHolder();
  Output after = ws_.Run({"upgrade"});
  EXPECT_EQ(after.code, 0) << after.err;
  EXPECT_EQ(db_->Versions(), "aaaa0002");
}

TEST_F(LockWaitCliTest, WithoutRefusingThePreflightReportsAndProceeds) {
  std::string pid = StartHolder("report_job", "SELECT * FROM t");
  ASSERT_FALSE(pid.empty());
  auto strata = StartStrata(ws_, "--statement-lock-timeout 200ms --retries 5 upgrade");
  ASSERT_TRUE(strata->WaitForStdout("retry 1 of 5"));
  ReleaseHolder();
  Output o = strata->Wait();
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_THAT(o.out, AllOf(HasSubstr("pre-flight: ALTER TABLE of upgrade aaaa0002 may wait for "
                                     "pid " +
                                     pid),
                           HasSubstr("report_job"), HasSubstr("pre-flight: proceeding")));
  EXPECT_EQ(db_->Versions(), "aaaa0002");
}

TEST_F(LockWaitCliTest, BadLockOptionsAreUsageErrors) {
  EXPECT_EQ(ws_.Run({"--statement-lock-timeout", "soon", "upgrade"}).code, 2);
  EXPECT_EQ(ws_.Run({"--retries", "-1", "upgrade"}).code, 2);
  EXPECT_EQ(db_->Versions(), "aaaa0001");
}

}  // namespace
}  // namespace strata::testing
