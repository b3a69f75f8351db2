// The Migrator end to end on real databases (every backend of the run, see test_db.h): graphs
// built in memory, plans from the real planner, steps through the real driver.
#include "strata/migrator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <latch>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "driver/backend_fixture.h"
#include "driver/revision_spec.h"
#include "driver/test_db.h"
#include "strata/driver.h"
#include "strata/graph.h"

namespace strata {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using testing::RevSpec;
using testing::TableRev;

class RecordingObserver : public MigrationObserver {
 public:
  void OnStepStart(const Step& step) override {
    started.push_back(std::string(DirectionName(step.direction)) + " " + step.revision->id);
  }
  void OnStepDone(const Step& step, int64_t duration_ms) override {
    done.push_back(step.revision->id);
    EXPECT_GE(duration_ms, 0);
    if (after_done) after_done();
  }
  void OnInfo(const std::string& line) override { info.push_back(line); }

  std::vector<std::string> started;
  std::vector<std::string> done;
  std::vector<std::string> info;
  std::function<void()> after_done;
};

class MigratorTest : public testing::BackendFixture {
 protected:
  void Build(const std::vector<RevSpec>& specs) {
    Result<std::unique_ptr<RevisionGraph>> graph = testing::GraphOf(specs);
    ASSERT_TRUE(graph.ok()) << graph.status().ToString();
    graph_ = std::move(graph).value();
    migrator_ = std::make_unique<Migrator>(*driver_, *graph_, &observer_);
  }

  std::vector<std::string> Versions() {
    Result<std::vector<std::string>> v = migrator_->Current();
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : std::vector<std::string>{"<error>"};
  }

  RunResult Ok(Result<RunResult> r) {
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : RunResult{};
  }

  std::unique_ptr<RevisionGraph> graph_;
  RecordingObserver observer_;
  std::unique_ptr<Migrator> migrator_;
};

TEST_P(MigratorTest, CurrentOnAFreshDatabaseCreatesNothing) {
  Build({TableRev("aaaa", {})});
  EXPECT_THAT(Versions(), IsEmpty());
  EXPECT_FALSE(Exists("alembic_version"));
  EXPECT_FALSE(Exists("strata_log"));
}

TEST_P(MigratorTest, UpgradeHeadAppliesEveryRevisionInOrder) {
  Build({TableRev("aaaa", {}), TableRev("bbbb", {"aaaa"}), TableRev("cccc", {"bbbb"})});
  RunResult r = Ok(migrator_->Upgrade("head"));
  EXPECT_THAT(r.heads_before, IsEmpty());
  EXPECT_THAT(r.heads_after, ElementsAre("cccc"));
  EXPECT_EQ(r.steps_applied, 3);
  EXPECT_THAT(observer_.started, ElementsAre("upgrade aaaa", "upgrade bbbb", "upgrade cccc"));
  EXPECT_THAT(Versions(), ElementsAre("cccc"));
  EXPECT_TRUE(Exists("t_cccc"));

  Result<std::vector<LogEntry>> log = driver_->ReadLog(10);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 3u);
  EXPECT_EQ((*log)[0].revision, "cccc");
  EXPECT_EQ((*log)[0].checksum, SectionChecksum("CREATE TABLE t_cccc (x int);"));
  EXPECT_EQ((*log)[0].strata_version, StrataVersion());
  EXPECT_THAT((*log)[0].applied_by, HasSubstr("@"));

  // Again: nothing to do, still success.
  r = Ok(migrator_->Upgrade("head"));
  EXPECT_EQ(r.steps_applied, 0);
  EXPECT_THAT(r.heads_after, ElementsAre("cccc"));
}

TEST_P(MigratorTest, RelativeStepsAndBase) {
  Build({TableRev("aaaa", {}), TableRev("bbbb", {"aaaa"}), TableRev("cccc", {"bbbb"})});
  Ok(migrator_->Upgrade("+1"));
  EXPECT_THAT(Versions(), ElementsAre("aaaa"));
  Ok(migrator_->Upgrade("+2"));
  EXPECT_THAT(Versions(), ElementsAre("cccc"));
  Ok(migrator_->Downgrade("-1"));
  EXPECT_THAT(Versions(), ElementsAre("bbbb"));
  EXPECT_FALSE(Exists("t_cccc"));
  Ok(migrator_->Downgrade("aaaa"));
  EXPECT_THAT(Versions(), ElementsAre("aaaa"));
  RunResult r = Ok(migrator_->Downgrade("base"));
  EXPECT_THAT(r.heads_after, IsEmpty());
  EXPECT_THAT(Versions(), IsEmpty());
  EXPECT_FALSE(Exists("t_aaaa"));
  EXPECT_TRUE(Exists("alembic_version"));
}

