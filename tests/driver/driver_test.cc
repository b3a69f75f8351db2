// One scenario suite run against every database backend of the run (cf. dbmate's testEachURL):
// SQLite always, PostgreSQL when configured (test_db.h). Steps are built by hand here so that
// the driver is tested without the planner.
#include "strata/driver.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "driver/backend_fixture.h"
#include "driver/test_db.h"

namespace strata {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Revisions and steps built by hand; revisions live in a deque so Step pointers stay valid.
class Steps {
 public:
  const Revision& Add(std::string id, std::string upgrade_sql, std::string downgrade_sql = "",
                      bool transactional = true) {
    Revision r;
    r.id = std::move(id);
    r.path = "migrations/" + r.id + "_test.sql";
    r.transactional = transactional;
    r.upgrade = {std::move(upgrade_sql), 10};
    r.downgrade = SqlSection{std::move(downgrade_sql), 40};
    revisions_.push_back(std::move(r));
    return revisions_.back();
  }

  // An upgrade of `rev` from `from` (empty = base): one version change.
  Step Up(const Revision& rev, const std::string& from) {
    Step s;
    s.revision = &rev;
    s.direction = Direction::kUpgrade;
    if (from.empty()) {
      s.version_changes = {{VersionChange::Kind::kInsert, "", rev.id}};
    } else {
      s.from_ids = {from};
      s.heads_before = {from};
      s.version_changes = {{VersionChange::Kind::kUpdate, from, rev.id}};
    }
    s.to_ids = {rev.id};
    return s;
  }

  Step Down(const Revision& rev, const std::string& to) {
    Step s;
    s.revision = &rev;
    s.direction = Direction::kDowngrade;
    s.from_ids = {rev.id};
    s.heads_before = {rev.id};
    if (to.empty()) {
      s.version_changes = {{VersionChange::Kind::kDelete, rev.id, ""}};
    } else {
      s.to_ids = {to};
      s.version_changes = {{VersionChange::Kind::kUpdate, rev.id, to}};
    }
    return s;
  }

 private:
  std::deque<Revision> revisions_;
};

// "2026-02-09T10:21:33Z". (Not std::regex: GCC 12 warns inside it under the sanitizers.)
bool IsIsoUtc(const std::string& s) {
  const std::string shape = "dddd-dd-ddTdd:dd:ddZ";
  if (s.size() != shape.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (shape[i] == 'd' ? !std::isdigit(static_cast<unsigned char>(s[i])) : s[i] != shape[i]) {
      return false;
    }
  }
  return true;
}

StepRun RunOf(const Step& step, bool check_heads = false) {
  StepRun run;
  run.step = &step;
  run.checksum = std::string(64, 'c');
  run.applied_by = "tester@host";
  run.strata_version = "0.1.0-test";
  run.check_heads = check_heads;
  return run;
}

class DriverTest : public testing::BackendFixture {
 protected:
  std::vector<std::string> Versions() {
    Result<std::vector<std::string>> v = driver_->ReadVersions();
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : std::vector<std::string>{"<error>"};
  }

  std::vector<LogEntry> Log(int limit = 100) {
    Result<std::vector<LogEntry>> log = driver_->ReadLog(limit);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? *log : std::vector<LogEntry>{};
  }

  void Apply(const Step& step) {
    Result<StepOutcome> outcome = driver_->ApplyStep(RunOf(step));
    ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
    ASSERT_EQ(*outcome, StepOutcome::kApplied);
  }

  // Runs `step` while another thread calls Interrupt() once (a single Ctrl-C), as soon as
  // `ready()` says so, or at once. One call must be enough wherever it lands: before the step,
  // between its statements, or while the server is still waiting for them.
  Result<StepOutcome> ApplyInterrupted(const Step& step,
                                       const std::function<bool()>& ready = nullptr) {
    std::atomic<bool> done{false};
    std::thread interrupter([&] {
      while (ready && !done.load() && !ready()) std::this_thread::yield();
      if (!done.load()) driver_->Interrupt();
    });
    Result<StepOutcome> outcome = driver_->ApplyStep(RunOf(step));
    done.store(true);
    interrupter.join();
    return outcome;
  }

