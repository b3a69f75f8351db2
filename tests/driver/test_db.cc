#include "driver/test_db.h"

#include <sqlite3.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "driver/sqlite/sqlite_handles.h"

namespace strata::testing {
namespace {

PostgresTestDbFactory& PostgresFactory() {
  static PostgresTestDbFactory factory = nullptr;
  return factory;
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

class SqliteTestDb final : public TestDb {
 public:
  Status Init() {
    path_ = dir_.path() + "/test.db";
    if (side_.Open(path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) != SQLITE_OK) {
      return Status::Connection("cannot create " + path_);
    }
    // Waiting a little on the side connection keeps inspection queries from failing while a
    // driver under test commits.
    sqlite3_busy_timeout(side_.get(), 5000);
    return Status::Ok();
  }

  std::string url() const override { return "sqlite:" + path_; }
  std::string dialect() const override { return "sqlite"; }
  const std::string& path() const { return path_; }

  Result<Rows> Query(const std::string& sql) override {
    Result<sqlite::Statement> stmt = side_.Prepare(sql, sql);
    if (!stmt.ok()) return stmt.status();
    Rows rows;
    for (;;) {
      Result<bool> row = stmt->Step(sql);
      if (!row.ok()) return row.status();
      if (!*row) break;
      std::vector<std::string> cols;
      for (int i = 0; i < sqlite3_column_count(stmt->get()); ++i)
        cols.push_back(stmt->ColumnText(i));
      rows.push_back(std::move(cols));
    }
    return rows;
  }

  Status Exec(const std::string& sql) override { return side_.Exec(sql, sql); }

  Result<bool> TableExists(const std::string& table) override {
    Result<Rows> rows =
        Query("SELECT 1 FROM sqlite_master WHERE type='table' AND name='" + table + "'");
    if (!rows.ok()) return rows.status();
    return !rows->empty();
  }

  Status HoldMigrationLock(const DriverOptions&) override { return Exec("BEGIN IMMEDIATE"); }
  Status ReleaseHeldLock() override { return Exec("ROLLBACK"); }

  std::string SlowStatement() const override {
    return "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000000000)"
           " SELECT count(*) FROM c;";
  }

 private:
  TempDir dir_;
  std::string path_;
  sqlite::Connection side_;
};

}  // namespace

TempDir::TempDir() {
  std::string base = std::filesystem::temp_directory_path().string() + "/strata-test-XXXXXX";
  if (mkdtemp(base.data()) == nullptr) std::abort();
  path_ = base;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::vector<std::string> TestBackends() {
  std::vector<std::string> out = {"sqlite"};
  if (!Env("STRATA_TEST_PG_URL").empty() || Env("STRATA_REQUIRE_PG") == "1") {
    out.push_back("postgresql");
  }
  return out;
}

bool RegisterPostgresTestDb(PostgresTestDbFactory factory) {
  PostgresFactory() = factory;
  return true;
}

Result<std::unique_ptr<TestDb>> CreateTestDb(const std::string& backend) {
  if (backend == "sqlite") {
    auto db = std::make_unique<SqliteTestDb>();
    STRATA_RETURN_IF_ERROR(db->Init());
    return std::unique_ptr<TestDb>(std::move(db));
  }
  if (backend == "postgresql") {
    std::string admin = Env("STRATA_TEST_PG_URL");
    if (admin.empty()) {
      return Status::Connection(
          "STRATA_REQUIRE_PG=1 but STRATA_TEST_PG_URL is not set: the PostgreSQL leg cannot run");
    }
    if (PostgresFactory() == nullptr) {
      return Status::Connection(
          "STRATA_TEST_PG_URL is set but this test binary has no PostgreSQL backend "
          "(tests/driver/test_db_postgres.cc)");
    }
    return PostgresFactory()(admin);
  }
  return Status::Usage("unknown test backend " + backend);
}

}  // namespace strata::testing