TEST_P(MigratorTest, MergesMoveSeveralVersionRows) {
  Build({TableRev("aaaa", {}), TableRev("b1b1", {"aaaa"}), TableRev("b2b2", {"aaaa"}),
         TableRev("mmmm", {"b1b1", "b2b2"})});
  Ok(migrator_->Upgrade("b1b1"));
  EXPECT_THAT(Versions(), ElementsAre("b1b1"));
  Ok(migrator_->Upgrade("head"));
  EXPECT_THAT(Versions(), ElementsAre("mmmm"));
  EXPECT_TRUE(Exists("t_b2b2"));
  // Undoing the merge leaves both of its parents as heads ("-1" would be an ambiguous walk).
  Ok(migrator_->Downgrade("b1b1"));
  EXPECT_THAT(Versions(), ElementsAre("b1b1", "b2b2"));
  EXPECT_FALSE(Exists("t_mmmm"));
  EXPECT_TRUE(Exists("t_b2b2"));
  Ok(migrator_->Downgrade("base"));
  EXPECT_THAT(Versions(), IsEmpty());
}

TEST_P(MigratorTest, BranchLabels) {
  Build({TableRev("l1l1", {}, {"left"}), TableRev("l2l2", {"l1l1"}),
         TableRev("r1r1", {}, {"right"}), TableRev("r2r2", {"r1r1"})});
  Ok(migrator_->Upgrade("left@head"));
  EXPECT_THAT(Versions(), ElementsAre("l2l2"));
  EXPECT_FALSE(Exists("t_r1r1"));
  Ok(migrator_->Upgrade("heads"));
  EXPECT_THAT(Versions(), ElementsAre("l2l2", "r2r2"));
  Ok(migrator_->Downgrade("right@base"));
  EXPECT_THAT(Versions(), ElementsAre("l2l2"));
}

TEST_P(MigratorTest, FailureLeavesTheLastGoodRevision) {
  Build({TableRev("aaaa", {}),
         {"bbbb", {"aaaa"}, "CREATE TABLE t_bbbb (x int);\nINSERT INTO nope VALUES (1);", "", {}},
         TableRev("cccc", {"bbbb"})});
  Result<RunResult> r = migrator_->Upgrade("head");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), ErrorKind::kMigrationFailed);
  EXPECT_EQ(r.status().revision(), "bbbb");
  EXPECT_EQ(r.status().file(), "migrations/bbbb_test.sql");
  EXPECT_EQ(r.status().line(), 13);
  EXPECT_THAT(Versions(), ElementsAre("aaaa"));
  EXPECT_FALSE(Exists("t_bbbb"));
  EXPECT_THAT(observer_.done, ElementsAre("aaaa"));
}

TEST_P(MigratorTest, MissingDowngradeIsRefusedBeforeAnythingRuns) {
  Build({TableRev("aaaa", {}),
         {"bbbb", {"aaaa"}, "CREATE TABLE t_bbbb (x int);", {}, {}},
         TableRev("cccc", {"bbbb"})});
  Ok(migrator_->Upgrade("head"));
  Result<RunResult> r = migrator_->Downgrade("base");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().ToString(), HasSubstr("bbbb"));
  EXPECT_THAT(Versions(), ElementsAre("cccc"));
  EXPECT_TRUE(Exists("t_cccc"));
}

TEST_P(MigratorTest, PartialNonTransactionalFailureBlocksUntilStamped) {
  Build({TableRev("aaaa", {}),
         {"bbbb",
          {"aaaa"},
          "CREATE TABLE t_bbbb (x int);\nINSERT INTO nope VALUES (1);",
          "",
          {},
          /*transactional=*/false},
         TableRev("cccc", {"bbbb"})});
  Result<RunResult> r = migrator_->Upgrade("head");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), ErrorKind::kNeedsPerson);
  EXPECT_THAT(Versions(), ElementsAre("aaaa"));

  r = migrator_->Upgrade("head");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), ErrorKind::kNeedsPerson);
  EXPECT_EQ(r.status().revision(), "bbbb");
  EXPECT_THAT(r.status().message(), HasSubstr("INSERT INTO nope"));
  EXPECT_THAT(r.status().hint(), HasSubstr("strata stamp bbbb"));

  // The person finished bbbb by hand.
  Ok(migrator_->Stamp("bbbb", false));
  EXPECT_THAT(Versions(), ElementsAre("bbbb"));
  Ok(migrator_->Upgrade("head"));
  EXPECT_THAT(Versions(), ElementsAre("cccc"));
}

TEST_P(MigratorTest, StampWritesVersionsWithoutRunningSql) {
  Build({TableRev("aaaa", {}), TableRev("bbbb", {"aaaa"})});
  RunResult r = Ok(migrator_->Stamp("head", false));
  EXPECT_THAT(r.heads_after, ElementsAre("bbbb"));
  EXPECT_THAT(Versions(), ElementsAre("bbbb"));
  EXPECT_FALSE(Exists("t_aaaa"));
  Ok(migrator_->Stamp("aaaa", false));
  EXPECT_THAT(Versions(), ElementsAre("aaaa"));
  Ok(migrator_->Stamp("base", false));
  EXPECT_THAT(Versions(), IsEmpty());
  Result<std::vector<LogEntry>> log = driver_->ReadLog(10);
  ASSERT_TRUE(log.ok());
  for (const LogEntry& e : *log) EXPECT_EQ(e.direction, "stamp");
}