  Steps steps_;
};

TEST_P(DriverTest, FreshDatabaseReadsAsEmptyWithoutCreatingTables) {
  EXPECT_EQ(driver_->dialect(), db_->dialect());
  EXPECT_THAT(Versions(), IsEmpty());
  EXPECT_THAT(Log(), IsEmpty());
  Result<std::vector<LogEntry>> failures = driver_->UnresolvedFailures();
  ASSERT_TRUE(failures.ok()) << failures.status().ToString();
  EXPECT_THAT(*failures, IsEmpty());
  EXPECT_FALSE(Exists("alembic_version"));
  EXPECT_FALSE(Exists("strata_log"));
}

TEST_P(DriverTest, EnsureTablesCreatesAlembicsLayoutIdempotently) {
  ASSERT_TRUE(driver_->EnsureTables().ok());
  ASSERT_TRUE(driver_->EnsureTables().ok());
  EXPECT_TRUE(Exists("alembic_version"));
  EXPECT_TRUE(Exists("strata_log"));
  if (db_->dialect() == "sqlite") {
    Result<testing::Rows> cols =
        db_->Query("SELECT name, type, \"notnull\", pk FROM pragma_table_info('alembic_version')");
    ASSERT_TRUE(cols.ok()) << cols.status().ToString();
    EXPECT_THAT(*cols, ElementsAre(ElementsAre("version_num", "VARCHAR(32)", "1", "1")));
    Result<testing::Rows> sql =
        db_->Query("SELECT sql FROM sqlite_master WHERE name = 'alembic_version'");
    ASSERT_TRUE(sql.ok());
    EXPECT_THAT((*sql)[0][0], HasSubstr("CONSTRAINT \"alembic_version_pkc\" PRIMARY KEY"));
  } else {
    Result<testing::Rows> cols = db_->Query(
        "SELECT column_name, data_type, character_maximum_length, is_nullable FROM "
        "information_schema.columns WHERE table_name = 'alembic_version'");
    ASSERT_TRUE(cols.ok()) << cols.status().ToString();
    EXPECT_THAT(*cols, ElementsAre(ElementsAre("version_num", "character varying", "32", "NO")));
    Result<testing::Rows> pk = db_->Query(
        "SELECT constraint_name FROM information_schema.table_constraints WHERE table_name = "
        "'alembic_version' AND constraint_type = 'PRIMARY KEY'");
    ASSERT_TRUE(pk.ok()) << pk.status().ToString();
    EXPECT_THAT(*pk, ElementsAre(ElementsAre("alembic_version_pkc")));
  }
  // The version table is a set of heads: the primary key refuses duplicates.
  ASSERT_TRUE(db_->Exec("INSERT INTO alembic_version VALUES ('abc')").ok());
  EXPECT_FALSE(db_->Exec("INSERT INTO alembic_version VALUES ('abc')").ok());
}

TEST_P(DriverTest, VersionTableNameFromOptionsIsQuoted) {
  options_.version_table = "my \"odd\" versions";
  driver_ = Open(options_);
  ASSERT_NE(driver_, nullptr);
  ASSERT_TRUE(driver_->EnsureTables().ok());
  EXPECT_TRUE(Exists("my \"\"odd\"\" versions") || Exists("my \"odd\" versions"));
  const Revision& a = steps_.Add("a1", "CREATE TABLE t_a (x int);");
  Step up = steps_.Up(a, "");
  Apply(up);
  EXPECT_THAT(Versions(), ElementsAre("a1"));
}

TEST_P(DriverTest, ApplyStepWritesVersionRowsAndLog) {
  ASSERT_TRUE(driver_->EnsureTables().ok());
  const Revision& a = steps_.Add("aaaa", "CREATE TABLE t_a (x int);\nINSERT INTO t_a VALUES (1);",
                                 "DROP TABLE t_a;");
  const Revision& b = steps_.Add("bbbb", "CREATE TABLE t_b (x int);", "DROP TABLE t_b;");
  Step up_a = steps_.Up(a, "");
  Step up_b = steps_.Up(b, "aaaa");
  Apply(up_a);
  EXPECT_THAT(Versions(), ElementsAre("aaaa"));
  Apply(up_b);
  EXPECT_THAT(Versions(), ElementsAre("bbbb"));
  EXPECT_TRUE(Exists("t_a"));
  EXPECT_TRUE(Exists("t_b"));

  Step down_b = steps_.Down(b, "aaaa");
  Step down_a = steps_.Down(a, "");
  Apply(down_b);
  EXPECT_THAT(Versions(), ElementsAre("aaaa"));
  EXPECT_FALSE(Exists("t_b"));
  Apply(down_a);
  EXPECT_THAT(Versions(), IsEmpty());

  std::vector<LogEntry> log = Log();
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[0].revision, "aaaa");
  EXPECT_EQ(log[0].direction, "downgrade");
  EXPECT_EQ(log[3].revision, "aaaa");
  EXPECT_EQ(log[3].direction, "upgrade");
  EXPECT_GT(log[0].id, log[1].id);
  for (const LogEntry& e : log) {
    EXPECT_EQ(e.status, "done");
    EXPECT_EQ(e.checksum, std::string(64, 'c'));
    EXPECT_TRUE(IsIsoUtc(e.started_at)) << e.started_at;
    EXPECT_GE(e.duration_ms, 0);
    EXPECT_EQ(e.applied_by, "tester@host");
    EXPECT_EQ(e.strata_version, "0.1.0-test");
    EXPECT_EQ(e.error, "");
  }
  EXPECT_EQ(Log(1).size(), 1u);
}

