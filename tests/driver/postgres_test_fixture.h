// The base fixture of the PostgreSQL-only driver tests (postgres_driver_test.cc,
// postgres_lock_retry_test.cc): a fresh PostgreSQL database per test (skipped when the run has
// no PostgreSQL, see test_db.h), revisions and steps built by hand, and small readers of the
// database's state.
#ifndef STRATA_TESTS_DRIVER_POSTGRES_TEST_FIXTURE_H_
#define STRATA_TESTS_DRIVER_POSTGRES_TEST_FIXTURE_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "driver/driver_fixture.h"
#include "driver/test_db.h"
#include "strata/driver.h"

namespace strata::testing {

class PostgresTestFixture : public DriverFixture {
 protected:
  // Revisions made by Add get the path "migrations/<id><path_suffix>".
  explicit PostgresTestFixture(std::string path_suffix) : path_suffix_(std::move(path_suffix)) {}

  void SetUp() override {
    std::vector<std::string> backends = TestBackends();
    if (std::find(backends.begin(), backends.end(), "postgresql") == backends.end()) {
      GTEST_SKIP() << "no PostgreSQL in this run (set STRATA_TEST_PG_URL)";
    }
    CreateDb("postgresql");
  }

  // A revision whose upgrade is `sql`; it lives in revisions_, so Step pointers stay valid.
  const Revision& Add(std::string id, std::string sql, bool transactional = true) {
    Revision r;
    r.id = std::move(id);
    r.path = "migrations/" + r.id + path_suffix_;
    r.transactional = transactional;
    r.upgrade = {std::move(sql), 10};
    revisions_.push_back(std::move(r));
    return revisions_.back();
  }

  // An upgrade from base (or from `from`).
  static Step Up(const Revision& rev, const std::string& from = "") {
    Step s;
    s.revision = &rev;
    s.to_ids = {rev.id};
    if (from.empty()) {
      s.version_changes = {{VersionChange::Kind::kInsert, "", rev.id}};
    } else {
      s.from_ids = s.heads_before = {from};
      s.version_changes = {{VersionChange::Kind::kUpdate, from, rev.id}};
    }
    return s;
  }

  static StepRun RunOf(const Step& step) {
    StepRun run;
    run.step = &step;
    run.checksum = std::string(64, 'c');
    run.applied_by = "tester@host";
    run.strata_version = "test";
    return run;
  }

  // The first column of the first row of `sql` on the side connection, "<none>" when there is
  // none.
  std::string One(const std::string& sql) {
    auto rows = db_->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    if (!rows.ok() || rows->empty() || rows->front().empty()) return "<none>";
    return rows->front().front();
  }

  std::vector<std::string> Versions(Driver& driver) {
    auto v = driver.ReadVersions();
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : std::vector<std::string>{"<error>"};
  }

  std::deque<Revision> revisions_;

 private:
  std::string path_suffix_;
};

}  // namespace strata::testing

#endif  // STRATA_TESTS_DRIVER_POSTGRES_TEST_FIXTURE_H_
