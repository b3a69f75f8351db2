// The common base of the driver-level fixtures (backend_fixture.h, postgres_test_fixture.h): a
// fresh database (test_db.h) in db_, made by the fixture's SetUp through CreateDb, and Drivers
// under test opened on it.
#ifndef STRATA_TESTS_DRIVER_DRIVER_FIXTURE_H_
#define STRATA_TESTS_DRIVER_DRIVER_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include "driver/test_db.h"
#include "strata/driver.h"

namespace strata::testing {

class DriverFixture : public ::testing::Test {
 protected:
  // Makes db_ a fresh database of `backend` ("sqlite", "postgresql"). A failure is fatal: the
  // caller's SetUp returns when HasFatalFailure().
  void CreateDb(const std::string& backend) {
    Result<std::unique_ptr<TestDb>> db = CreateTestDb(backend);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }

  // A Driver on db_ (or on `url` when given); nullptr, after a failed expectation, when it
  // cannot be opened.
  std::unique_ptr<Driver> Open(const DriverOptions& options, std::string url = "") {
    if (url.empty()) url = db_->url();
    Result<DatabaseUrl> parsed = ParseDatabaseUrl(url);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    if (!parsed.ok()) return nullptr;
    Result<std::unique_ptr<Driver>> driver = OpenDriver(*parsed, options);
    EXPECT_TRUE(driver.ok()) << driver.status().ToString();
    return driver.ok() ? std::move(driver).value() : nullptr;
  }

  // Whether `table` exists, looked at on db_'s side connection; false after a failed
  // expectation when that cannot be told.
  bool Exists(const std::string& table) {
    Result<bool> exists = db_->TableExists(table);
    EXPECT_TRUE(exists.ok()) << exists.status().ToString();
    return exists.ok() && *exists;
  }

  std::unique_ptr<TestDb> db_;
};

}  // namespace strata::testing

#endif  // STRATA_TESTS_DRIVER_DRIVER_FIXTURE_H_
