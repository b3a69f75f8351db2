// The fleet's pure parts: target lists, servers of URLs, and the scheduler's rules (parallel,
// per-host, canary, on-error, interrupt) with work functions of the test's own, synchronised
// through a gate the test opens one target at a time.
#include "strata/fleet.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "strata/script.h"

namespace strata {
namespace {

TEST(ParseTargetList, SkipsBlanksAndComments) {
  Result<std::vector<FleetTarget>> t = ParseTargetList(
      "# tenants\n\npostgresql://app:pw@db1:5433/t1\n  sqlite:a.db  \r\n# end", "list.txt");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[0].url, "postgresql://app:pw@db1:5433/t1");
  EXPECT_EQ((*t)[0].display, "postgresql://app:***@db1:5433/t1");
  EXPECT_EQ((*t)[0].host, "db1:5433");
  EXPECT_EQ((*t)[0].line, 3);
  EXPECT_EQ((*t)[1].url, "sqlite:a.db");
  EXPECT_EQ((*t)[1].host, "sqlite");
  EXPECT_EQ((*t)[1].line, 4);
}

TEST(ParseTargetList, ReportsEveryBadLineWithItsNumberAndNoPassword) {
  Result<std::vector<FleetTarget>> t = ParseTargetList(
      "mysql://u:sekrit@h/db\npostgresql://a@h/x\npostgresql://a@h/x\n", "fleet.txt");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().kind(), ErrorKind::kUsage);
  std::string all = t.status().ToString();
  EXPECT_NE(all.find("fleet.txt:1"), std::string::npos) << all;
  EXPECT_NE(all.find("fleet.txt:3"), std::string::npos) << all;
  EXPECT_NE(all.find("listed twice"), std::string::npos) << all;
  EXPECT_EQ(all.find("sekrit"), std::string::npos) << all;
}

TEST(ParseTargetList, AnEmptyListIsAnError) {
  for (const char* text : {"", "\n\n", "# only a comment\n"}) {
    Result<std::vector<FleetTarget>> t = ParseTargetList(text, "stdin");
    ASSERT_FALSE(t.ok()) << text;
    EXPECT_NE(t.status().message().find("stdin lists no database URL"), std::string::npos);
  }
}

TEST(TargetsFromUrls, NamesRows) {
  Result<std::vector<FleetTarget>> t = TargetsFromUrls({"sqlite:a.db", "nope"}, "--targets-query");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().ToString().find("--targets-query, row 2"), std::string::npos);
}

TEST(TargetHost, FillsLibpqDefaults) {
  struct Case {
    const char* url;
    const char* host;
  } cases[] = {
      {"postgresql://u:p@db.example:6432/app", "db.example:6432"},
      {"postgres://db/app", "db:5432"},
      {"postgresql:///app?host=/var/run/postgresql&port=5433", "/var/run/postgresql:5433"},
      {"postgresql://u@[::1]:5434/app", "[::1]:5434"},
      {"postgresql://h1:5001,h2:5002/app", "h1:5001"},
      {"host=10.0.0.7 port=5999 dbname=app", "10.0.0.7:5999"},
      {"dbname=app", "localhost:5432"},
      {"sqlite:x.db", "sqlite"},
      {"sqlite:///abs/y.db", "sqlite"},
  };
  for (const Case& c : cases) EXPECT_EQ(TargetHost(c.url), c.host) << c.url;
}

std::vector<FleetTarget> Targets(int n, int hosts = 1) {
  std::string text;
  for (int i = 0; i < n; ++i) {
    text += "postgresql://h" + std::to_string(i % hosts) + "/db" + std::to_string(i) + "\n";
  }
  return *ParseTargetList(text, "test");
}

