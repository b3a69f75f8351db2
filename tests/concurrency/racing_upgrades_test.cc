// Many replicas running `strata upgrade head` at once on one PostgreSQL database (Kubernetes
// init containers, parallel CI jobs): every revision is applied exactly once, every process
// exits 0, and the version table ends at the head (DESIGN §5). Second variant: one revision is
// `Transactional: false` with CREATE INDEX CONCURRENTLY on a table with rows, which deadlocks
// a migrator whose waiters block inside pg_advisory_lock; it must finish.
//
// The processes are real `strata` executables, released together by a start barrier: each
// child blocks reading a pipe whose write end the parent closes once all are forked. No sleeps.
//
// Needs STRATA_TEST_PG_URL (scripts/pg-test-cluster.sh); skipped without it unless
// STRATA_REQUIRE_PG=1, which turns a missing server into a failure.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace strata {
namespace {

namespace fs = std::filesystem;

constexpr int kProcesses = 20;
constexpr int kRevisions = 50;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

std::string RevId(int i) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "rev%02d", i);
  return buffer;
}

std::string WithDatabase(const std::string& url, const std::string& db) {
  size_t scheme = url.find("://");
  size_t query = url.find('?', scheme + 3);
  size_t path = url.find('/', scheme + 3);
  std::string tail = query == std::string::npos ? "" : url.substr(query);
  return url.substr(0, std::min(path, query)) + "/" + db + tail;
}

// A side connection for setup and assertions.
class Pg {
 public:
  explicit Pg(const std::string& url) : conn_(PQconnectdb(url.c_str())) {}
  ~Pg() { PQfinish(conn_); }
  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }
  std::string error() const { return PQerrorMessage(conn_); }

  // Every row, columns joined with '|'; an error comes back as one "ERROR: ..." row.
  std::vector<std::string> Rows(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    std::vector<std::string> out;
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
      out.push_back(std::string("ERROR: ") + PQresultErrorMessage(r));
    }
    for (int i = 0; i < PQntuples(r); ++i) {
      std::string row;
      for (int j = 0; j < PQnfields(r); ++j)
        row += (j ? "|" : "") + std::string(PQgetvalue(r, i, j));
      out.push_back(row);
    }
    PQclear(r);
    return out;
  }

 private:
  PGconn* conn_;
};

class RacingUpgradesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_url_ = Env("STRATA_TEST_PG_URL");
    if (admin_url_.empty()) {
      if (Env("STRATA_REQUIRE_PG") == "1")
        FAIL() << "STRATA_REQUIRE_PG=1 but no STRATA_TEST_PG_URL";
      GTEST_SKIP() << "no PostgreSQL in this run (set STRATA_TEST_PG_URL)";
    }
    std::random_device rd;
    database_ = "strata_race_" + std::to_string(getpid()) + "_" + std::to_string(rd() % 100000);
    Pg admin(admin_url_);
    ASSERT_TRUE(admin.ok()) << admin.error();
    ASSERT_EQ(admin.Rows("CREATE DATABASE " + database_), std::vector<std::string>{});
    url_ = WithDatabase(admin_url_, database_);
    char dir_template[] = "/tmp/strata-race-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    fs::create_directories(dir_ + "/migrations");
  }

  void TearDown() override {
    if (!database_.empty()) {
      Pg admin(admin_url_);
      admin.Rows("DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)");
    }
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }

  // rev01 creates the audit table and a filler table with rows; every revision then records
  // itself in audit. `concurrent_at` (0 = none) makes that revision non-transactional and has it
  // build an index concurrently on the filler table.
  void WriteRevisions(int concurrent_at) {
    for (int i = 1; i <= kRevisions; ++i) {
      std::ostringstream f;
      f << "-- revision " << i << "\n--\n-- Revision ID: " << RevId(i) << "\n"
        << "-- Revises: " << (i == 1 ? "" : RevId(i - 1)) << "\n";
      if (i == concurrent_at) f << "-- Transactional: false\n";
      f << "-- Create Date: 2026-02-09 10:00:00\n\n-- migrate:upgrade\n";
      if (i == 1) {
        f << "CREATE TABLE audit (id serial PRIMARY KEY, revision text NOT NULL, "
             "backend int NOT NULL DEFAULT pg_backend_pid());\n"
             "CREATE TABLE filler (id int, payload text);\n"
             "INSERT INTO filler SELECT g, md5(g::text) FROM generate_series(1, 20000) g;\n";
      }
      if (i == concurrent_at) {
        f << "CREATE INDEX CONCURRENTLY filler_payload_idx ON filler (payload);\n";
      }
      f << "INSERT INTO audit (revision) VALUES ('" << RevId(i) << "');\n"
        << "\n-- migrate:downgrade\nDELETE FROM audit WHERE revision = '" << RevId(i) << "';\n";
      std::ofstream(dir_ + "/migrations/" + RevId(i) + "_step.sql") << f.str();
    }
  }

  struct Outcome {
    int exit_code = -1;
    std::string output;
  };

  // Forks kProcesses children that each wait on the barrier, then exec
  // `strata --url URL --dir DIR upgrade head`; releases them together and reaps them.
  std::vector<Outcome> RaceUpgrades() {
    int barrier[2];
    EXPECT_EQ(pipe(barrier), 0);
    std::vector<pid_t> pids;
    for (int i = 0; i < kProcesses; ++i) {
      std::string log = dir_ + "/out" + std::to_string(i) + ".txt";
      pid_t pid = fork();
      if (pid == 0) {
        close(barrier[1]);
        char byte;
        // Blocks until the parent closes the write end: read returns 0 in every child at once.
        while (read(barrier[0], &byte, 1) > 0) {
        }
        int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        std::string migrations = dir_ + "/migrations";
        execl(STRATA_BINARY, STRATA_BINARY, "--url", url_.c_str(), "--dir", migrations.c_str(),
              "upgrade", "head", static_cast<char*>(nullptr));
        _exit(127);
      }
      pids.push_back(pid);
    }
    close(barrier[0]);
    close(barrier[1]);  // go
    std::vector<Outcome> out(kProcesses);
    for (int i = 0; i < kProcesses; ++i) {
      int status = 0;
      waitpid(pids[i], &status, 0);
      out[i].exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      std::ifstream in(dir_ + "/out" + std::to_string(i) + ".txt");
      out[i].output.assign(std::istreambuf_iterator<char>(in), {});
    }
    return out;
  }

  void ExpectEachRevisionOnceAtHead(const std::vector<Outcome>& outcomes) {
    for (int i = 0; i < kProcesses; ++i) {
      EXPECT_EQ(outcomes[i].exit_code, 0) << "process " << i << ":\n" << outcomes[i].output;
    }
    Pg db(url_);
    ASSERT_TRUE(db.ok()) << db.error();
    std::vector<std::string> counts =
        db.Rows("SELECT revision, count(*) FROM audit GROUP BY revision ORDER BY revision");
    ASSERT_EQ(counts.size(), static_cast<size_t>(kRevisions));
    for (int i = 1; i <= kRevisions; ++i) EXPECT_EQ(counts[i - 1], RevId(i) + "|1");
    // One process did all the work; the others waited, re-read the version table and left.
    EXPECT_EQ(db.Rows("SELECT count(DISTINCT backend) FROM audit"), std::vector<std::string>{"1"});
    EXPECT_EQ(db.Rows("SELECT version_num FROM alembic_version"),
              std::vector<std::string>{RevId(kRevisions)});
    EXPECT_EQ(
        db.Rows("SELECT count(*), count(DISTINCT revision) FROM strata_log WHERE "
                "direction = 'upgrade' AND status = 'done'"),
        std::vector<std::string>{std::to_string(kRevisions) + "|" + std::to_string(kRevisions)});
    int applied_by_someone = 0;
    for (const Outcome& o : outcomes) {
      if (o.output.find("Running upgrade") != std::string::npos) ++applied_by_someone;
    }
    EXPECT_EQ(applied_by_someone, 1);
  }

  std::string admin_url_;
  std::string database_;
  std::string url_;
  std::string dir_;
};

TEST_F(RacingUpgradesTest, TwentyProcessesApplyFiftyRevisionsExactlyOnce) {
  WriteRevisions(/*concurrent_at=*/0);
  auto t0 = std::chrono::steady_clock::now();
  std::vector<Outcome> outcomes = RaceUpgrades();
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ExpectEachRevisionOnceAtHead(outcomes);
  RecordProperty("seconds", std::to_string(seconds));
}

TEST_F(RacingUpgradesTest, ConcurrentIndexBuildAmongThemFinishesWithoutDeadlock) {
  WriteRevisions(/*concurrent_at=*/25);
  // Were a waiter to hold a snapshot the index build waits for, one of them would hit the
  // lock_timeout and exit 5, which ExpectEachRevisionOnceAtHead reports.
  std::vector<Outcome> outcomes = RaceUpgrades();
  ExpectEachRevisionOnceAtHead(outcomes);
  Pg db(url_);
  EXPECT_EQ(db.Rows("SELECT indisvalid FROM pg_index WHERE indexrelid = "
                    "'filler_payload_idx'::regclass"),
            std::vector<std::string>{"t"});
}

}  // namespace
}  // namespace strata