TEST_P(DriverTest, TransactionalFailureRollsBackEverythingAndNamesFileLine) {
  ASSERT_TRUE(driver_->EnsureTables().ok());
  const Revision& a = steps_.Add("aaaa", "CREATE TABLE t_a (x int);");
  Step up_a = steps_.Up(a, "");
  Apply(up_a);
  // Section starts at file line 10; the failing statement starts on its 5th line, after a
  // comment, so the reported line is 14.
  const Revision& b = steps_.Add("bbbb",
                                 "CREATE TABLE t_b (x int);\n"
                                 "INSERT INTO t_b VALUES (1);\n"
                                 "\n"
                                 "-- this one is wrong\n"
                                 "INSERT INTO no_such_table VALUES (1);\n"
                                 "CREATE TABLE t_c (x int);\n");
  Step up_b = steps_.Up(b, "aaaa");
  Result<StepOutcome> outcome = driver_->ApplyStep(RunOf(up_b));
  ASSERT_FALSE(outcome.ok());
  const Status& s = outcome.status();
  EXPECT_EQ(s.kind(), ErrorKind::kMigrationFailed) << s.ToString();
  EXPECT_EQ(s.revision(), "bbbb");
  EXPECT_EQ(s.file(), "migrations/bbbb_test.sql");
  EXPECT_EQ(s.line(), 14) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("failed: "));
  EXPECT_THAT(s.message(), HasSubstr("no_such_table"));
  EXPECT_FALSE(s.hint().empty());

  EXPECT_THAT(Versions(), ElementsAre("aaaa"));
  EXPECT_FALSE(Exists("t_b"));
  EXPECT_FALSE(Exists("t_c"));
  EXPECT_EQ(Log().size(), 1u);  // only aaaa's row
  Result<std::vector<LogEntry>> failures = driver_->UnresolvedFailures();
  ASSERT_TRUE(failures.ok());
  EXPECT_THAT(*failures, IsEmpty());
}

// One wording on both drivers and in both directions: what failed (direction, revision, the
// database's error, which statement), file:line once, and the next step for that direction.
TEST_P(DriverTest, AFailedStepReadsTheSameOnEveryDriverInBothDirections) {
  ASSERT_TRUE(driver_->EnsureTables().ok());
  const Revision& a = steps_.Add("aaaa",
                                 "CREATE TABLE t_a (x int);\n"
                                 "INSERT INTO no_such_table VALUES (1);\n",
                                 "DROP TABLE t_a;\nDROP TABLE no_such_table;\n");
  for (bool up : {true, false}) {
    SCOPED_TRACE(up ? "upgrade" : "downgrade");
    const char* direction = up ? "upgrade" : "downgrade";
    Step step = up ? steps_.Up(a, "") : steps_.Down(a, "");
    if (!up) {
      Step fine = steps_.Up(steps_.Add("aaaa", "CREATE TABLE t_a (x int);"), "");
      Apply(fine);
    }
    Result<StepOutcome> outcome = driver_->ApplyStep(RunOf(step));
    ASSERT_FALSE(outcome.ok());
    const Status& s = outcome.status();
    EXPECT_EQ(s.kind(), ErrorKind::kMigrationFailed);
    EXPECT_EQ(s.file(), "migrations/aaaa_test.sql");
    EXPECT_EQ(s.line(), up ? 11 : 41);
    EXPECT_THAT(s.message(), ::testing::StartsWith(fmt::format("{} aaaa failed: ", direction)));
    EXPECT_THAT(s.message(), HasSubstr("no_such_table"));
    EXPECT_THAT(s.message(),
                ::testing::EndsWith(up ? "; statement 2: `INSERT INTO no_such_table VALUES (1)`"
                                       : "; statement 2: `DROP TABLE no_such_table`"));
    EXPECT_EQ(s.hint(), fmt::format("its transaction was rolled back and alembic_version is "
                                    "unchanged; fix the {0} section of migrations/aaaa_test.sql "
                                    "and run `strata {0}` again",
                                    direction));
    // file:line appears once in what the user reads.
    const std::string where = fmt::format("migrations/aaaa_test.sql:{}", up ? 11 : 41);
    const std::string text = s.ToString();
    EXPECT_EQ(text.find(where), 0u) << text;
    EXPECT_EQ(text.find(where, 1), std::string::npos) << text;
  }
}