// Work that holds each target until the test lets one go, and records how many ran at once.
class Gate {
 public:
  TargetResult Work(const FleetTarget& t, size_t index) {
    std::unique_lock<std::mutex> lock(mu_);
    ++running_;
    ++per_host_[t.host];
    max_running_ = std::max(max_running_, running_);
    max_per_host_ = std::max(max_per_host_, per_host_[t.host]);
    started_.push_back(index);
    cv_.notify_all();
    cv_.wait(lock, [&] { return tokens_ > 0; });
    --tokens_;
    --running_;
    --per_host_[t.host];
    ++finished_[t.host];
    cv_.notify_all();
    TargetResult r;
    r.state = fail_.count(index) ? TargetResult::State::kFailed : TargetResult::State::kDone;
    r.exit_code = fail_.count(index) ? fail_code_ : 0;
    return r;
  }
  // Waits (with a deadline) until `n` targets are running, then lets one finish.
  bool ReleaseWhenRunning(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(20),
                      [&] { return running_ == n && tokens_ == 0; })) {
      return false;
    }
    ++tokens_;
    cv_.notify_all();
    return true;
  }
  // The same once the runner filled every slot it may: per host min(cap, targets not finished
  // there), at most `parallel` in all. Which target finishes is up to the threads, so the
  // number to wait for follows from what finished so far.
  bool ReleaseWhenSettled(int parallel, int per_host, const std::map<std::string, int>& totals) {
    std::unique_lock<std::mutex> lock(mu_);
    auto settled = [&] {
      int expected = 0;
      for (const auto& [host, total] : totals) {
        int left = total - finished_[host];
        expected += per_host > 0 ? std::min(per_host, left) : left;
      }
      return tokens_ == 0 && running_ == std::min(parallel, expected);
    };
    if (!cv_.wait_for(lock, std::chrono::seconds(20), settled)) return false;
    ++tokens_;
    cv_.notify_all();
    return true;
  }
  void ReleaseAll() {
    std::lock_guard<std::mutex> lock(mu_);
    tokens_ = 1 << 20;
    cv_.notify_all();
  }
  int max_running() {
    std::lock_guard<std::mutex> lock(mu_);
    return max_running_;
  }
  int max_per_host() {
    std::lock_guard<std::mutex> lock(mu_);
    return max_per_host_;
  }
  std::vector<size_t> started() {
    std::lock_guard<std::mutex> lock(mu_);
    return started_;
  }
  std::set<size_t> fail_;
  int fail_code_ = 1;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int running_ = 0, max_running_ = 0, max_per_host_ = 0, tokens_ = 0;
  std::map<std::string, int> per_host_;
  std::map<std::string, int> finished_;
  std::vector<size_t> started_;
};

FleetWork WorkOf(Gate& gate) {
  return [&gate](const FleetTarget& t, size_t index, const InterruptSlot&) {
    return gate.Work(t, index);
  };
}

std::map<std::string, int> Totals(const std::vector<FleetTarget>& targets) {
  std::map<std::string, int> totals;
  for (const FleetTarget& t : targets) ++totals[t.host];
  return totals;
}

TEST(FleetRunner, NeverRunsMoreThanParallelAtOnce) {
  Gate gate;
  FleetOptions o;
  o.parallel = 3;
  FleetRunner runner(o, nullptr);
  std::vector<FleetTarget> targets = Targets(10, 10);
  FleetSummary summary;
  std::thread t([&] { summary = runner.Run(targets, WorkOf(gate)); });
  // Each release happens only once `parallel` targets (or all that are left) are running.
  bool settled = true;
  for (int left = 10; left > 0 && settled; --left) {
    settled = gate.ReleaseWhenSettled(3, 0, Totals(targets));
  }
  gate.ReleaseAll();
  t.join();
  EXPECT_TRUE(settled);
  EXPECT_EQ(gate.max_running(), 3);
  EXPECT_EQ(summary.done, 10);
  EXPECT_EQ(summary.worst_exit_code, 0);
}

