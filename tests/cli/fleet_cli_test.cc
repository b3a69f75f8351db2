// `--targets` fan-out on the real binary and real servers: a fleet of databases made on the test
// cluster (40; STRATA_TEST_FLEET_DATABASES=200 for the issue's figure) plus a second server of the
// test's own, an unreachable target and a failing one under
// both --on-error modes, canaries, resume after a partial run, stdin and --targets-query, and
// JSON lines that parse with passwords masked.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/pg_servers.h"
#include "cli/strata_runner.h"
#include "cli/test_database.h"

namespace strata::testing {
namespace {

std::string Id(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "aaaa%04d", i);
  return buf;
}

// Databases made on a server for one test, dropped at the end (CREATE DATABASE ... STRATEGY
// FILE_COPY from template0: the cheapest copy on a server without fsync).
class Databases {
 public:
  Databases(std::string admin_url, const std::string& tag, int n, Workspace& ws)
      : admin_url_(std::move(admin_url)) {
    std::string create, drop;
    for (int i = 0; i < n; ++i) {
      std::string name = "fl" + std::to_string(getpid()) + "_" + tag + "_" + std::to_string(i);
      names_.push_back(name);
      create += "CREATE DATABASE " + name + " TEMPLATE template0 STRATEGY FILE_COPY;\n";
      drop += "DROP DATABASE IF EXISTS " + name + " WITH (FORCE);\n";
    }
    drop_file_ = ws.path("drop_" + tag + ".sql");
    ws.Write("drop_" + tag + ".sql", drop);
    ws.Write("create_" + tag + ".sql", create);
    ok_ = PsqlFile(admin_url_, ws.path("create_" + tag + ".sql"));
  }
  ~Databases() { PsqlFile(admin_url_, drop_file_); }
  bool ok() const { return ok_; }
  std::string url(int i) const { return DatabaseUrlOn(admin_url_, names_[i]); }
  int size() const { return static_cast<int>(names_.size()); }

 private:
  std::string admin_url_;
  std::vector<std::string> names_;
  std::string drop_file_;
  bool ok_ = false;
};

// A port nothing listens on: bound and released by the kernel, so a connection is refused.
std::string ClosedPort() {
  return Trimmed(
      Capture("/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\", 0)); "
              "print(s.getsockname()[1]); s.close()'"));
}

struct Lines {
  std::vector<nlohmann::json> targets;  // by index
  nlohmann::json summary;
};

// Parses JSON lines: every line must parse; the target lines are put in list order.
Lines ParseLines(const std::string& out) {
  Lines lines;
  std::istringstream in(out);
  std::string line;
  std::vector<nlohmann::json> all;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << line;
    if (j.is_discarded()) continue;
    if (j.contains("summary")) {
      lines.summary = j["summary"];
    } else {
      all.push_back(j);
    }
  }
  lines.targets.resize(all.size());
  for (nlohmann::json& j : all) {
    size_t index = j["index"].get<size_t>();
    if (index < lines.targets.size()) lines.targets[index] = j;
  }
  return lines;
}

class FleetCli : public ::testing::Test {
 protected:
  void Chain(int from, int to) {
    for (int i = from; i <= to; ++i) {
      ws_.Write("migrations/" + Id(i) + "_rev.sql",
                RevisionText(Id(i), i == 1 ? "" : Id(i - 1),
                             "CREATE TABLE t" + std::to_string(i) + " (id integer);",
                             "DROP TABLE t" + std::to_string(i) + ";"));
    }
  }
  void WriteTargets(const std::vector<std::string>& urls) {
    std::string text = "# the fleet\n";
    for (const std::string& u : urls) text += u + "\n";
    ws_.Write("targets.txt", text);
  }
  Workspace ws_;
};

