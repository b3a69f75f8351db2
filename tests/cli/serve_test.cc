// `strata serve` over real HTTP on loopback, and `strata check --wait`: /ready follows the
// database (503 behind, 200 at head, 200 ahead, 503 unknown, dirty and locked), /metrics parses
// as Prometheus text (Debian's python3-prometheus-client) and its values follow the database,
// /health follows a PostgreSQL server being stopped and started.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "cli/cli_fixture.h"
#include "core/bookkeeping_sql.h"

namespace strata::testing {
namespace {

using ::testing::HasSubstr;

struct HttpResponse {
  int status = 0;
  std::string body;
};

// GET over a fresh loopback connection (HTTP/1.0: the server closes after answering).
HttpResponse Get(int port, const std::string& path) {
  HttpResponse r;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return r;
  }
  std::string req = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
  if (write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return r;
  }
  std::string all;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) all.append(buf, static_cast<size_t>(n));
  close(fd);
  if (all.rfind("HTTP/1.", 0) == 0 && all.size() > 12) r.status = std::stoi(all.substr(9, 3));
  size_t body = all.find("\r\n\r\n");
  if (body != std::string::npos) r.body = all.substr(body + 4);
  return r;
}

// Polls `path` until `want` holds or 20 s pass (the server caches a reading for 1 s).
HttpResponse PollUntil(int port, const std::string& path,
                       const std::function<bool(const HttpResponse&)>& want) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  HttpResponse r;
  while (std::chrono::steady_clock::now() < deadline) {
    r = Get(port, path);
    if (want(r)) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling a condition
  }
  return r;
}

// Parses Prometheus text with prometheus_client's parser: name{labels} -> value.
std::map<std::string, double> ParseMetrics(const Workspace& ws, const std::string& text, bool* ok) {
  ws.Write("metrics.txt", text);
  std::string script =
      "import sys\n"
      "from prometheus_client.parser import text_string_to_metric_families\n"
      "for f in text_string_to_metric_families(open(sys.argv[1]).read()):\n"
      "    for s in f.samples:\n"
      "        print(s.name, s.value)\n";
  ws.Write("parse_metrics.py", script);
  std::string out = Capture("/usr/bin/python3 " + ShellQuote(ws.path("parse_metrics.py")) + " " +
                                ShellQuote(ws.path("metrics.txt")) + " 2>&1",
                            ok);
  std::map<std::string, double> values;
  std::istringstream in(out);
  std::string name;
  double v;
  while (in >> name >> v) values[name] = v;
  return values;
}

class ServeTest : public CliFixture {
 protected:
  // Starts `strata serve` on a free port; returns the port (-1 when it did not start).
  int StartServe(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"serve", "--listen", "127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    serve_ = ws_.Start(args);
    if (!serve_->WaitForStdout(" for ")) return -1;
    const std::string& out = serve_->stdout_so_far();
    size_t p = out.find("http://127.0.0.1:");
    if (p == std::string::npos) return -1;
    return port_ = std::stoi(out.substr(p + 17));
  }
  void TearDown() override {
    if (serve_) {
      serve_->Signal(SIGTERM);
      Output out = serve_->Wait();
      EXPECT_EQ(out.code, 0) << out.err;  // a clean shutdown on SIGTERM
      EXPECT_THAT(out.out, HasSubstr("Stopped."));
    }
  }
  nlohmann::json Json(const HttpResponse& r) {
    return nlohmann::json::parse(r.body.empty() ? "{}" : r.body, nullptr, false);
  }
  HttpResponse ReadyWith(int status, const std::string& state) {
    return PollUntil(port_, "/ready", [&](const HttpResponse& r) {
      return r.status == status && Json(r).value("state", "") == state;
    });
  }
  std::map<std::string, double> Metrics() {
    HttpResponse r = Get(port_, "/metrics");
    EXPECT_EQ(r.status, 200);
    bool ok = false;
    std::map<std::string, double> m = ParseMetrics(ws_, r.body, &ok);
    EXPECT_TRUE(ok) << r.body;
    return m;
  }

