// PostgreSQL servers for the fleet, standby and fault tests: the shared test cluster
// (STRATA_TEST_PG_URL), more clusters of the test's own started with scripts/pg-test-cluster.sh
// (a second server, a primary to take a standby from, a server to restart), and a standby made
// with pg_basebackup -R. Everything started here is stopped by the destructors, and by the
// cluster script's watchdog if the test process dies.
#ifndef STRATA_TESTS_CLI_PG_SERVERS_H_
#define STRATA_TESTS_CLI_PG_SERVERS_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "cli/test_database.h"

namespace strata::testing {

constexpr const char* kPgBin = "/usr/lib/postgresql/15/bin";

inline std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

// The URL of database `db` on the server of `admin_url`.
inline std::string DatabaseUrlOn(const std::string& admin_url, const std::string& db) {
  size_t slash = admin_url.find('/', admin_url.find("://") + 3);
  return admin_url.substr(0, slash) + "/" + db;
}

// Runs SQL through psql; rows one a line, columns separated by '|'.
inline std::string Psql(const std::string& url, const std::string& sql, bool* ok = nullptr) {
  return Capture(PsqlBinary() + " -X -q -A -t -v ON_ERROR_STOP=1 " + ShellQuote(url) + " -c " +
                     ShellQuote(sql) + " 2>&1",
                 ok);
}

// Runs a file of SQL statements through psql (each its own transaction).
inline bool PsqlFile(const std::string& url, const std::string& path) {
  bool ok = false;
  Capture(PsqlBinary() + " -X -q -v ON_ERROR_STOP=1 " + ShellQuote(url) + " -f " +
              ShellQuote(path) + " >/dev/null 2>&1",
          &ok);
  return ok;
}

// Runs a command as the owner of the clusters (the `postgres` user when we are root).
inline std::string AsOwner(const std::string& cmd) {
  return getuid() == 0 ? "runuser -u postgres -- " + cmd : cmd;
}

inline bool PgRequired() {
  const char* req = std::getenv("STRATA_REQUIRE_PG");
  return req != nullptr && std::string(req) == "1";
}

// Polls `condition` until it holds or `seconds` pass.
template <typename F>
bool PollUntil(F condition, int seconds = 30) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

// A throwaway cluster of the test's own (scripts/pg-test-cluster.sh start/stop).
class OwnCluster {
 public:
  // Empty url() when it could not start (the message is in error()).
  OwnCluster() {
    bool ok = false;
    std::string out = Capture(std::string("bash ") + STRATA_SOURCE_DIR +
                                  "/scripts/pg-test-cluster.sh start --owner " +
                                  std::to_string(getpid()) + " 2>&1",
                              &ok);
    if (!ok) {
      error_ = out;
      return;
    }
    dir_ = Export(out, "STRATA_PG_CLUSTER_DIR");
    url_ = Export(out, "STRATA_TEST_PG_URL");
    port_ = Export(out, "STRATA_TEST_PG_PORT");
  }
  ~OwnCluster() {
    if (!standby_dir_.empty()) {
      Capture(AsOwner(std::string(kPgBin) + "/pg_ctl -D " + standby_dir_ +
                      "/data -m immediate -w -t 20 stop") +
              " >/dev/null 2>&1");
    }
    if (!dir_.empty()) {
      Capture(std::string("bash ") + STRATA_SOURCE_DIR + "/scripts/pg-test-cluster.sh stop " +
              ShellQuote(dir_) + " >/dev/null 2>&1");
    }
  }
  OwnCluster(const OwnCluster&) = delete;
  OwnCluster& operator=(const OwnCluster&) = delete;

  const std::string& url() const { return url_; }
  const std::string& port() const { return port_; }
  const std::string& dir() const { return dir_; }
  const std::string& error() const { return error_; }
  std::string data_dir() const { return dir_ + "/pg/data"; }

  // pg_ctl restart -m immediate: every session is cut, no shutdown checkpoint (a crash).
  bool RestartImmediate() {
    bool ok = false;
    Capture(AsOwner(std::string(kPgBin) + "/pg_ctl -D " + data_dir() + " -l " + dir_ +
                    "/pg/server.log -m immediate -w -t 60 restart") +
                " >/dev/null 2>&1",
            &ok);
    return ok;
  }

  // A streaming standby of this cluster: pg_basebackup -R and a second postmaster named
  // `name` (its cluster_name, which pg_stat_replication shows as application_name). Returns its
  // admin URL, or empty with the reason in error().
  std::string StartStandby(const std::string& name) {
    standby_dir_ = dir_ + "/standby";
    std::string port = Trimmed(Capture(
        "/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\", 0)); "
        "print(s.getsockname()[1]); s.close()'"));
    bool ok = false;
    std::string out =
        Capture("mkdir -p " + standby_dir_ + " && " +
                    (getuid() == 0 ? "chown postgres: " + standby_dir_ + " && " : std::string()) +
                    AsOwner(std::string(kPgBin) + "/pg_basebackup -h 127.0.0.1 -p " + port_ +
                            " -U postgres -D " + standby_dir_ + "/data -R -X stream --no-sync") +
                    " 2>&1 && " +
                    AsOwner(std::string(kPgBin) + "/pg_ctl -D " + standby_dir_ + "/data -l " +
                            standby_dir_ + "/server.log -w -t 60 -o " +
                            ShellQuote("-c listen_addresses=127.0.0.1 -p " + port + " -k " +
                                       standby_dir_ + " -c cluster_name=" + name +
                                       " -c hot_standby=on -c max_connections=200 -c fsync=off") +
                            " start") +
                    " 2>&1",
                &ok);
    if (!ok) {
      error_ = out + Capture("cat " + standby_dir_ + "/server.log 2>/dev/null");
      standby_dir_.clear();
      return "";
    }
    return "postgresql://postgres@127.0.0.1:" + port + "/postgres";
  }

 private:
  static std::string Export(const std::string& out, const std::string& name) {
    std::string key = "export " + name + "='";
    size_t at = out.find(key);
    if (at == std::string::npos) return "";
    at += key.size();
    return out.substr(at, out.find('\'', at) - at);
  }
  std::string dir_, url_, port_, error_, standby_dir_;
};

// Skips the test without a PostgreSQL test server, fails it under STRATA_REQUIRE_PG=1.
#define STRATA_REQUIRE_TEST_PG(var)                                                       \
  const char* var##_env = std::getenv("STRATA_TEST_PG_URL");                              \
  if (var##_env == nullptr || *var##_env == '\0') {                                       \
    if (::strata::testing::PgRequired()) {                                                \
      FAIL() << "STRATA_REQUIRE_PG=1 but no PostgreSQL test server (STRATA_TEST_PG_URL)"; \
    }                                                                                     \
    GTEST_SKIP() << "no PostgreSQL test server; set STRATA_TEST_PG_URL";                  \
  }                                                                                       \
  const std::string var = var##_env;

}  // namespace strata::testing

#endif  // STRATA_TESTS_CLI_PG_SERVERS_H_
