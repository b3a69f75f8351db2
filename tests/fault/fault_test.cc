// Fault injection (ctest label `fault`): strata killed with SIGKILL at random points of a
// 40-revision run on both drivers, the PostgreSQL server crashed (pg_ctl restart -m immediate)
// in the middle of a transactional and of a `Transactional: false` revision, the TCP connection
// cut by a proxy, SIGTERM, and a backup that fills its disk (a 256 KB tmpfs). After each fault the
// version table must match the schema (read with `strata schema`, the snapshot module) and the next
// run must finish, or stop with exit 7 naming the revision that was cut part way.
//
// STRATA_FAULT_ITERATIONS sets the kill -9 iterations per driver (10 by default, for CI; 100 on
// demand: `STRATA_FAULT_ITERATIONS=100 ctest -L fault`).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cli/pg_servers.h"
#include "cli/strata_runner.h"
#include "cli/test_database.h"

namespace strata::testing {
namespace {

constexpr int kRevisions = 40;

std::string Id(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "ffff%04d", i);
  return buf;
}

int Iterations() {
  const char* env = std::getenv("STRATA_FAULT_ITERATIONS");
  return env != nullptr && std::atoi(env) > 0 ? std::atoi(env) : 10;
}

// Every 8th revision runs outside a transaction, as two statements: a kill between them leaves
// its first table behind with the version table one revision short (a partial failure).
bool NonTransactional(int i) { return i % 8 == 0; }

// Rows enough that a revision takes a few milliseconds, so kills land inside revisions too.
std::string Fill(int i) {
  return "INSERT INTO t" + std::to_string(i) +
         " SELECT x FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
         "WHERE x < 3000) SELECT x FROM c) AS s;";
}

void WriteChain(Workspace& ws) {
  for (int i = 1; i <= kRevisions; ++i) {
    std::string t = "t" + std::to_string(i);
    std::string up, extra;
    if (NonTransactional(i)) {
      extra = "-- Transactional: false\n";
      up = "CREATE TABLE " + t + "_a (id integer);\nCREATE TABLE " + t + " (id integer);";
    } else {
      up = "CREATE TABLE " + t + " (id integer);\n" + Fill(i);
    }
    ws.Write("migrations/" + Id(i) + "_rev.sql",
             RevisionText(
                 Id(i), i == 1 ? "" : Id(i - 1), up,
                 "DROP TABLE " + t + ";" + (NonTransactional(i) ? "\nDROP TABLE " + t + "_a;" : ""),
                 "", extra));
  }
}

// The tables `strata schema --format json` (the snapshot module) sees, strata's own left out.
std::set<std::string> SnapshotTables(Workspace& ws) {
  Output o = ws.Run({"schema", "--format", "json"});
  EXPECT_EQ(o.code, 0) << o.err;
  std::set<std::string> tables;
  nlohmann::json doc = nlohmann::json::parse(o.out, nullptr, false);
  if (doc.is_discarded()) return tables;
  for (const nlohmann::json& obj : doc["objects"]) {
    if (obj["kind"] != "table") continue;
    std::string name = obj["name"];
    if (size_t dot = name.rfind('.'); dot != std::string::npos) name = name.substr(dot + 1);
    tables.insert(name);
  }
  return tables;
}

// How many revisions the version table says are applied (0..kRevisions).
int AppliedCount(const TestDatabase& db) {
  std::string v = db.Versions();
  if (v.empty()) return 0;
  return std::atoi(v.substr(4).c_str());
}

std::set<std::string> ExpectedTables(int applied) {
  std::set<std::string> out;
  for (int i = 1; i <= applied; ++i) {
    out.insert("t" + std::to_string(i));
    if (NonTransactional(i)) out.insert("t" + std::to_string(i) + "_a");
  }
  return out;
}

class KillNine : public ::testing::TestWithParam<Backend> {};

TEST_P(KillNine, VersionTableMatchesTheSchemaAfterEveryKill) {
  Workspace ws;
  WriteChain(ws);
  // How long a whole run takes here, so that kills spread over all of it.
  std::chrono::milliseconds full{0};
  {
    STRATA_CREATE_TEST_DB(probe, GetParam(), ws.dir());
    ws.SetEnv("STRATA_URL", probe->url());
    auto t0 = std::chrono::steady_clock::now();
    Output o = ws.Run({"-q", "upgrade"});
    ASSERT_EQ(o.code, 0) << o.err;
    full = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 t0);
  }
  std::mt19937 rng(
      static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::uniform_int_distribution<int> delay(0, static_cast<int>(full.count()) + 20);
  std::map<std::string, int> outcomes;
  const int iterations = Iterations();
  for (int it = 0; it < iterations; ++it) {
    STRATA_CREATE_TEST_DB(db, GetParam(), ws.dir());
    ws.SetEnv("STRATA_URL", db->url());
    if (GetParam() == Backend::kSqlite) std::remove(ws.path("test.db").c_str());
    auto child = ws.Start({"-q", "upgrade"});
    std::this_thread::sleep_for(std::chrono::milliseconds(delay(rng)));  // the random point
    child->Signal(SIGKILL);
    Output killed = child->Wait();

    int applied = AppliedCount(*db);
    std::set<std::string> tables = SnapshotTables(ws);
    std::set<std::string> expected = ExpectedTables(applied);
    bool partial = false;
    if (tables != expected && applied < kRevisions && NonTransactional(applied + 1)) {
      // Killed inside a Transactional: false revision, after its first statement (or after its
      // last, before it was recorded): some of its tables exist, the version table is behind.
      std::set<std::string> next_all = ExpectedTables(applied + 1);
      partial = std::includes(tables.begin(), tables.end(), expected.begin(), expected.end()) &&
                std::includes(next_all.begin(), next_all.end(), tables.begin(), tables.end());
      if (partial) expected = tables;
    }
    ASSERT_EQ(tables, expected) << "iteration " << it << ": version table says " << applied
                                << " applied (" << db->Versions() << ")";

    Output next = ws.Run({"upgrade"});
    if (partial) {
      // The next run re-runs the cut revision, whose first statement now fails: exit 7 naming
      // it (a person finishes it), never a silent skip.
      ASSERT_EQ(next.code, 7) << next.err;
      EXPECT_NE(next.err.find(Id(applied + 1)), std::string::npos) << next.err;
      outcomes["partial, then exit 7"]++;
    } else {
      ASSERT_EQ(next.code, 0) << "iteration " << it << ": " << next.err;
      EXPECT_EQ(SnapshotTables(ws), ExpectedTables(kRevisions));
      EXPECT_EQ(db->Versions(), Id(kRevisions));
      outcomes[killed.code == 0 ? "finished before the kill"
                                : "killed at revision " + std::to_string(applied / 10 * 10) + "-" +
                                      std::to_string(applied / 10 * 10 + 9)]++;
    }
  }
  std::string summary;
  for (const auto& [what, n] : outcomes) summary += "  " + what + ": " + std::to_string(n) + "\n";
  std::printf("kill -9 over a %d-revision run (%lld ms), %d iterations:\n%s", kRevisions,
              static_cast<long long>(full.count()), iterations, summary.c_str());
}

INSTANTIATE_TEST_SUITE_P(Drivers, KillNine, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& p) { return std::string(BackendName(p.param)); });