TEST_F(FleetCli, UpgradesAFleetOnTwoServersAndResumes) {
  STRATA_REQUIRE_TEST_PG(admin);
  OwnCluster second;
  ASSERT_FALSE(second.url().empty()) << second.error();
  // Making and dropping databases is most of this test's time: 40 by default keeps CI fast.
  const char* size = std::getenv("STRATA_TEST_FLEET_DATABASES");
  const int n = size != nullptr ? std::max(8, std::atoi(size)) : 40;
  const size_t all = static_cast<size_t>(n) + 3;
  Databases fleet(admin, "big", n, ws_);
  ASSERT_TRUE(fleet.ok());
  Databases other(second.url(), "other", 3, ws_);
  ASSERT_TRUE(other.ok());
  std::vector<std::string> urls;
  for (int i = 0; i < fleet.size(); ++i) urls.push_back(fleet.url(i));
  for (int i = 0; i < other.size(); ++i) urls.push_back(other.url(i));
  WriteTargets(urls);
  Chain(1, 3);

  Output up = ws_.Run({"--format", "json", "upgrade", "--targets", "targets.txt", "--parallel", "4",
                       "--per-host", "3"});
  ASSERT_EQ(up.code, 0) << up.err << up.out.substr(0, 2000);
  Lines lines = ParseLines(up.out);
  ASSERT_EQ(lines.targets.size(), all);
  for (const nlohmann::json& j : lines.targets) {
    ASSERT_EQ(j["state"], "done") << j.dump();
    EXPECT_EQ(j["exit_code"], 0);
    EXPECT_EQ(j["heads_before"], nlohmann::json::array());
    EXPECT_EQ(j["heads_after"], nlohmann::json::array({Id(3)}));
    EXPECT_EQ(j["steps"].size(), 3u);
  }
  EXPECT_EQ(lines.targets[all - 2]["host"], "127.0.0.1:" + second.port());
  EXPECT_EQ(lines.summary["done"], all);
  EXPECT_EQ(lines.summary["exit_code"], 0);
  for (int i : {0, n / 3, 2 * n / 3, n - 1}) {
    EXPECT_EQ(Trimmed(Psql(fleet.url(i), "SELECT version_num FROM alembic_version")), Id(3));
  }
  EXPECT_EQ(Trimmed(Psql(other.url(2), "SELECT version_num FROM alembic_version")), Id(3));

  // A new revision that fails on one database (its table is already there): the others go on.
  Chain(4, 4);
  Psql(fleet.url(7), "CREATE TABLE t4 (x int)");
  Output partial = ws_.Run({"--format", "json", "upgrade", "--targets", "targets.txt"});
  EXPECT_EQ(partial.code, 1) << partial.err;
  lines = ParseLines(partial.out);
  ASSERT_EQ(lines.targets.size(), all);
  EXPECT_EQ(lines.targets[7]["state"], "failed");
  EXPECT_EQ(lines.targets[7]["exit_code"], 1);
  EXPECT_NE(lines.targets[7]["error"].get<std::string>().find(Id(4)), std::string::npos);
  EXPECT_EQ(lines.targets[7]["heads_after"], nlohmann::json::array({Id(3)}));
  EXPECT_EQ(lines.targets[8]["steps"], nlohmann::json::array({"upgrade " + Id(4)}));
  EXPECT_EQ(lines.summary["failed"], 1);
  EXPECT_EQ(lines.summary["done"], all - 1);

  // Resume once fixed: only the failed database does anything, the rest are skipped.
  Psql(fleet.url(7), "DROP TABLE t4");
  Output resume = ws_.Run({"--format", "json", "upgrade", "--targets", "targets.txt"});
  ASSERT_EQ(resume.code, 0) << resume.err;
  lines = ParseLines(resume.out);
  EXPECT_EQ(lines.summary["skipped"], all - 1);
  EXPECT_EQ(lines.summary["done"], 1);
  EXPECT_EQ(lines.targets[7]["state"], "done");
  EXPECT_EQ(lines.targets[7]["heads_after"], nlohmann::json::array({Id(4)}));

  // check and current over the fleet; the text summary table.
  Output check = ws_.Run({"check", "--targets", "targets.txt"});
  EXPECT_EQ(check.code, 0) << check.err;
  EXPECT_NE(check.out.find(std::to_string(all) + " target(s)"), std::string::npos) << check.out;
  Chain(5, 5);
  Output pending = ws_.Run({"--format", "json", "check", "--targets", "targets.txt"});
  EXPECT_EQ(pending.code, 6);
  lines = ParseLines(pending.out);
  EXPECT_EQ(lines.targets[0]["pending"], nlohmann::json::array({Id(5)}));
}