  std::unique_ptr<Child> serve_;
  int port_ = 0;
};

TEST_P(ServeTest, ReadyFollowsTheDatabaseAndMetricsParse) {
  Chain(2);
  ASSERT_GT(StartServe(), 0);
  HttpResponse behind = ReadyWith(503, "pending");
  ASSERT_EQ(behind.status, 503) << behind.body;
  EXPECT_EQ(Json(behind)["pending"], nlohmann::json::array({"aaaa0001", "aaaa0002"}));
  EXPECT_EQ(Get(port_, "/health").status, 200);
  std::map<std::string, double> m = Metrics();
  EXPECT_EQ(m["strata_up"], 1);
  EXPECT_EQ(m["strata_pending_revisions"], 2);
  EXPECT_EQ(m["strata_at_head"], 0);
  EXPECT_EQ(m["strata_info"], 1);
  EXPECT_EQ(m.count("strata_last_migration_timestamp_seconds"), 0u);

  ASSERT_EQ(Strata({"upgrade", "head"}).code, 0);
  HttpResponse at_head = ReadyWith(200, "ready");
  ASSERT_EQ(at_head.status, 200) << at_head.body;
  EXPECT_EQ(Json(at_head)["current"], nlohmann::json::array({"aaaa0002"}));
  m = Metrics();
  EXPECT_EQ(m["strata_pending_revisions"], 0);
  EXPECT_EQ(m["strata_at_head"], 1);
  EXPECT_EQ(m["strata_dirty"], 0);
  EXPECT_GT(m["strata_last_migration_timestamp_seconds"], 1.7e9);
  EXPECT_GT(m["strata_database_size_bytes"], 0);

  // A newer build applied aaaa0003 (from another folder): still ready, and "ahead".
  ws_.Write("newer/aaaa0001_rev.sql", ws_.Read("migrations/aaaa0001_rev.sql"));
  ws_.Write("newer/aaaa0002_rev.sql", ws_.Read("migrations/aaaa0002_rev.sql"));
  ws_.Write(
      "newer/aaaa0003_rev.sql",
      RevisionText("aaaa0003", "aaaa0002", "CREATE TABLE t3 (id INTEGER);", "DROP TABLE t3;"));
  ASSERT_EQ(Strata({"--dir", "newer", "upgrade", "head"}).code, 0);
  HttpResponse ahead = PollUntil(port_, "/ready", [&](const HttpResponse& r) {
    return Json(r)["current"] == nlohmann::json::array({"aaaa0003"});
  });
  EXPECT_EQ(ahead.status, 200) << ahead.body;
  EXPECT_EQ(Json(ahead)["ahead"], true);

  // A revision nobody applied through strata: unknown, not ready.
  db_->Query("UPDATE alembic_version SET version_num = 'zzzz9999'");
  HttpResponse unknown = ReadyWith(503, "unknown");
  EXPECT_EQ(unknown.status, 503) << unknown.body;
  EXPECT_THAT(Json(unknown)["reason"].get<std::string>(), HasSubstr("zzzz9999"));
  db_->Query("UPDATE alembic_version SET version_num = 'aaaa0002'");

  // A non-transactional revision that failed part way: dirty.
  Rev("aaaa0003", "aaaa0002", "CREATE TABLE t3 (id INTEGER);\nSELECT * FROM no_such_table;",
      "DROP TABLE t3;", "-- Transactional: false\n");
  EXPECT_EQ(Strata({"upgrade", "head"}).code, 7);
  HttpResponse dirty = ReadyWith(503, "dirty");
  EXPECT_EQ(dirty.status, 503) << dirty.body;
  EXPECT_EQ(Json(dirty)["dirty"], nlohmann::json::array({"aaaa0003"}));
  EXPECT_EQ(Metrics()["strata_dirty"], 1);
}

