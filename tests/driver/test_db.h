// Fresh databases for driver and migrator tests, one per test, for every backend of the run.
//
// A TestDb owns one freshly created, empty database and a side connection to it (separate from
// any Driver under test) for inspecting tables and for playing "another process". Its
// destructor removes the database. Not thread-safe.
//
// Backends: "sqlite" always (a temp file in a temp directory). "postgresql" when
// STRATA_TEST_PG_URL names an admin URL (a database we may CREATE DATABASE from), or when
// STRATA_REQUIRE_PG=1 is set: then a missing URL or a missing PostgreSQL backend makes every
// postgresql test FAIL, so CI cannot silently skip the PostgreSQL leg.
//
// The PostgreSQL backend lives in its own file (tests/driver/test_db_postgres.cc, linking
// libpq), registered at static-initialisation time:
//
//   namespace { const bool registered = strata::testing::RegisterPostgresTestDb(
//       [](const std::string& admin_url) ->
//       strata::Result<std::unique_ptr<strata::testing::TestDb>> {
//         ... CREATE DATABASE strata_test_<unique>; return a TestDb whose url() points at it and
//         whose destructor runs DROP DATABASE ... WITH (FORCE) ...
//       }); }
//
// Nothing else in the tests needs to change for PostgreSQL to run the whole suite.
#ifndef STRATA_TESTS_DRIVER_TEST_DB_H_
#define STRATA_TESTS_DRIVER_TEST_DB_H_

#include <memory>
#include <string>
#include <vector>

#include "strata/driver.h"
#include "strata/status.h"

namespace strata::testing {

using Rows = std::vector<std::vector<std::string>>;

class TestDb {
 public:
  virtual ~TestDb() = default;

  // The URL a Driver under test should open.
  virtual std::string url() const = 0;
  // "sqlite" or "postgresql", as Driver::dialect().
  virtual std::string dialect() const = 0;

  // Runs `sql` on the side connection; every column as text, NULL as "".
  virtual Result<Rows> Query(const std::string& sql) = 0;
  virtual Status Exec(const std::string& sql) = 0;
  // True when `table` exists (in the default schema).
  virtual Result<bool> TableExists(const std::string& table) = 0;

  // Takes the migration lock on the side connection the way another strata process would
  // (SQLite: BEGIN IMMEDIATE; PostgreSQL: the driver's advisory lock for options.version_table),
  // and keeps it until ReleaseHeldLock.
  virtual Status HoldMigrationLock(const DriverOptions& options) = 0;
  virtual Status ReleaseHeldLock() = 0;

  // One statement that runs for minutes unless interrupted.
  virtual std::string SlowStatement() const = 0;
};

// The backend names of this run, in order: "sqlite", then "postgresql" when configured (see
// above). Used as the values of the TEST_P suites.
std::vector<std::string> TestBackends();

// A fresh database of `backend`. Fails (so the test fails) when the backend is required but not
// available.
Result<std::unique_ptr<TestDb>> CreateTestDb(const std::string& backend);

// The PostgreSQL hook; returns true so it can initialise a namespace-scope constant.
using PostgresTestDbFactory = Result<std::unique_ptr<TestDb>> (*)(const std::string& admin_url);
bool RegisterPostgresTestDb(PostgresTestDbFactory factory);

// A temporary directory removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace strata::testing

#endif  // STRATA_TESTS_DRIVER_TEST_DB_H_
