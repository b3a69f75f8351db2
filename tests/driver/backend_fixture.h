// The base fixture of the suites run on every backend of the run (driver_test.cc,
// migrator_test.cc), parameterised by the backend's name (TestBackends() in test_db.h): a fresh
// database of that backend in db_ and driver_, a Driver opened on it with options_.
#ifndef STRATA_TESTS_DRIVER_BACKEND_FIXTURE_H_
#define STRATA_TESTS_DRIVER_BACKEND_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "driver/driver_fixture.h"
#include "strata/driver.h"

namespace strata::testing {

class BackendFixture : public DriverFixture, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    CreateDb(GetParam());
    if (HasFatalFailure()) return;
    driver_ = Open(options_);
    ASSERT_NE(driver_, nullptr);
  }

  DriverOptions options_;
  std::unique_ptr<Driver> driver_;
};

}  // namespace strata::testing

#endif  // STRATA_TESTS_DRIVER_BACKEND_FIXTURE_H_