// A revision that sleeps while the table `go_slow` exists, so the test decides when it is slow.
std::string SlowUpgrade(const std::string& table) {
  return "CREATE TABLE IF NOT EXISTS " + table +
         " (id integer);\nSELECT pg_sleep(CASE WHEN EXISTS (SELECT 1 FROM pg_tables WHERE "
         "tablename = 'go_slow') THEN 60 ELSE 0 END);\nCREATE TABLE IF NOT EXISTS " +
         table + "_done (id integer);";
}

bool Sleeping(const std::string& url) {
  return Trimmed(Psql(url,
                      "SELECT count(*) FROM pg_stat_activity WHERE query LIKE "
                      "'%pg_sleep(CASE%' AND state = 'active' AND pid <> "
                      "pg_backend_pid()")) != "0";
}

class ServerRestart : public ::testing::TestWithParam<bool> {};

TEST_P(ServerRestart, MidRevisionGivesAClearErrorAndTheNextRunRecovers) {
  const bool transactional = GetParam();
  const char* pg = std::getenv("STRATA_TEST_PG_URL");
  if ((pg == nullptr || *pg == '\0') && !PgRequired()) GTEST_SKIP() << "no PostgreSQL";
  OwnCluster server;
  ASSERT_FALSE(server.url().empty()) << server.error();
  Workspace ws;
  // The test clusters commit asynchronously (-c synchronous_commit=off); strata's own session
  // commits synchronously here, so a crash cannot lose what strata saw committed.
  ws.SetEnv("STRATA_URL", server.url() + "?options=-csynchronous_commit%3Don");
  ws.Write("migrations/gggg0001_rev.sql",
           RevisionText("gggg0001", "", "CREATE TABLE first (id integer);", "DROP TABLE first;"));
  ws.Write("migrations/gggg0002_rev.sql",
           RevisionText("gggg0002", "gggg0001", SlowUpgrade("slow"), "DROP TABLE slow;", "",
                        transactional ? "" : "-- Transactional: false\n"));
  Psql(server.url(), "CREATE TABLE go_slow ()");
  auto child = ws.Start({"upgrade"});
  ASSERT_TRUE(PollUntil([&] { return Sleeping(server.url()); }));
  ASSERT_TRUE(server.RestartImmediate());
  Output cut = child->Wait();
  EXPECT_EQ(cut.code, 4) << cut.err;
  EXPECT_NE(cut.err.find("gggg0002"), std::string::npos) << cut.err;
  EXPECT_NE(cut.err.find("connection"), std::string::npos) << cut.err;
  EXPECT_EQ(Trimmed(Psql(server.url(), "SELECT version_num FROM alembic_version")), "gggg0001");
  EXPECT_EQ(Trimmed(Psql(server.url(),
                         "SELECT count(*) FROM pg_tables WHERE tablename = "
                         "'slow_done'")),
            "0");

  Psql(server.url(), "DROP TABLE go_slow");
  Output next = ws.Run({"upgrade"});
  EXPECT_EQ(next.code, 0) << next.err;
  EXPECT_EQ(Trimmed(Psql(server.url(), "SELECT version_num FROM alembic_version")), "gggg0002");
}