// Data migrations are big: revisions of 1,000, 10,000 and 100,000 statements apply, and a bad
// statement near the end is named at its exact file:line. (No timing is asserted: bench/ has
// the figures. Before SQLite parsed in place, the 100,000 took about 20 s there.)
TEST_P(DriverTest, LargeRevisionsApplyAndNameTheBadStatementsLine) {
  ASSERT_TRUE(driver_->EnsureTables().ok());
  std::string parent;
  for (int n : {1000, 10000, 100000}) {
    SCOPED_TRACE(n);
    const std::string table = fmt::format("big{}", n);
    auto section = [&](int bad_at) {
      std::string sql = fmt::format("CREATE TABLE {} (id int, v text);\n", table);
      sql.reserve(static_cast<size_t>(n) * 48);
      for (int i = 0; i < n; ++i) {
        sql += i == bad_at ? fmt::format("INSERT INTO no_such_{} VALUES ({});\n", table, i)
                           : fmt::format("INSERT INTO {} VALUES ({}, 'value {}');\n", table, i, i);
      }
      return sql;
    };
    // The bad statement is the third from the end: line 10 (the section's first) + 1 + index.
    const int bad_at = n - 3;
    const Revision& bad = steps_.Add(fmt::format("bad{}", n), section(bad_at));
    Step up_bad = steps_.Up(bad, parent);
    Result<StepOutcome> failed = driver_->ApplyStep(RunOf(up_bad));
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.status().kind(), ErrorKind::kMigrationFailed) << failed.status().ToString();
    EXPECT_EQ(failed.status().file(), fmt::format("migrations/bad{}_test.sql", n));
    EXPECT_EQ(failed.status().line(), 10 + 1 + bad_at) << failed.status().ToString();
    EXPECT_THAT(failed.status().message(), HasSubstr(fmt::format("statement {}: ", bad_at + 2)));
    EXPECT_FALSE(Exists(table));

    const Revision& good = steps_.Add(fmt::format("good{}", n), section(-1));
    Step up_good = steps_.Up(good, parent);
    Apply(up_good);
    EXPECT_TRUE(Exists(table));
    parent = good.id;
  }
  EXPECT_THAT(Versions(), ElementsAre("good100000"));
}

// A section of N INSERTs into table t (after creating it): N + 1 statements.
std::string Inserts(int n) {
  std::string sql = "CREATE TABLE t (x int);\n";
  for (int i = 0; i < n; ++i) sql += fmt::format("INSERT INTO t VALUES ({});\n", i);
  return sql;
}

// on_progress hears a large revision as it runs (statements done never going back, bytes
// within the section) and once more, finished, with every statement done.
TEST_P(DriverTest, ProgressIsReportedWhileALargeRevisionRunsThenFinished) {
  std::vector<StepProgress> heard;
  options_.on_progress = [&heard](const StepProgress& p) { heard.push_back(p); };
  driver_ = Open(options_);
  ASSERT_NE(driver_, nullptr);
  ASSERT_TRUE(driver_->EnsureTables().ok());
  const Revision& big = steps_.Add("prog", Inserts(12000));
  Step up = steps_.Up(big, "");
  Apply(up);
  ASSERT_GE(heard.size(), 3u);
  for (size_t i = 0; i < heard.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(heard[i].step, &up);
    EXPECT_EQ(heard[i].bytes_total, big.upgrade.sql.size());
    EXPECT_LE(heard[i].bytes_done, heard[i].bytes_total);
    EXPECT_EQ(heard[i].finished, i + 1 == heard.size());
    if (i > 0) {
      EXPECT_GE(heard[i].statements_done, heard[i - 1].statements_done);
    }
  }
  EXPECT_GT(heard.front().statements_done, 0);
  EXPECT_LT(heard.front().statements_done, 12001);
  EXPECT_EQ(heard.back().statements_done, 12001);
  EXPECT_EQ(heard.back().bytes_done, heard.back().bytes_total);
}