TEST_P(ServeTest, AProbeStormSharesOneReadingAndOneConnection) {
  Chain(1);
  ASSERT_EQ(Strata({"upgrade", "head"}).code, 0);
  ws_.SetEnv("PGAPPNAME", "strata_serve_storm");
  ASSERT_GT(StartServe({"--threads", "4"}), 0);
  std::atomic<int> good{0}, bad{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        const char* path = (i + t) % 3 == 0 ? "/metrics" : (i + t) % 3 == 1 ? "/ready" : "/health";
        HttpResponse r = Get(port_, path);
        (r.status == 200 && !r.body.empty() ? good : bad)++;
      }
    });
  }
  for (std::thread& c : clients) c.join();
  EXPECT_EQ(good.load(), 320);
  EXPECT_EQ(bad.load(), 0);
  if (GetParam() == Backend::kPostgres) {
    EXPECT_EQ(db_->Query("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                         "'strata_serve_storm'"),
              "1\n");
  }
  EXPECT_EQ(Get(port_, "/nothing").status, 404);
}

TEST_P(ServeTest, CheckWaitPollsUntilTheDatabaseIsAtHead) {
  Chain(2);
  ASSERT_EQ(Strata({"upgrade", "+1"}).code, 0);
  Output timeout = Strata({"check", "--wait", "0.2"});
  EXPECT_EQ(timeout.code, 6);
  EXPECT_THAT(timeout.err, HasSubstr("aaaa0002"));
  EXPECT_EQ(Strata({"check", "--wait", "soon"}).code, 2);

  std::unique_ptr<Child> waiting = ws_.Start({"check", "--wait", "60s"});
  ASSERT_EQ(Strata({"upgrade", "head"}).code, 0);
  Output done = waiting->Wait();
  EXPECT_EQ(done.code, 0) << done.err;
  EXPECT_THAT(done.out, HasSubstr("up to date"));

  // Ahead of these files (a newer build migrated): compatible, exit 0 at once.
  ws_.Write("newer/aaaa0001_rev.sql", ws_.Read("migrations/aaaa0001_rev.sql"));
  ws_.Write("newer/aaaa0002_rev.sql", ws_.Read("migrations/aaaa0002_rev.sql"));
  ws_.Write(
      "newer/aaaa0003_rev.sql",
      RevisionText("aaaa0003", "aaaa0002", "CREATE TABLE t3 (id INTEGER);", "DROP TABLE t3;"));
  ASSERT_EQ(Strata({"--dir", "newer", "upgrade", "head"}).code, 0);
  Output ahead = Strata({"check", "--wait", "5s"});
  EXPECT_EQ(ahead.code, 0) << ahead.err;
  EXPECT_THAT(ahead.out, HasSubstr("ahead"));
}

INSTANTIATE_TEST_SUITE_P(Backends, ServeTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& p) { return std::string(BackendName(p.param)); });

// ---- PostgreSQL only ------------------------------------------------------------------------

class ServePostgresTest : public ServeTest {};

TEST_P(ServePostgresTest, ReadyFailsWhileTheMigrationLockIsHeldPastTheThreshold) {
  Chain(1);
  ASSERT_EQ(Strata({"upgrade", "head"}).code, 0);
  ASSERT_GT(StartServe({"--lock-threshold", "0"}), 0);
  ASSERT_EQ(ReadyWith(200, "ready").status, 200);
  // Another session takes strata's advisory lock (as a running upgrade would) and keeps it.
  int64_t key = MigrationLockKey("public", "alembic_version");
  ws_.SetEnv("PGAPPNAME", "lockholder");
  std::unique_ptr<Child> holder =
      ws_.StartProgram(PsqlBinary(), {"-X", "-q", db_->url(), "-c",
                                      "SELECT pg_advisory_lock(" + std::to_string(key) + ")", "-c",
                                      "SELECT pg_sleep(600)"});
  HttpResponse locked = ReadyWith(503, "locked");
  ASSERT_EQ(locked.status, 503) << locked.body;
  nlohmann::json lock = Json(locked)["lock_holder"];
  EXPECT_EQ(lock["application_name"], "lockholder");
  EXPECT_GT(lock["pid"].get<int>(), 0);
  EXPECT_THAT(Json(locked)["reason"].get<std::string>(), HasSubstr("lockholder"));
  EXPECT_GE(Metrics()["strata_migration_lock_held_seconds"], 0);
  // The holder's session ends (a killed psql alone would leave its backend in pg_sleep).
  db_->Query("SELECT pg_terminate_backend(" + std::to_string(lock["pid"].get<int>()) + ")");
  holder->Wait();
  EXPECT_EQ(ReadyWith(200, "ready").status, 200);
}