INSTANTIATE_TEST_SUITE_P(Kinds, ServerRestart, ::testing::Values(true, false), [](const auto& p) {
  return std::string(p.param ? "Transactional" : "NonTransactional");
});

// A TCP proxy in front of the server whose connections the test can cut at once.
class CuttingProxy {
 public:
  CuttingProxy(int upstream_port) : upstream_port_(upstream_port) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(listen_fd_, 16);
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~CuttingProxy() {
    stop_ = true;
    thread_.join();
    close(listen_fd_);
    Cut();
  }
  int port() const { return port_; }
  // Closes every proxied connection, both sides: the client sees its server vanish.
  void Cut() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [a, b] : pairs_) {
      shutdown(a, SHUT_RDWR);
      shutdown(b, SHUT_RDWR);
      close(a);
      close(b);
    }
    pairs_.clear();
  }

 private:
  void Loop() {
    while (!stop_) {
      std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (auto& [a, b] : pairs_) {
          fds.push_back({a, POLLIN, 0});
          fds.push_back({b, POLLIN, 0});
        }
      }
      if (poll(fds.data(), fds.size(), 50) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        int client = accept(listen_fd_, nullptr, nullptr);
        int server = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(static_cast<uint16_t>(upstream_port_));
        if (connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
          std::lock_guard<std::mutex> lock(mu_);
          pairs_[client] = server;
        } else {
          close(client);
          close(server);
        }
      }
      std::lock_guard<std::mutex> lock(mu_);
      for (size_t i = 1; i < fds.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        int from = fds[i].fd;
        int to = -1;
        for (auto& [a, b] : pairs_) {
          if (a == from) to = b;
          if (b == from) to = a;
        }
        if (to < 0) continue;  // cut meanwhile
        char buf[16384];
        ssize_t n = read(from, buf, sizeof buf);
        if (n <= 0 || write(to, buf, static_cast<size_t>(n)) != n) {
          for (auto it = pairs_.begin(); it != pairs_.end(); ++it) {
            if (it->first == from || it->second == from) {
              close(it->first);
              close(it->second);
              pairs_.erase(it);
              break;
            }
          }
        }
      }
    }
  }

  int upstream_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<int, int> pairs_;  // client fd -> server fd
  std::thread thread_;
};