TEST(FleetRunner, CapsTargetsPerHost) {
  Gate gate;
  FleetOptions o;
  o.parallel = 8;
  o.per_host = 2;
  FleetRunner runner(o, nullptr);
  std::vector<FleetTarget> targets = Targets(12, 2);  // h0 and h1, six each
  FleetSummary summary;
  std::thread t([&] { summary = runner.Run(targets, WorkOf(gate)); });
  bool settled = true;
  for (int left = 12; left > 0 && settled; --left) {
    settled = gate.ReleaseWhenSettled(8, 2, Totals(targets));
  }
  gate.ReleaseAll();
  t.join();
  EXPECT_TRUE(settled);
  EXPECT_EQ(gate.max_per_host(), 2);
  EXPECT_EQ(gate.max_running(), 4);
  EXPECT_EQ(summary.done, 12);
}

TEST(FleetRunner, FailedCanaryStopsTheRest) {
  Gate gate;
  gate.fail_ = {1};
  gate.ReleaseAll();
  FleetOptions o;
  o.parallel = 4;
  o.canary = 2;
  FleetRunner runner(o, nullptr);
  FleetSummary summary = runner.Run(Targets(6, 6), WorkOf(gate));
  EXPECT_TRUE(summary.canary_failed);
  EXPECT_EQ(gate.started().size(), 2u);
  EXPECT_EQ(summary.results[0].state, TargetResult::State::kDone);
  EXPECT_EQ(summary.results[1].state, TargetResult::State::kFailed);
  for (size_t i = 2; i < 6; ++i) {
    EXPECT_EQ(summary.results[i].state, TargetResult::State::kNotRun);
    EXPECT_NE(summary.results[i].error.find("canary"), std::string::npos);
  }
  EXPECT_EQ(summary.worst_exit_code, 1);
}

TEST(FleetRunner, CanariesRunAloneFirst) {
  Gate gate;
  FleetOptions o;
  o.parallel = 4;
  o.canary = 2;
  FleetRunner runner(o, nullptr);
  FleetSummary summary;
  std::thread t([&] { summary = runner.Run(Targets(6, 6), WorkOf(gate)); });
  // Only the two canaries start, however many slots are free.
  bool settled =
      gate.ReleaseWhenRunning(2) && gate.ReleaseWhenRunning(1) && gate.ReleaseWhenRunning(4);
  gate.ReleaseAll();
  t.join();
  EXPECT_TRUE(settled);
  std::vector<size_t> started = gate.started();
  ASSERT_EQ(started.size(), 6u);
  EXPECT_EQ(std::set<size_t>(started.begin(), started.begin() + 2), (std::set<size_t>{0, 1}));
  EXPECT_EQ(summary.done, 6);
}

TEST(FleetRunner, ContinueRunsEveryTargetAndReportsTheWorstExitCode) {
  Gate gate;
  gate.fail_ = {2, 5};
  gate.fail_code_ = 4;
  gate.ReleaseAll();
  FleetOptions o;
  o.parallel = 2;
  FleetSummary summary = FleetRunner(o, nullptr).Run(Targets(8, 8), WorkOf(gate));
  EXPECT_EQ(summary.failed, 2);
  EXPECT_EQ(summary.done, 6);
  EXPECT_EQ(summary.not_run, 0);
  EXPECT_EQ(summary.worst_exit_code, 4);
}

TEST(FleetRunner, StopStartsNothingAfterAFailure) {
  Gate gate;
  gate.fail_ = {2};
  gate.ReleaseAll();
  FleetOptions o;
  o.parallel = 1;
  o.stop_on_error = true;
  FleetSummary summary = FleetRunner(o, nullptr).Run(Targets(8, 8), WorkOf(gate));
  EXPECT_EQ(gate.started().size(), 3u);
  EXPECT_TRUE(summary.stopped);
  EXPECT_EQ(summary.done, 2);
  EXPECT_EQ(summary.failed, 1);
  EXPECT_EQ(summary.not_run, 5);
  EXPECT_NE(summary.results[7].error.find("postgresql://h2/db2 failed"), std::string::npos)
      << summary.results[7].error;
}