// Ctrl-C in the middle of a large revision stops it there (the rest of its statements do not
// run first) and rolls it back. The interrupt comes from the progress callback, on the thread
// running the step, once 20,000 of its 100,001 statements have run.
TEST_P(DriverTest, InterruptInTheMiddleOfALargeRevisionStopsItThere) {
  int64_t last_done = 0;
  bool interrupted = false;
  options_.on_progress = [&](const StepProgress& p) {
    last_done = p.statements_done;
    if (!interrupted && p.statements_done >= 20000) {
      interrupted = true;
      driver_->Interrupt();
    }
  };
  driver_ = Open(options_);
  ASSERT_NE(driver_, nullptr);
  ASSERT_TRUE(driver_->EnsureTables().ok());
  const Revision& big = steps_.Add("intr", Inserts(100000));
  Step up = steps_.Up(big, "");
  Result<StepOutcome> outcome = driver_->ApplyStep(RunOf(up));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().kind(), ErrorKind::kMigrationFailed) << outcome.status().ToString();
  EXPECT_THAT(outcome.status().message(), HasSubstr("interrupted"));
  ASSERT_TRUE(interrupted);
  EXPECT_LT(last_done, 30000);
  EXPECT_FALSE(Exists("t"));
  EXPECT_THAT(Versions(), IsEmpty());
}

TEST_P(DriverTest, TransactionControlInATransactionalRevisionIsRefused) {
  ASSERT_TRUE(driver_->EnsureTables().ok());
  const Revision& a =
      steps_.Add("aaaa", "CREATE TABLE t_a (x int);\nCOMMIT;\nCREATE TABLE t_b (x int);");
  Step up = steps_.Up(a, "");
  Result<StepOutcome> outcome = driver_->ApplyStep(RunOf(up));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().kind(), ErrorKind::kMigrationFailed);
  EXPECT_EQ(outcome.status().line(), 11) << outcome.status().ToString();
  EXPECT_FALSE(Exists("t_a"));
  EXPECT_THAT(Versions(), IsEmpty());
}

TEST_P(DriverTest, SyntaxErrorReportsTheStatementsLine) {
  ASSERT_TRUE(driver_->EnsureTables().ok());
  const Revision& a = steps_.Add("aaaa", "CREATE TABLE t_a (x int);\n\nCREATE TABLEE oops;\n");
  Step up = steps_.Up(a, "");
  Result<StepOutcome> outcome = driver_->ApplyStep(RunOf(up));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().kind(), ErrorKind::kMigrationFailed);
  EXPECT_EQ(outcome.status().line(), 12) << outcome.status().ToString();
  EXPECT_FALSE(Exists("t_a"));
  EXPECT_THAT(Versions(), IsEmpty());
}

TEST_P(DriverTest, NonTransactionalPartialFailureNeedsAPerson) {
  ASSERT_TRUE(driver_->EnsureTables().ok());
  const Revision& a = steps_.Add("aaaa",
                                 "CREATE TABLE t_a (x int);\n"
                                 "INSERT INTO missing_table VALUES (1);\n"
                                 "CREATE TABLE t_never (x int);\n",
                                 "", /*transactional=*/false);
  Step up = steps_.Up(a, "");
  Result<StepOutcome> outcome = driver_->ApplyStep(RunOf(up));
  ASSERT_FALSE(outcome.ok());
  const Status& s = outcome.status();
  EXPECT_EQ(s.kind(), ErrorKind::kNeedsPerson) << s.ToString();
  EXPECT_EQ(s.line(), 11);
  EXPECT_THAT(s.message(), HasSubstr("INSERT INTO missing_table VALUES (1)"));
  EXPECT_THAT(s.hint(), HasSubstr("strata stamp aaaa"));

  EXPECT_TRUE(Exists("t_a"));  // committed before the failure
  EXPECT_FALSE(Exists("t_never"));
  EXPECT_THAT(Versions(), IsEmpty());
  Result<std::vector<LogEntry>> failures = driver_->UnresolvedFailures();
  ASSERT_TRUE(failures.ok()) << failures.status().ToString();
  ASSERT_EQ(failures->size(), 1u);
  EXPECT_EQ((*failures)[0].revision, "aaaa");
  EXPECT_EQ((*failures)[0].status, "failed");
  EXPECT_THAT((*failures)[0].error, HasSubstr("missing_table"));
  EXPECT_THAT((*failures)[0].error, HasSubstr("migrations/aaaa_test.sql:11"));

  // A person finished it by hand and stamps: resolved.
  StepRun info = RunOf(up);
  ASSERT_TRUE(driver_->Stamp({{VersionChange::Kind::kInsert, "", "aaaa"}}, info).ok());
  failures = driver_->UnresolvedFailures();
  ASSERT_TRUE(failures.ok());
  EXPECT_THAT(*failures, IsEmpty());
  EXPECT_THAT(Versions(), ElementsAre("aaaa"));
}