TEST(ConnectionCut, MidRevisionGivesAClearErrorAndTheNextRunRecovers) {
  STRATA_CREATE_TEST_DB(db, Backend::kPostgres, "/tmp");
  const char* port = std::getenv("STRATA_TEST_PG_PORT");
  ASSERT_NE(port, nullptr) << "STRATA_TEST_PG_PORT (scripts/pg-test-cluster.sh exports it)";
  // The server notices the vanished client within 100 ms even inside pg_sleep, ends its
  // transaction and releases the migration lock (in production: TCP keepalives).
  std::string dbname = db->url().substr(db->url().rfind('/') + 1);
  db->Query("ALTER DATABASE " + dbname + " SET client_connection_check_interval = '100ms'");
  CuttingProxy proxy(std::atoi(port));
  std::string via_proxy =
      "postgresql://postgres@127.0.0.1:" + std::to_string(proxy.port()) + "/" + dbname;
  Workspace ws;
  ws.SetEnv("STRATA_URL", via_proxy);
  ws.Write("migrations/hhhh0001_rev.sql",
           RevisionText("hhhh0001", "", SlowUpgrade("cut"), "DROP TABLE cut;"));
  db->Query("CREATE TABLE go_slow ()");
  auto child = ws.Start({"upgrade"});
  ASSERT_TRUE(PollUntil([&] { return Sleeping(db->url()); }));
  proxy.Cut();
  Output cut = child->Wait();
  EXPECT_EQ(cut.code, 4) << cut.err;
  EXPECT_NE(cut.err.find("hhhh0001"), std::string::npos) << cut.err;
  EXPECT_EQ(db->Versions(), "");
  // The server side rolled back: no table of the revision, and the lock is free again.
  ASSERT_TRUE(PollUntil([&] { return !Sleeping(db->url()); }));
  EXPECT_EQ(Trimmed(db->Query("SELECT count(*) FROM pg_tables WHERE tablename = 'cut'")), "0");
  db->Query("DROP TABLE go_slow");
  Output next = ws.Run({"upgrade"});
  EXPECT_EQ(next.code, 0) << next.err;
  EXPECT_EQ(db->Versions(), "hhhh0001");
}

// SIGTERM (what Kubernetes sends before SIGKILL) stops a run exactly as Ctrl-C does: the running
// revision rolls back, exit 1 with the same message, and the next run finishes.
class Sigterm : public ::testing::TestWithParam<Backend> {};

TEST_P(Sigterm, BehavesLikeCtrlC) {
  std::map<int, Output> by_signal;
  for (int sig : {SIGINT, SIGTERM}) {
    Workspace ws;
    STRATA_CREATE_TEST_DB(db, GetParam(), ws.dir());
    ws.SetEnv("STRATA_URL", db->url());
    ws.Write("migrations/iiii0001_rev.sql",
             RevisionText("iiii0001", "", "CREATE TABLE quick (id integer);", "DROP TABLE quick;"));
    // A revision that runs until interrupted (a runaway recursive query, on both databases).
    ws.Write("migrations/iiii0002_rev.sql",
             RevisionText("iiii0002", "iiii0001",
                          "CREATE TABLE slow (id integer);\nINSERT INTO slow SELECT x FROM (WITH "
                          "RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x "
                          "FROM c) AS s WHERE x < 0;",
                          "DROP TABLE slow;"));
    auto child = ws.Start({"upgrade"});
    ASSERT_TRUE(child->WaitForStdout("Running upgrade iiii0001 -> iiii0002"));
    if (GetParam() == Backend::kPostgres) {
      ASSERT_TRUE(PollUntil([&] {
        return Trimmed(db->Query("SELECT count(*) FROM pg_stat_activity WHERE query LIKE "
                                 "'%RECURSIVE%' AND state = 'active' AND pid <> "
                                 "pg_backend_pid()")) != "0";
      }));
    }
    child->Signal(sig);
    Output o = child->Wait();
    EXPECT_EQ(o.code, 1) << strsignal(sig) << ": " << o.err;
    EXPECT_NE(o.err.find("interrupted"), std::string::npos) << o.err;
    EXPECT_EQ(db->Versions(), "iiii0001");
    by_signal[sig] = o;
    // The next run goes on from where it stopped (here: would run the same revision again, so
    // replace it with one that ends).
    ws.Write("migrations/iiii0002_rev.sql",
             RevisionText("iiii0002", "iiii0001", "CREATE TABLE slow (id integer);",
                          "DROP TABLE slow;"));
    Output next = ws.Run({"upgrade"});
    EXPECT_EQ(next.code, 0) << next.err;
    EXPECT_EQ(db->Versions(), "iiii0002");
  }
  // The same words for both signals.
  auto last_line = [](const std::string& err) {
    std::string s = Trimmed(err);
    return s.substr(s.rfind('\n') + 1);
  };
  EXPECT_EQ(last_line(by_signal[SIGINT].err), last_line(by_signal[SIGTERM].err));
}