// /health against a PostgreSQL server of the test's own, stopped and started again (the shared
// test server must stay up for the other tests).
TEST_P(ServePostgresTest, HealthFollowsTheServerGoingAwayAndComingBack) {
  std::string script = std::string(STRATA_SOURCE_DIR) + "/scripts/pg-test-cluster.sh";
  bool ok = false;
  std::string env = Capture(
      "bash " + ShellQuote(script) + " start --owner " + std::to_string(getpid()) + " 2>&1", &ok);
  ASSERT_TRUE(ok) << env;
  auto value = [&](const std::string& name) {
    size_t p = env.find(name + "='");
    if (p == std::string::npos) return std::string();
    p += name.size() + 2;
    return env.substr(p, env.find('\'', p) - p);
  };
  std::string dir = value("STRATA_PG_CLUSTER_DIR"), url = value("STRATA_TEST_PG_URL");
  ASSERT_FALSE(dir.empty()) << env;
  std::string as_owner = getuid() == 0 ? "runuser -u postgres -- " : "";
  std::string pg_ctl = as_owner + "/usr/lib/postgresql/15/bin/pg_ctl -D " +
                       ShellQuote(dir + "/pg/data") + " -w -t 30 -m fast ";
  struct Stop {
    std::string script, dir;
    ~Stop() { Capture("bash " + ShellQuote(script) + " stop " + ShellQuote(dir) + " 2>&1"); }
  } stop{script, dir};

  Chain(1);
  ws_.SetEnv("STRATA_URL", url);
  ASSERT_EQ(Strata({"upgrade", "head"}).code, 0);
  ASSERT_GT(StartServe(), 0);
  EXPECT_EQ(
      PollUntil(port_, "/health", [](const HttpResponse& r) { return r.status == 200; }).status,
      200);
  Capture(pg_ctl + "stop 2>&1", &ok);
  ASSERT_TRUE(ok);
  HttpResponse down =
      PollUntil(port_, "/health", [](const HttpResponse& r) { return r.status == 503; });
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_EQ(Json(down)["status"], "down");
  EXPECT_FALSE(Json(down)["error"].get<std::string>().empty());
  EXPECT_EQ(Get(port_, "/ready").status, 503);
  EXPECT_EQ(Metrics()["strata_up"], 0);
  // restart reuses the options the server was started with (postmaster.opts).
  std::string out =
      Capture(pg_ctl + "-l " + ShellQuote(dir + "/pg/server.log") + " restart 2>&1", &ok);
  ASSERT_TRUE(ok) << out;
  EXPECT_EQ(
      PollUntil(port_, "/health", [](const HttpResponse& r) { return r.status == 200; }).status,
      200);
  EXPECT_EQ(ReadyWith(200, "ready").status, 200);
}

TEST_P(ServePostgresTest, NeverServesThePassword) {
  Chain(1);
  const std::string password = "Hidden_pw_77";
  std::string url = db_->url();
  url.insert(url.find('@'), ":" + password);
  ws_.SetEnv("STRATA_URL", url);
  ASSERT_GT(StartServe(), 0);
  std::string all = serve_->stdout_so_far();
  for (const char* path : {"/health", "/ready", "/metrics"}) all += Get(port_, path).body;
  EXPECT_THAT(all, ::testing::Not(HasSubstr(password)));
  EXPECT_THAT(all, HasSubstr("***"));
}

INSTANTIATE_TEST_SUITE_P(Backends, ServePostgresTest, ::testing::Values(Backend::kPostgres),
                         [](const auto& p) { return std::string(BackendName(p.param)); });

}  // namespace
}  // namespace strata::testing
