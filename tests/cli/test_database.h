// A fresh database per CLI test, on SQLite (a file in the workspace) or PostgreSQL (a new
// database on the test cluster named by STRATA_TEST_PG_URL, dropped afterwards). Queries go
// through the databases' own command-line clients, so the tests see exactly what is stored.
#ifndef STRATA_TESTS_CLI_TEST_DATABASE_H_
#define STRATA_TESTS_CLI_TEST_DATABASE_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace strata::testing {

inline std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs a shell command and returns its stdout; `ok` gets whether it exited 0.
inline std::string Capture(const std::string& cmd, bool* ok = nullptr) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int rc = pclose(p);
  if (ok) *ok = rc == 0;
  return out;
}

inline std::string PsqlBinary() {
  static const std::string bin = [] {
    std::string dir = Capture("pg_config --bindir 2>/dev/null");
    while (!dir.empty() && (dir.back() == '\n' || dir.back() == ' ')) dir.pop_back();
    return dir.empty() ? std::string("psql") : dir + "/psql";
  }();
  return bin;
}

enum class Backend { kSqlite, kPostgres };

inline const char* BackendName(Backend b) { return b == Backend::kSqlite ? "sqlite" : "postgres"; }

class TestDatabase {
 public:
  // `workdir` holds the SQLite file. For PostgreSQL, fails the test when the cluster is missing
  // and STRATA_REQUIRE_PG=1 (CI), skips it otherwise.
  static std::unique_ptr<TestDatabase> Create(Backend backend, const std::string& workdir) {
    auto db = std::unique_ptr<TestDatabase>(new TestDatabase(backend));
    if (backend == Backend::kSqlite) {
      db->url_ = "sqlite:///" + workdir + "/test.db";
      db->sqlite_path_ = workdir + "/test.db";
      return db;
    }
    const char* admin = std::getenv("STRATA_TEST_PG_URL");
    if (admin == nullptr || *admin == '\0') return nullptr;
    static std::atomic<int> counter{0};
    db->pg_name_ = "strata_cli_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    db->admin_url_ = admin;
    bool ok = false;
    Capture(PsqlBinary() + " -X -q " + ShellQuote(admin) + " -c " +
                ShellQuote("CREATE DATABASE " + db->pg_name_) + " >/dev/null 2>&1",
            &ok);
    if (!ok) return nullptr;
    std::string base = admin;
    size_t slash = base.find('/', base.find("://") + 3);
    size_t query = base.find('?', slash);
    db->url_ = base.substr(0, slash) + "/" + db->pg_name_ +
               (query == std::string::npos ? "" : base.substr(query));
    return db;
  }

  ~TestDatabase() {
    if (!pg_name_.empty()) {
      Capture(PsqlBinary() + " -X -q " + ShellQuote(admin_url_) + " -c " +
              ShellQuote("DROP DATABASE IF EXISTS " + pg_name_ + " WITH (FORCE)") +
              " >/dev/null 2>&1");
    }
  }

  Backend backend() const { return backend_; }
  const std::string& url() const { return url_; }

  // Runs SQL and returns the rows, one per line, columns separated by '|'.
  std::string Query(const std::string& sql, bool* ok = nullptr) const {
    std::string cmd = backend_ == Backend::kSqlite
                          ? "sqlite3 -batch " + ShellQuote(sqlite_path_) + " " + ShellQuote(sql)
                          : PsqlBinary() + " -X -q -A -t -v ON_ERROR_STOP=1 " + ShellQuote(url_) +
                                " -c " + ShellQuote(sql);
    return Capture(cmd + " 2>/dev/null", ok);
  }

  // The version table's rows, sorted, joined with ','. Empty when at base or absent.
  std::string Versions(const std::string& table = "alembic_version") const {
    std::string rows = Query("SELECT version_num FROM " + table + " ORDER BY version_num");
    std::string out;
    for (char c : rows) out += c == '\n' ? ',' : c;
    while (!out.empty() && out.back() == ',') out.pop_back();
    return out;
  }

 private:
  explicit TestDatabase(Backend b) : backend_(b) {}
  Backend backend_;
  std::string url_;
  std::string sqlite_path_;
  std::string pg_name_;
  std::string admin_url_;
};

// Creates the database for a parameterised test, or fails/skips as described above.
#define STRATA_CREATE_TEST_DB(var, backend, workdir)                                      \
  auto var = ::strata::testing::TestDatabase::Create(backend, workdir);                   \
  if (!var) {                                                                             \
    const char* req = std::getenv("STRATA_REQUIRE_PG");                                   \
    if (req != nullptr && std::string(req) == "1") {                                      \
      FAIL() << "STRATA_REQUIRE_PG=1 but no PostgreSQL test server (STRATA_TEST_PG_URL)"; \
    }                                                                                     \
    GTEST_SKIP() << "no PostgreSQL test server; set STRATA_TEST_PG_URL";                  \
  }

}  // namespace strata::testing

#endif  // STRATA_TESTS_CLI_TEST_DATABASE_H_
