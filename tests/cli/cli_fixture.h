// The base fixture of the CLI tests run on each backend (cli_test.cc, status_test.cc): a
// workspace for the `strata` binary (strata_runner.h) with STRATA_URL pointing at a fresh
// database of the test's Backend (test_database.h), revision files written into migrations/, and
// a look at which tables exist.
#ifndef STRATA_TESTS_CLI_CLI_FIXTURE_H_
#define STRATA_TESTS_CLI_CLI_FIXTURE_H_

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/strata_runner.h"
#include "cli/test_database.h"

namespace strata::testing {

class CliFixture : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    STRATA_CREATE_TEST_DB(db, GetParam(), ws_.dir());
    db_ = std::move(db);
    ws_.SetEnv("STRATA_URL", db_->url());
  }

  Output Strata(std::vector<std::string> args) { return ws_.Run(args); }

  // Writes a revision file into migrations/.
  void Rev(const std::string& id, const std::string& revises, const std::string& upgrade,
           const std::optional<std::string>& downgrade = std::string(),
           const std::string& extra = "") {
    ws_.Write("migrations/" + id + "_rev.sql",
              RevisionText(id, revises, upgrade, downgrade, "step " + id, extra));
  }

  // base -> aaaa0001 -> aaaa0002 -> ... each creating table t<i>.
  void Chain(int n) {
    for (int i = 1; i <= n; ++i) {
      Rev(Id(i), i == 1 ? "" : Id(i - 1), "CREATE TABLE t" + std::to_string(i) + " (id INTEGER);",
          "DROP TABLE t" + std::to_string(i) + ";");
    }
  }
  static std::string Id(int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "aaaa%04d", i);
    return buf;
  }

  bool TableExists(const std::string& table) {
    std::string sql =
        GetParam() == Backend::kSqlite
            ? "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='" + table + "'"
            : "SELECT count(*) FROM information_schema.tables WHERE table_name='" + table + "'";
    return db_->Query(sql).rfind("1", 0) == 0;
  }

  Workspace ws_;
  std::unique_ptr<TestDatabase> db_;
};

}  // namespace strata::testing

#endif  // STRATA_TESTS_CLI_CLI_FIXTURE_H_
