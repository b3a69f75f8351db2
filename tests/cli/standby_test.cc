// `upgrade --wait-replicas` with a real primary and a real streaming standby (pg_basebackup -R
// and a second postmaster): the wait holds while the standby's replay is paused
// (pg_wal_replay_pause()) and ends when it resumes; exit 8 naming the standby when the time runs
// out; `status` shows the standby's replay lag; `upgrade` on the standby is refused before
// anything runs.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>

#include "cli/pg_servers.h"
#include "cli/strata_runner.h"

namespace strata::testing {
namespace {

// The body of GET `path` on loopback `port` (HTTP/1.0), empty when nothing answers.
std::string HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string all;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string req = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      ssize_t n;
      while ((n = read(fd, buf, sizeof buf)) > 0) all.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  size_t body = all.find("\r\n\r\n");
  return body == std::string::npos ? "" : all.substr(body + 4);
}

class StandbyCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* pg = std::getenv("STRATA_TEST_PG_URL");
    if ((pg == nullptr || *pg == '\0') && !PgRequired()) {
      GTEST_SKIP() << "no PostgreSQL test server; set STRATA_TEST_PG_URL";
    }
    primary_ = std::make_unique<OwnCluster>();
    ASSERT_FALSE(primary_->url().empty()) << primary_->error();
    standby_ = primary_->StartStandby("strata_standby");
    ASSERT_FALSE(standby_.empty()) << primary_->error();
    // The standby streams before the test starts.
    ASSERT_TRUE(PollUntil([&] {
      return Trimmed(Psql(primary_->url(),
                          "SELECT count(*) FROM pg_stat_replication "
                          "WHERE application_name = 'strata_standby' AND "
                          "state = 'streaming' AND replay_lsn IS NOT NULL")) == "1";
    }));
    ws_.SetEnv("STRATA_URL", primary_->url());
  }

  void Rev(int i) {
    std::string id = "bbbb000" + std::to_string(i);
    ws_.Write("migrations/" + id + "_rev.sql",
              RevisionText(id, i == 1 ? "" : "bbbb000" + std::to_string(i - 1),
                           "CREATE TABLE s" + std::to_string(i) + " (id integer);",
                           "DROP TABLE s" + std::to_string(i) + ";"));
  }
  bool OnStandby(const std::string& table) {
    return Trimmed(Psql(standby_,
                        "SELECT count(*) FROM pg_tables WHERE tablename = '" + table + "'")) == "1";
  }

  std::unique_ptr<OwnCluster> primary_;
  std::string standby_;
  Workspace ws_;
};

TEST_F(StandbyCli, WaitHoldsWhileReplayIsPausedAndEndsWhenItResumes) {
  Rev(1);
  Output first = ws_.Run({"--format", "json", "upgrade", "--wait-replicas=30"});
  ASSERT_EQ(first.code, 0) << first.err;
  // Returned only after the standby replayed it: the table is there at once.
  EXPECT_TRUE(OnStandby("s1"));
  nlohmann::json doc = nlohmann::json::parse(first.out);
  EXPECT_FALSE(doc["replicas"]["commit_lsn"].get<std::string>().empty());
  EXPECT_EQ(doc["replicas"]["standbys"][0]["name"], "strata_standby");

  Psql(standby_, "SELECT pg_wal_replay_pause()");
  Rev(2);
  auto child = ws_.Start({"upgrade", "--wait-replicas=120"});
  // Committed on the primary, not replayed on the standby, and strata still waiting.
  ASSERT_TRUE(PollUntil([&] {
    return Trimmed(Psql(primary_->url(), "SELECT version_num FROM alembic_version")) == "bbbb0002";
  }));
  ASSERT_TRUE(child->WaitForStdout("Running upgrade"));
  // The lag line comes once a second while waiting; reading stderr would block, so prove the
  // wait by the process still running after the standby is seen not to have the table.
  EXPECT_FALSE(OnStandby("s2"));
  EXPECT_EQ(waitpid(child->pid(), nullptr, WNOHANG), 0) << "strata returned before replay";
  Psql(standby_, "SELECT pg_wal_replay_resume()");
  Output done = child->Wait();
  EXPECT_EQ(done.code, 0) << done.err;
  EXPECT_TRUE(OnStandby("s2"));
  EXPECT_NE(done.err.find("Waiting for standbys"), std::string::npos) << done.err;
  EXPECT_NE(done.err.find("strata_standby"), std::string::npos) << done.err;
}

TEST_F(StandbyCli, TimeoutExitsEightNamingTheLaggingStandby) {
  Rev(1);
  Psql(standby_, "SELECT pg_wal_replay_pause()");
  ws_.Write("strata.toml", "wait_replicas = \"1s\"\n");
  Output late = ws_.Run({"upgrade"});
  EXPECT_EQ(late.code, 8) << late.err;
  EXPECT_NE(late.err.find("strata_standby"), std::string::npos) << late.err;
  EXPECT_NE(late.err.find("committed"), std::string::npos) << late.err;
  // The migration itself is committed on the primary.
  EXPECT_EQ(Trimmed(Psql(primary_->url(), "SELECT version_num FROM alembic_version")), "bbbb0001");

  // status shows the standby and its replay lag.
  Output status = ws_.Run({"--format", "json", "status"});
  ASSERT_EQ(status.code, 0) << status.err;
  nlohmann::json s = nlohmann::json::parse(status.out);
  ASSERT_EQ(s["standbys"].size(), 1u);
  EXPECT_EQ(s["standbys"][0]["name"], "strata_standby");
  EXPECT_GT(s["standbys"][0]["replay_lag_bytes"].get<int64_t>(), 0);
  Output text = ws_.Run({"status"});
  EXPECT_NE(text.out.find("Standbys: 1"), std::string::npos) << text.out;

  // serve's /metrics: the standby's replay lag, labelled with its name.
  auto serve = ws_.Start({"serve", "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(serve->WaitForStdout(" for "));
  const std::string& said = serve->stdout_so_far();
  size_t at = said.find("http://127.0.0.1:");
  ASSERT_NE(at, std::string::npos) << said;
  int port = std::stoi(said.substr(at + 17));
  std::string metrics = HttpGet(port, "/metrics");
  EXPECT_NE(metrics.find("strata_standbys 1"), std::string::npos) << metrics;
  size_t lag = metrics.find("strata_standby_replay_lag_bytes{standby=\"strata_standby\"");
  ASSERT_NE(lag, std::string::npos) << metrics;
  EXPECT_GT(std::stod(metrics.substr(metrics.find('}', lag) + 1)), 0) << metrics;
  serve->Signal(SIGTERM);
  EXPECT_EQ(serve->Wait().code, 0);
  Psql(standby_, "SELECT pg_wal_replay_resume()");
}

TEST_F(StandbyCli, UpgradeOnTheStandbyIsRefusedBeforeAnythingRuns) {
  Rev(1);
  ws_.SetEnv("STRATA_URL", standby_);
  Output refused = ws_.Run({"upgrade"});
  EXPECT_EQ(refused.code, 4) << refused.err;
  EXPECT_NE(refused.err.find("standby"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("read-only"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.out.find("Running upgrade"), std::string::npos) << refused.out;
  Output stamp = ws_.Run({"stamp", "head"});
  EXPECT_EQ(stamp.code, 4) << stamp.err;
  // Reading still works there.
  Output current = ws_.Run({"current"});
  EXPECT_EQ(current.code, 0) << current.err;
}

}  // namespace
}  // namespace strata::testing