TEST_P(DriverTest, NonTransactionalSuccessIsRecorded) {
  ASSERT_TRUE(driver_->EnsureTables().ok());
  const Revision& a =
      steps_.Add("aaaa", "CREATE TABLE t_a (x int);\nCREATE INDEX i_a ON t_a (x);", "", false);
  Step up = steps_.Up(a, "");
  Apply(up);
  EXPECT_THAT(Versions(), ElementsAre("aaaa"));
  ASSERT_EQ(Log().size(), 1u);
  EXPECT_EQ(Log()[0].status, "done");
}

TEST_P(DriverTest, LaterSuccessResolvesAFailure) {
  ASSERT_TRUE(driver_->EnsureTables().ok());
  const Revision& bad = steps_.Add("aaaa", "SELECT * FROM missing_table;", "", false);
  Step up_bad = steps_.Up(bad, "");
  ASSERT_FALSE(driver_->ApplyStep(RunOf(up_bad)).ok());
  const Revision& good = steps_.Add("aaaa", "CREATE TABLE t_a (x int);", "", false);
  Step up_good = steps_.Up(good, "");
  Apply(up_good);
  Result<std::vector<LogEntry>> failures = driver_->UnresolvedFailures();
  ASSERT_TRUE(failures.ok());
  EXPECT_THAT(*failures, IsEmpty());
  ASSERT_EQ(Log().size(), 2u);
  EXPECT_EQ(Log()[1].status, "failed");
}

TEST_P(DriverTest, StampChangesVersionsAndLogsEachRevision) {
  ASSERT_TRUE(driver_->EnsureTables().ok());
  StepRun info;
  info.applied_by = "p@h";
  info.strata_version = "v";
  ASSERT_TRUE(driver_
                  ->Stamp({{VersionChange::Kind::kInsert, "", "aaaa"},
                           {VersionChange::Kind::kInsert, "", "bbbb"}},
                          info)
                  .ok());
  EXPECT_THAT(Versions(), ElementsAre("aaaa", "bbbb"));
  ASSERT_TRUE(driver_
                  ->Stamp({{VersionChange::Kind::kUpdate, "aaaa", "cccc"},
                           {VersionChange::Kind::kDelete, "bbbb", ""}},
                          info)
                  .ok());
  EXPECT_THAT(Versions(), ElementsAre("cccc"));
  std::vector<LogEntry> log = Log();
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[0].revision, "bbbb");
  EXPECT_EQ(log[1].revision, "cccc");
  for (const LogEntry& e : log) EXPECT_EQ(e.direction, "stamp");

  // Deleting a row that is not there is refused and changes nothing.
  Status missing = driver_->Stamp(
      {{VersionChange::Kind::kInsert, "", "dddd"}, {VersionChange::Kind::kDelete, "zzzz", ""}},
      info);
  EXPECT_FALSE(missing.ok());
  EXPECT_THAT(Versions(), ElementsAre("cccc"));
}

TEST_P(DriverTest, StaleHeadsAreDetectedBeforeRunning) {
  ASSERT_TRUE(driver_->EnsureTables().ok());
  const Revision& a = steps_.Add("aaaa", "CREATE TABLE t_a (x int);");
  const Revision& b = steps_.Add("bbbb", "CREATE TABLE t_b (x int);");
  Step up_a = steps_.Up(a, "");
  Step up_b = steps_.Up(b, "aaaa");
  // The database is at base, but this step expects aaaa: another process must have moved it.
  Result<StepOutcome> outcome = driver_->ApplyStep(RunOf(up_b, /*check_heads=*/true));
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(*outcome, StepOutcome::kStale);
  EXPECT_FALSE(Exists("t_b"));
  EXPECT_THAT(Log(), IsEmpty());

  outcome = driver_->ApplyStep(RunOf(up_a, true));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(*outcome, StepOutcome::kApplied);
  // A second process that planned from base now finds aaaa applied.
  auto other = Open(options_);
  ASSERT_NE(other, nullptr);
  outcome = other->ApplyStep(RunOf(up_a, true));
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(*outcome, StepOutcome::kStale);
  EXPECT_EQ(Log().size(), 1u);
}