TEST(FleetRunner, StopRequestInterruptsRunningTargetsAndStartsNoMore) {
  std::atomic<bool> stop{false};
  std::atomic<int> interrupted{0};
  std::atomic<int> started{0};
  FleetOptions o;
  o.parallel = 2;
  o.stop_requested = &stop;
  FleetRunner runner(o, nullptr);
  FleetWork work = [&](const FleetTarget&, size_t, const InterruptSlot& slot) {
    std::mutex mu;
    std::condition_variable cv;
    bool hit = false;
    slot([&] {
      std::lock_guard<std::mutex> g(mu);
      hit = true;
      cv.notify_all();
    });
    ++started;
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::seconds(30), [&] { return hit; });
    lock.unlock();
    slot(nullptr);
    TargetResult r;
    if (hit) {
      ++interrupted;
      r.state = TargetResult::State::kFailed;
      r.exit_code = 1;
      r.error = "interrupted";
    }
    return r;
  };
  FleetSummary summary;
  std::thread t([&] { summary = runner.Run(Targets(6, 6), work); });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (started.load() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  stop.store(true);  // as the signal handler does
  t.join();
  EXPECT_EQ(started.load(), 2);
  EXPECT_EQ(interrupted.load(), 2);
  EXPECT_EQ(summary.not_run, 4);
  EXPECT_EQ(summary.worst_exit_code, 1);
  EXPECT_TRUE(summary.stopped);
}

// The whole loop with real drivers: 48 SQLite databases migrated 8 at a time, then resumed
// (all skipped), checked and downgraded. The ThreadSanitizer build runs this one (scripts/test.sh).
TEST(RunFleet, ManySqliteDatabasesAtOnce) {
  namespace fs = std::filesystem;
  char tmpl[] = "/tmp/strata-fleet-XXXXXX";
  fs::path dir = mkdtemp(tmpl);
  fs::create_directories(dir / "migrations");
  for (int i = 1; i <= 5; ++i) {
    std::string id = "cccc000" + std::to_string(i);
    std::ofstream(dir / "migrations" / (id + "_r.sql"))
        << "-- r\n--\n-- Revision ID: " << id
        << "\n-- Revises: " << (i == 1 ? std::string() : "cccc000" + std::to_string(i - 1))
        << "\n\n-- migrate:upgrade\nCREATE TABLE t" << i << " (id integer);\nINSERT INTO t" << i
        << " VALUES (1), (2), (3);\n-- migrate:downgrade\nDROP TABLE t" << i << ";\n";
  }
  Result<RevisionGraph> graph = LoadScriptDirectory((dir / "migrations").string());
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  std::string list;
  for (int i = 0; i < 48; ++i)
    list += "sqlite:///" + (dir / ("db" + std::to_string(i) + ".db")).string() + "\n";
  Result<std::vector<FleetTarget>> targets = ParseTargetList(list, "test");
  ASSERT_TRUE(targets.ok());

  FleetRequest request;
  request.graph = &*graph;
  request.command = FleetCommand::kUpgrade;
  FleetOptions options;
  options.parallel = 8;
  FleetSummary up = RunFleet(request, *targets, options, nullptr);
  EXPECT_EQ(up.done, 48);
  EXPECT_EQ(up.worst_exit_code, 0);
  for (const TargetResult& r : up.results) {
    EXPECT_EQ(r.heads_after, std::vector<std::string>{"cccc0005"}) << r.target << r.error;
    EXPECT_EQ(r.steps.size(), 5u);
  }
  FleetSummary again = RunFleet(request, *targets, options, nullptr);
  EXPECT_EQ(again.skipped, 48);
  request.command = FleetCommand::kCheck;
  EXPECT_EQ(RunFleet(request, *targets, options, nullptr).worst_exit_code, 0);
  request.command = FleetCommand::kDowngrade;
  request.target = "base";
  FleetSummary down = RunFleet(request, *targets, options, nullptr);
  EXPECT_EQ(down.done, 48);
  EXPECT_TRUE(down.results[47].heads_after.empty());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace strata