TEST_F(FleetCli, UnreachableAndFailingTargetsUnderContinueAndStop) {
  STRATA_REQUIRE_TEST_PG(admin);
  Databases dbs(admin, "err", 8, ws_);
  ASSERT_TRUE(dbs.ok());
  Chain(1, 2);
  // The password must never show; the closed port makes the connection fail at once.
  std::string unreachable =
      "postgresql://postgres:sekrit@127.0.0.1:" + ClosedPort() + "/nowhere?connect_timeout=3";
  Psql(dbs.url(3), "CREATE TABLE t2 (x int)");  // revision 2 fails there

  // continue: every other target runs; the exit code is the worst (4 beats 1).
  WriteTargets({dbs.url(0), dbs.url(1), unreachable, dbs.url(2), dbs.url(3)});
  Output cont = ws_.Run(
      {"--format", "json", "upgrade", "--targets", "targets.txt", "--on-error", "continue"});
  EXPECT_EQ(cont.code, 4) << cont.err;
  Lines lines = ParseLines(cont.out);
  ASSERT_EQ(lines.targets.size(), 5u);
  EXPECT_EQ(lines.targets[2]["state"], "failed");
  EXPECT_EQ(lines.targets[2]["exit_code"], 4);
  EXPECT_NE(lines.targets[2]["target"].get<std::string>().find("***"), std::string::npos);
  EXPECT_EQ(lines.targets[4]["exit_code"], 1);
  EXPECT_EQ(lines.targets[4]["heads_after"], nlohmann::json::array({Id(1)}));
  for (int i : {0, 1, 3}) EXPECT_EQ(lines.targets[i]["state"], "done") << i;
  EXPECT_EQ(cont.out.find("sekrit"), std::string::npos);
  EXPECT_EQ(cont.err.find("sekrit"), std::string::npos);
  EXPECT_EQ(Trimmed(Psql(dbs.url(2), "SELECT version_num FROM alembic_version")), Id(2));
  EXPECT_EQ(Trimmed(Psql(dbs.url(3), "SELECT version_num FROM alembic_version")), Id(1));

  // stop: after the unreachable target fails, nothing more starts.
  WriteTargets({dbs.url(4), unreachable, dbs.url(5), dbs.url(6)});
  Output stop = ws_.Run({"--format", "json", "upgrade", "--targets", "targets.txt", "--parallel",
                         "1", "--on-error", "stop"});
  EXPECT_EQ(stop.code, 4) << stop.err;
  lines = ParseLines(stop.out);
  ASSERT_EQ(lines.targets.size(), 4u);
  EXPECT_EQ(lines.targets[0]["state"], "done");
  EXPECT_EQ(lines.targets[1]["state"], "failed");
  EXPECT_EQ(lines.targets[2]["state"], "not_run");
  EXPECT_EQ(lines.targets[3]["state"], "not_run");
  EXPECT_TRUE(lines.summary["stopped"].get<bool>());
  EXPECT_EQ(Trimmed(Psql(dbs.url(5), "SELECT count(*) FROM pg_tables WHERE tablename = 't1'")),
            "0");

  // stop after a failing migration (exit 1), and the text table names the error.
  Psql(dbs.url(7), "CREATE TABLE t1 (x int)");
  WriteTargets({dbs.url(7), dbs.url(5)});
  Output stop2 =
      ws_.Run({"upgrade", "--targets", "targets.txt", "--parallel", "1", "--on-error", "stop"});
  EXPECT_EQ(stop2.code, 1) << stop2.err;
  EXPECT_NE(stop2.out.find("not_run"), std::string::npos) << stop2.out;
  EXPECT_NE(stop2.out.find(Id(1)), std::string::npos) << stop2.out;
  EXPECT_NE(stop2.err.find("1 of 2 target(s) failed"), std::string::npos) << stop2.err;
}

TEST_F(FleetCli, CanaryGatesTheRest) {
  STRATA_REQUIRE_TEST_PG(admin);
  Databases dbs(admin, "can", 5, ws_);
  ASSERT_TRUE(dbs.ok());
  Chain(1, 1);
  Psql(dbs.url(0), "CREATE TABLE t1 (x int)");  // the canary fails

  WriteTargets({dbs.url(0), dbs.url(1), dbs.url(2), dbs.url(3)});
  Output bad =
      ws_.Run({"--format", "json", "upgrade", "--targets", "targets.txt", "--canary", "1"});
  EXPECT_EQ(bad.code, 1) << bad.err;
  Lines lines = ParseLines(bad.out);
  ASSERT_EQ(lines.targets.size(), 4u);
  EXPECT_EQ(lines.targets[0]["state"], "failed");
  for (int i : {1, 2, 3}) {
    EXPECT_EQ(lines.targets[i]["state"], "not_run");
    EXPECT_NE(lines.targets[i]["error"].get<std::string>().find("canary"), std::string::npos);
    EXPECT_EQ(Trimmed(Psql(dbs.url(i), "SELECT count(*) FROM pg_tables WHERE tablename='t1'")),
              "0");
  }
  EXPECT_TRUE(lines.summary["canary_failed"].get<bool>());

  // Canaries that succeed let the rest go.
  WriteTargets({dbs.url(1), dbs.url(2), dbs.url(3), dbs.url(4)});
  Output good =
      ws_.Run({"--format", "json", "upgrade", "--targets", "targets.txt", "--canary", "2"});
  EXPECT_EQ(good.code, 0) << good.err;
  lines = ParseLines(good.out);
  EXPECT_EQ(lines.summary["done"], 4);
}