TEST_P(DriverTest, LockHeldElsewhereTimesOut) {
  ASSERT_TRUE(driver_->EnsureTables().ok());
  options_.lock_timeout = std::chrono::seconds(1);
  std::vector<std::string> waits;
  options_.on_wait = [&](const std::string& line) { waits.push_back(line); };
  driver_ = Open(options_);
  ASSERT_NE(driver_, nullptr);
  ASSERT_TRUE(db_->HoldMigrationLock(options_).ok());
  const Revision& a = steps_.Add("aaaa", "CREATE TABLE t_a (x int);");
  Step up = steps_.Up(a, "");

  auto t0 = std::chrono::steady_clock::now();
  Status s = driver_->AcquireLock();
  if (s.ok()) {
    Result<StepOutcome> outcome = driver_->ApplyStep(RunOf(up, !driver_->lock_spans_run()));
    s = outcome.ok() ? Status::Ok() : outcome.status();
  }
  auto waited = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(db_->ReleaseHeldLock().ok());

  EXPECT_EQ(s.kind(), ErrorKind::kLockTimeout) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("try again later"));
  if (db_->dialect() == "sqlite") {
    EXPECT_THAT(s.message(), HasSubstr("test.db"));
  }
  EXPECT_GE(waited, std::chrono::milliseconds(900));  // it did wait for lock_timeout (1 s)
  EXPECT_FALSE(waits.empty());
  EXPECT_THAT(Versions(), IsEmpty());

  // Once the other holder is gone, the same driver proceeds.
  ASSERT_TRUE(driver_->AcquireLock().ok());
  Apply(up);
  ASSERT_TRUE(driver_->ReleaseLock().ok());
}

TEST_P(DriverTest, InterruptCancelsTheRunningStepAndRollsBack) {
  ASSERT_TRUE(driver_->EnsureTables().ok());
  const Revision& a =
      steps_.Add("aaaa", "CREATE TABLE t_a (x int);\n" + db_->SlowStatement() + "\n");
  Step up = steps_.Up(a, "");
  Result<StepOutcome> outcome = ApplyInterrupted(up);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().kind(), ErrorKind::kMigrationFailed);
  EXPECT_THAT(outcome.status().message(), HasSubstr("interrupted"));
  EXPECT_FALSE(Exists("t_a"));
  EXPECT_THAT(Versions(), IsEmpty());
  EXPECT_THAT(Log(), IsEmpty());
}

// Ctrl-C during a non-transactional revision: the running statement stops, the ones before it
// stay, and the partial failure is recorded (the next run must stop for a person) although the
// interrupt is still in force.
TEST_P(DriverTest, InterruptDuringANonTransactionalStepRecordsThePartialFailure) {
  ASSERT_TRUE(driver_->EnsureTables().ok());
  const Revision& a = steps_.Add("aaaa",
                                 "CREATE TABLE t_first (x int);\n" + db_->SlowStatement() +
                                     "\nCREATE TABLE t_never (x int);\n",
                                 "", /*transactional=*/false);
  Step up = steps_.Up(a, "");
  // Once the first statement took effect (seen on the side connection).
  Result<StepOutcome> outcome = ApplyInterrupted(up, [&] {
    Result<bool> exists = db_->TableExists("t_first");
    return exists.ok() && *exists;
  });
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().kind(), ErrorKind::kNeedsPerson) << outcome.status().ToString();
  EXPECT_TRUE(Exists("t_first"));
  EXPECT_FALSE(Exists("t_never"));
  EXPECT_THAT(Versions(), IsEmpty());
  std::vector<LogEntry> log = Log();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].revision, "aaaa");
  EXPECT_EQ(log[0].status, "failed");
  Result<std::vector<LogEntry>> failures = driver_->UnresolvedFailures();
  ASSERT_TRUE(failures.ok()) << failures.status().ToString();
  EXPECT_EQ(failures->size(), 1u);
}

TEST_P(DriverTest, DatabaseSizeIsReported) {
  ASSERT_TRUE(driver_->EnsureTables().ok());
  Result<std::optional<int64_t>> size = driver_->DatabaseSize();
  ASSERT_TRUE(size.ok()) << size.status().ToString();
  ASSERT_TRUE(size->has_value());
  EXPECT_GT(**size, 0);
}

std::string BackendName(const ::testing::TestParamInfo<std::string>& param) { return param.param; }

INSTANTIATE_TEST_SUITE_P(Backends, DriverTest, ::testing::ValuesIn(testing::TestBackends()),
                         BackendName);

// SQLite-only: how opening fails and what is created.
class SqliteOpenTest : public ::testing::Test {
 protected:
  Result<std::unique_ptr<Driver>> OpenUrl(const std::string& url) {
    Result<DatabaseUrl> parsed = ParseDatabaseUrl(url);
    if (!parsed.ok()) return parsed.status();
    return OpenDriver(*parsed, DriverOptions());
  }
  testing::TempDir dir_;
};