TEST_P(MigratorTest, UnknownHeadNeedsAPersonAndPurgeFixesIt) {
  Build({TableRev("aaaa", {})});
  ASSERT_TRUE(driver_->EnsureTables().ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO alembic_version VALUES ('zzzzzz')").ok());
  Result<std::vector<std::string>> current = migrator_->Current();
  ASSERT_FALSE(current.ok());
  EXPECT_EQ(current.status().kind(), ErrorKind::kNeedsPerson);
  EXPECT_THAT(current.status().message(), HasSubstr("zzzzzz"));
  Result<RunResult> r = migrator_->Upgrade("head");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), ErrorKind::kNeedsPerson);

  Ok(migrator_->Stamp("aaaa", /*purge=*/true));
  EXPECT_THAT(Versions(), ElementsAre("aaaa"));
}

TEST_P(MigratorTest, InterruptStopsBeforeTheNextStep) {
  Build({TableRev("aaaa", {}), TableRev("bbbb", {"aaaa"}), TableRev("cccc", {"bbbb"})});
  observer_.after_done = [&] { migrator_->Interrupt(); };
  Result<RunResult> r = migrator_->Upgrade("head");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), ErrorKind::kMigrationFailed);
  EXPECT_THAT(r.status().message(), HasSubstr("interrupted"));
  EXPECT_THAT(r.status().message(), HasSubstr("aaaa"));
  EXPECT_THAT(Versions(), ElementsAre("aaaa"));
  EXPECT_FALSE(Exists("t_bbbb"));
}

// Many processes running `upgrade head` at once: every revision is applied exactly once and
// every process succeeds. Threads with their own connections stand in for processes.
TEST_P(MigratorTest, RacingUpgradesApplyEachRevisionOnce) {
  constexpr int kRevisions = 12;
  constexpr int kRacers = 6;
  std::vector<RevSpec> specs;
  specs.push_back({"r00",
                   {},
                   "CREATE TABLE audit (rev VARCHAR(32));\n"
                   "INSERT INTO audit VALUES ('r00');",
                   "",
                   {}});
  for (int i = 1; i < kRevisions; ++i) {
    std::string id = (i < 10 ? "r0" : "r") + std::to_string(i);
    std::string parent = (i - 1 < 10 ? "r0" : "r") + std::to_string(i - 1);
    specs.push_back({id, {parent}, "INSERT INTO audit VALUES ('" + id + "');", "", {}});
  }
  Build(specs);

  std::vector<std::unique_ptr<Driver>> drivers;
  for (int i = 0; i < kRacers; ++i) {
    drivers.push_back(Open(DriverOptions()));
    ASSERT_NE(drivers.back(), nullptr);
  }
  std::latch start(kRacers);
  std::vector<Status> outcomes(kRacers);
  std::vector<int> applied(kRacers, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRacers; ++i) {
    threads.emplace_back([&, i] {
      Migrator migrator(*drivers[i], *graph_, nullptr);
      start.arrive_and_wait();
      Result<RunResult> r = migrator.Upgrade("head");
      outcomes[i] = r.ok() ? Status::Ok() : r.status();
      if (r.ok()) applied[i] = r->steps_applied;
    });
  }
  for (std::thread& t : threads) t.join();

  int total = 0;
  for (int i = 0; i < kRacers; ++i) {
    EXPECT_TRUE(outcomes[i].ok()) << "racer " << i << ": " << outcomes[i].ToString();
    total += applied[i];
  }
  EXPECT_EQ(total, kRevisions);
  EXPECT_THAT(Versions(), ElementsAre("r11"));
  Result<testing::Rows> audit =
      db_->Query("SELECT rev, count(*) FROM audit GROUP BY rev ORDER BY rev");
  ASSERT_TRUE(audit.ok()) << audit.status().ToString();
  ASSERT_EQ(audit->size(), static_cast<size_t>(kRevisions));
  for (const auto& row : *audit) EXPECT_EQ(row[1], "1") << row[0] << " applied " << row[1];
  Result<std::vector<LogEntry>> log = driver_->ReadLog(100);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->size(), static_cast<size_t>(kRevisions));
}

std::string BackendName(const ::testing::TestParamInfo<std::string>& param) { return param.param; }

INSTANTIATE_TEST_SUITE_P(Backends, MigratorTest, ::testing::ValuesIn(testing::TestBackends()),
                         BackendName);

}  // namespace
}  // namespace strata