INSTANTIATE_TEST_SUITE_P(Drivers, Sigterm, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& p) { return std::string(BackendName(p.param)); });

}  // namespace
}  // namespace strata::testing

namespace strata::testing {
namespace {

// A tmpfs of `kb` KB mounted for the test's lifetime (root only; skipped where mount is not
// allowed, e.g. an unprivileged container).
class SmallDisk {
 public:
  SmallDisk(const std::string& dir, int kb) : dir_(dir) {
    std::filesystem::create_directories(dir_);
    bool ok = false;
    error_ = Capture(
        "mount -t tmpfs -o size=" + std::to_string(kb) + "k tmpfs " + ShellQuote(dir_) + " 2>&1",
        &ok);
    mounted_ = ok;
  }
  ~SmallDisk() {
    if (mounted_) Capture("umount " + ShellQuote(dir_) + " 2>&1");
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  // Regular files and folders left in it.
  std::vector<std::string> Entries() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      out.push_back(e.path().filename().string());
    }
    return out;
  }

 private:
  std::string dir_, error_;
  bool mounted_ = false;
};

class FullDisk : public ::testing::TestWithParam<Backend> {};

TEST_P(FullDisk, ABackupThatRunsOutOfSpaceFailsCleanlyAndMigratesNothing) {
  Workspace ws;
  STRATA_CREATE_TEST_DB(db, GetParam(), ws.dir());
  if (getuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root";
  SmallDisk disk(ws.path("backups"), 256);
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << disk.error();
  ws.SetEnv("STRATA_URL", db->url());
  ws.Write("strata.toml", "backup_dir = \"backups\"\n");
  ws.Write("migrations/jjjj0001_rev.sql",
           RevisionText("jjjj0001", "",
                        "CREATE TABLE big (id integer, pad text);\n"
                        "INSERT INTO big SELECT x, x || 'a' || (x * 7919) || 'b' || (x * 9973) || "
                        "'c' || (x * 30011) || 'd' || (x * 32749) FROM (WITH RECURSIVE c(x) "
                        "AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 60000) SELECT x "
                        "FROM c) AS s;",
                        "DROP TABLE big;"));
  ws.Write("migrations/jjjj0002_rev.sql",
           RevisionText("jjjj0002", "jjjj0001", "CREATE TABLE after (id integer);",
                        "DROP TABLE after;"));
  // (Products stay below 2^31: PostgreSQL's integer overflows where SQLite's does not.)
  Output first = ws.Run({"upgrade", "jjjj0001"});
  ASSERT_EQ(first.code, 0) << first.err;

  // 256 KB cannot hold a backup of a few MB: exit 8, nothing migrated, nothing half-written.
  Output up = ws.Run({"upgrade", "--backup"});
  EXPECT_EQ(up.code, 8) << up.err;
  EXPECT_NE(up.err.find("backup"), std::string::npos) << up.err;
  EXPECT_EQ(db->Versions(), "jjjj0001");
  EXPECT_TRUE(disk.Entries().empty()) << "left behind: " << disk.Entries().front();

  Output backup = ws.Run({"backup"});
  EXPECT_EQ(backup.code, 8) << backup.err;
  EXPECT_TRUE(disk.Entries().empty()) << "left behind: " << disk.Entries().front();

  // With room again the same command works.
  ws.Write("strata.toml", "backup_dir = \"roomy\"\n");
  Output roomy = ws.Run({"upgrade", "--backup"});
  EXPECT_EQ(roomy.code, 0) << roomy.err;
  EXPECT_EQ(db->Versions(), "jjjj0002");
}

INSTANTIATE_TEST_SUITE_P(Drivers, FullDisk, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& p) { return std::string(BackendName(p.param)); });

}  // namespace
}  // namespace strata::testing