TEST_F(SqliteOpenTest, MissingFileIsCreated) {
  std::string path = dir_.path() + "/new.db";
  Result<std::unique_ptr<Driver>> driver = OpenUrl("sqlite:" + path);
  ASSERT_TRUE(driver.ok()) << driver.status().ToString();
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_FALSE((*driver)->lock_spans_run());
}

TEST_F(SqliteOpenTest, MissingDirectoryIsAConnectionError) {
  std::string url = "sqlite:" + dir_.path() + "/no/such/dir/x.db";
  Result<std::unique_ptr<Driver>> driver = OpenUrl(url);
  ASSERT_FALSE(driver.ok());
  EXPECT_EQ(driver.status().kind(), ErrorKind::kConnection);
  EXPECT_THAT(driver.status().message(), HasSubstr(url));
  EXPECT_THAT(driver.status().message(), HasSubstr("does not exist"));
}

TEST_F(SqliteOpenTest, DirectoryOrGarbageFileIsAConnectionError) {
  Result<std::unique_ptr<Driver>> driver = OpenUrl("sqlite:" + dir_.path());
  ASSERT_FALSE(driver.ok());
  EXPECT_EQ(driver.status().kind(), ErrorKind::kConnection);

  std::string path = dir_.path() + "/garbage.db";
  std::ofstream(path) << std::string(4096, 'x');
  driver = OpenUrl("sqlite:" + path);
  ASSERT_FALSE(driver.ok());
  EXPECT_EQ(driver.status().kind(), ErrorKind::kConnection) << driver.status().ToString();
  EXPECT_THAT(driver.status().message(), HasSubstr("not a database"));
}

TEST_F(SqliteOpenTest, InMemoryDatabaseWorks) {
  Result<std::unique_ptr<Driver>> driver = OpenUrl("sqlite::memory:");
  ASSERT_TRUE(driver.ok()) << driver.status().ToString();
  ASSERT_TRUE((*driver)->EnsureTables().ok());
  Result<std::vector<std::string>> versions = (*driver)->ReadVersions();
  ASSERT_TRUE(versions.ok());
  EXPECT_THAT(*versions, IsEmpty());
}

// In a death test's child process (the module is loaded once per process, and "threadsafe"
// death tests re-execute the binary, where nothing has loaded it yet): opens a PostgreSQL driver
// for a URL with a password, with STRATA_POSTGRES_MODULE=`module`, and prints what happened for
// the death test's matcher. Returns the error text when it is a connection error, else a text
// that no check matches.
std::string OpenPostgresWithModule(const std::string& module) {
  setenv("STRATA_POSTGRES_MODULE", module.c_str(), 1);
  Result<DatabaseUrl> url = ParseDatabaseUrl("postgresql://bob:hunter2@localhost/app");
  Result<std::unique_ptr<Driver>> driver = OpenDriver(*url, DriverOptions());
  std::string text = driver.ok() ? "opened" : driver.status().ToString();
  std::fprintf(stderr, "%s\n", text.c_str());
  bool connection_error = !driver.ok() && driver.status().kind() == ErrorKind::kConnection;
  return connection_error ? text : "(opened, or not a connection error)";
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(RegistryDeathTest, UnloadableModuleIsAConnectionErrorNamingIt) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  testing::TempDir dir;
  std::string path = dir.path() + "/strata_postgres.so";
  std::ofstream(path) << "not a shared object";
  EXPECT_EXIT(
      {
        std::string text = OpenPostgresWithModule(path);
        // Not a missing libpq: installing libpq5 would not help, so the hint must not say so.
        std::exit(Has(text, "cannot load the PostgreSQL driver module " + path) &&
                          Has(text, "came with this strata") && !Has(text, "libpq5") &&
                          !Has(text, "hunter2")
                      ? 0
                      : 1);
      },
      ::testing::ExitedWithCode(0), "cannot load the PostgreSQL driver module");
}

// STRATA_POSTGRES_MODULE is the only place looked at when set, so a wrong path is reported even
// though the build's own module exists; the URL in the message is masked.
TEST(RegistryDeathTest, MissingModuleSaysWhereItLooked) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  testing::TempDir dir;
  std::string path = dir.path() + "/nowhere/strata_postgres.so";
  EXPECT_EXIT(
      {
        std::string text = OpenPostgresWithModule(path);
        std::exit(Has(text, "looked in: " + path + ")") && Has(text, "bob:***@localhost") &&
                          !Has(text, "hunter2")
                      ? 0
                      : 1);
      },
      ::testing::ExitedWithCode(0), "strata_postgres.so was not found");
}

}  // namespace
}  // namespace strata
