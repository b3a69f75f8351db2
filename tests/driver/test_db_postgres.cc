// The PostgreSQL backend of test_db.h: one fresh database per test, created from the admin URL
// in STRATA_TEST_PG_URL (scripts/pg-test-cluster.sh starts a throwaway server and exports it)
// and dropped WITH (FORCE) afterwards, so a test that leaves sessions behind still cleans up.
//
// The side connection is plain libpq, independent of the driver under test. Not thread-safe.
#include "driver/test_db_postgres.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <utility>

#include "driver/test_db.h"
#include "strata/url.h"

namespace strata::testing {
namespace {

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Conn = std::unique_ptr<PGconn, ConnDeleter>;
using Res = std::unique_ptr<PGresult, ResultDeleter>;

Result<Conn> Connect(const std::string& url) {
  Conn conn(PQconnectdb(url.c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return Status::Connection("test setup cannot connect to " + RedactUrl(url) + ": " +
                              RedactSecrets(PQerrorMessage(conn.get()), url));
  }
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);
  return conn;
}

Result<Res> Run(PGconn* conn, const std::string& sql) {
  Res r(PQexec(conn, sql.c_str()));
  ExecStatusType s = PQresultStatus(r.get());
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
    return Status::MigrationFailed("test query failed: " + sql + ": " +
                                   PQresultErrorMessage(r.get()));
  }
  return r;
}

std::string UniqueName() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "strata_test_%d_%d_%04x", static_cast<int>(getpid()),
                counter.fetch_add(1), rd() & 0xffff);
  return buffer;
}

class PostgresTestDb final : public TestDb {
 public:
  PostgresTestDb(std::string admin_url, std::string name)
      : admin_url_(std::move(admin_url)), name_(std::move(name)) {
    url_ = PostgresUrlWithDatabase(admin_url_, name_);
  }

  ~PostgresTestDb() override {
    held_.reset();
    side_.reset();
    if (auto admin = Connect(admin_url_); admin.ok()) {
      (void)Run(admin->get(), "DROP DATABASE IF EXISTS \"" + name_ + "\" WITH (FORCE)");
    }
  }

  Status Init() {
    auto admin = Connect(admin_url_);
    if (!admin.ok()) return admin.status();
    auto created = Run(admin->get(), "CREATE DATABASE \"" + name_ + "\"");
    if (!created.ok()) return created.status();
    auto side = Connect(url_);
    if (!side.ok()) return side.status();
    side_ = std::move(side).value();
    return Status::Ok();
  }

  std::string url() const override { return url_; }
  std::string dialect() const override { return "postgresql"; }

  Result<Rows> Query(const std::string& sql) override {
    auto r = Run(side_.get(), sql);
    if (!r.ok()) return r.status();
    Rows rows;
    for (int i = 0; i < PQntuples(r->get()); ++i) {
      std::vector<std::string> row;
      for (int j = 0; j < PQnfields(r->get()); ++j) row.emplace_back(PQgetvalue(r->get(), i, j));
      rows.push_back(std::move(row));
    }
    return rows;
  }

  Status Exec(const std::string& sql) override {
    auto r = Run(side_.get(), sql);
    return r.ok() ? Status::Ok() : r.status();
  }

  Result<bool> TableExists(const std::string& table) override {
    const char* values[1] = {table.c_str()};
    Res r(PQexecParams(side_.get(), "SELECT to_regclass(quote_ident($1)) IS NOT NULL", 1, nullptr,
                       values, nullptr, nullptr, 0));
    if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
      return Status::MigrationFailed(std::string("TableExists: ") + PQresultErrorMessage(r.get()));
    }
    return std::string(PQgetvalue(r.get(), 0, 0)) == "t";
  }

  // Exactly what another strata process does: a driver of its own takes the advisory lock.
  Status HoldMigrationLock(const DriverOptions& options) override {
    auto url = ParseDatabaseUrl(url_);
    if (!url.ok()) return url.status();
    DriverOptions quiet = options;
    quiet.on_wait = nullptr;
    quiet.lock_timeout = std::chrono::seconds(10);
    auto driver = OpenDriver(*url, quiet);
    if (!driver.ok()) return driver.status();
    STRATA_RETURN_IF_ERROR((*driver)->AcquireLock());
    held_ = std::move(driver).value();
    return Status::Ok();
  }

  Status ReleaseHeldLock() override {
    if (held_ == nullptr) return Status::Ok();
    Status s = held_->ReleaseLock();
    held_.reset();
    return s;
  }

  std::string SlowStatement() const override { return "SELECT pg_sleep(600);"; }

 private:
  std::string admin_url_;
  std::string name_;
  std::string url_;
  Conn side_;
  std::unique_ptr<Driver> held_;
};

Result<std::unique_ptr<TestDb>> CreatePostgresTestDb(const std::string& admin_url) {
  auto db = std::make_unique<PostgresTestDb>(admin_url, UniqueName());
  STRATA_RETURN_IF_ERROR(db->Init());
  return std::unique_ptr<TestDb>(std::move(db));
}

const bool registered = RegisterPostgresTestDb(CreatePostgresTestDb);

}  // namespace

std::string PostgresUrlWithDatabase(const std::string& url, const std::string& database) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url + " dbname=" + database;  // keyword string
  size_t query = url.find('?', scheme + 3);
  size_t path = url.find('/', scheme + 3);
  std::string head = url.substr(0, std::min(path, query));
  std::string tail = query == std::string::npos ? "" : url.substr(query);
  return head + "/" + database + tail;
}

}  // namespace strata::testing