TEST_F(FleetCli, TargetsFromStdinAndFromACatalogQuery) {
  STRATA_REQUIRE_TEST_PG(admin);
  Databases dbs(admin, "src", 3, ws_);
  ASSERT_TRUE(dbs.ok());
  Chain(1, 1);
  WriteTargets({dbs.url(0), dbs.url(1)});
  auto sh = ws_.StartProgram("/bin/sh", {"-c", std::string("exec ") + STRATA_BINARY +
                                                   " --format json current --targets - "
                                                   "< targets.txt"});
  Output from_stdin = sh->Wait();
  EXPECT_EQ(from_stdin.code, 0) << from_stdin.err;
  EXPECT_EQ(ParseLines(from_stdin.out).targets.size(), 2u);

  // The catalog: a table of tenants' URLs in database 2 (one with a password: masked).
  std::string with_password = dbs.url(1);
  with_password.replace(with_password.find("postgres@"), 9, "postgres:hunter2@");
  Psql(dbs.url(2), "CREATE TABLE tenants (url text); INSERT INTO tenants VALUES ('" + dbs.url(0) +
                       "'), ('" + with_password + "')");
  Output q = ws_.Run({"--url", dbs.url(2), "--format", "json", "upgrade", "--targets-query",
                      "SELECT url FROM tenants ORDER BY url"});
  EXPECT_EQ(q.code, 0) << q.err;
  Lines lines = ParseLines(q.out);
  ASSERT_EQ(lines.targets.size(), 2u);
  EXPECT_EQ(lines.summary["done"], 2);
  EXPECT_EQ(q.out.find("hunter2"), std::string::npos);
  EXPECT_EQ(Trimmed(Psql(dbs.url(1), "SELECT version_num FROM alembic_version")), Id(1));

  Output bad_query = ws_.Run({"--url", dbs.url(2), "status", "--targets-query", "SELECT nope"});
  EXPECT_EQ(bad_query.code, 1) << bad_query.err;
  EXPECT_NE(bad_query.err.find("--targets-query"), std::string::npos) << bad_query.err;
}

TEST(FleetCliUsage, BadListsAndOptionsAreUsageErrors) {
  Workspace ws;
  ws.Write("migrations/.keep", "");
  Output missing = ws.Run({"upgrade", "--targets", "nope.txt"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("nope.txt"), std::string::npos) << missing.err;
  ws.Write("bad.txt", "sqlite:a.db\nftp://u:sekrit@h/x\n");
  Output bad = ws.Run({"check", "--targets", "bad.txt"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("bad.txt:2"), std::string::npos) << bad.err;
  EXPECT_EQ(bad.err.find("sekrit"), std::string::npos) << bad.err;
  Output zero = ws.Run({"current", "--targets", "bad.txt", "--parallel", "0"});
  EXPECT_EQ(zero.code, 2);
  Output mode = ws.Run({"current", "--targets", "bad.txt", "--on-error", "maybe"});
  EXPECT_EQ(mode.code, 2);
}

TEST(FleetCliSqlite, RunsOverSqliteFiles) {
  Workspace ws;
  ws.Write("migrations/aaaa0001_rev.sql",
           RevisionText("aaaa0001", "", "CREATE TABLE t1 (id integer);", "DROP TABLE t1;"));
  ws.Write("targets.txt", "sqlite:a.db\nsqlite:b.db\nsqlite:c.db\n");
  Output up = ws.Run({"--format", "json", "upgrade", "--targets", "targets.txt"});
  ASSERT_EQ(up.code, 0) << up.err;
  Lines lines = ParseLines(up.out);
  ASSERT_EQ(lines.targets.size(), 3u);
  EXPECT_EQ(lines.targets[2]["heads_after"], nlohmann::json::array({"aaaa0001"}));
  Output again = ws.Run({"--format", "json", "upgrade", "--targets", "targets.txt"});
  EXPECT_EQ(ParseLines(again.out).summary["skipped"], 3);
  Output down = ws.Run({"--format", "json", "downgrade", "base", "--targets", "targets.txt"});
  EXPECT_EQ(down.code, 0) << down.err;
  EXPECT_EQ(ParseLines(down.out).targets[0]["heads_after"], nlohmann::json::array());
}

}  // namespace
}  // namespace strata::testing
