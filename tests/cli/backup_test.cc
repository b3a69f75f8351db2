// `strata backup`, `backup list`, `restore` and `upgrade --backup` through the real binary, on
// SQLite files and on the PostgreSQL test server (real pg_dump / pg_restore): rows come back,
// retention removes only old strata files and keeps the newest backup before each applied
// revision, a killed backup leaves no finished-looking file, the password never reaches a
// child's argv, and a too-old pg_dump is refused before anything runs.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "cli/cli_fixture.h"

namespace strata::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

class BackupTest : public CliFixture {
 protected:
  bool pg() const { return GetParam() == Backend::kPostgres; }
  std::string Ext() const { return pg() ? "dump" : "db"; }

  // The finished backups (not manifests, not partial files) in backups/.
  std::vector<std::string> Backups(const std::string& dir = "backups") {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(ws_.path(dir), ec)) {
      std::string name = e.path().filename().string();
      if (name.rfind("pre_migration_", 0) == 0 && e.path().extension() != ".json") {
        out.push_back(name);
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  nlohmann::json Manifest(const std::string& name) {
    return nlohmann::json::parse(ws_.Read("backups/" + name + ".json"));
  }

  void SetUpData() {
    Chain(2);
    ASSERT_EQ(Strata({"upgrade", "head"}).code, 0);
    db_->Query("INSERT INTO t1 (id) VALUES (1), (2), (3)");
  }

  int64_t Rows(const std::string& table) {
    bool ok = false;
    std::string n = db_->Query("SELECT count(*) FROM " + table, &ok);
    return ok ? std::stoll(n) : -1;
  }
};

TEST_P(BackupTest, RoundTripBringsRowsBackAndReportsTheRevision) {
  SetUpData();
  Output b = Strata({"backup"});
  ASSERT_EQ(b.code, 0) << b.err;
  std::vector<std::string> backups = Backups();
  ASSERT_EQ(backups.size(), 1u);
  EXPECT_TRUE(
      std::regex_match(backups[0], std::regex("pre_migration_[0-9]{8}_[0-9]{6}\\." + Ext())))
      << backups[0];
  struct stat st {};
  ASSERT_EQ(stat(ws_.path("backups/" + backups[0]).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat(ws_.path("backups/" + backups[0] + ".json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  nlohmann::json m = Manifest(backups[0]);
  EXPECT_EQ(m["heads"], nlohmann::json::array({"aaaa0002"}));
  EXPECT_EQ(m["sha256"].get<std::string>().size(), 64u);
  EXPECT_GT(m["size_bytes"].get<int64_t>(), 0);
  EXPECT_FALSE(m["server_version"].get<std::string>().empty());
  EXPECT_FALSE(m["strata_version"].get<std::string>().empty());
  EXPECT_EQ(m["table_rows"][pg() ? "public.t1" : "t1"], 3);
  if (pg()) {
    EXPECT_FALSE(m["pg_dump_version"].get<std::string>().empty());
  }

  Output list = Strata({"--format", "json", "backup", "list"});
  ASSERT_EQ(list.code, 0) << list.err;
  nlohmann::json doc = nlohmann::json::parse(list.out);
  ASSERT_EQ(doc["backups"].size(), 1u);
  EXPECT_EQ(doc["backups"][0]["name"], backups[0]);
  Output text_list = Strata({"backup", "list"});
  EXPECT_THAT(text_list.out, HasSubstr(backups[0]));
  EXPECT_THAT(text_list.out, HasSubstr("aaaa0002"));

  // Lose data, then restore: refused without --yes (the database is not empty), rows back with.
  db_->Query("DELETE FROM t1");
  ASSERT_EQ(Rows("t1"), 0);
  Output refused = Strata({"restore", "backups/" + backups[0]});
  EXPECT_EQ(refused.code, 8) << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("not empty"));
  EXPECT_THAT(refused.err, HasSubstr("--into"));
  EXPECT_EQ(Rows("t1"), 0);
  Output restored = Strata({"restore", "backups/" + backups[0], "--yes"});
  ASSERT_EQ(restored.code, 0) << restored.err;
  EXPECT_THAT(restored.out, HasSubstr("back at aaaa0002"));
  EXPECT_EQ(Rows("t1"), 3);
  EXPECT_EQ(db_->Versions(), "aaaa0002");
}

TEST_P(BackupTest, RestoreIntoAnotherDatabase) {
  SetUpData();
  ASSERT_EQ(Strata({"backup"}).code, 0);
  std::string backup = "backups/" + Backups().at(0);
  Workspace other;
  STRATA_CREATE_TEST_DB(scratch, GetParam(), other.dir());
  Output r = Strata({"restore", backup, "--into", scratch->url()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("back at aaaa0002"));
  EXPECT_EQ(scratch->Query("SELECT count(*) FROM t1"), "3\n");
  EXPECT_EQ(scratch->Versions(), "aaaa0002");
  EXPECT_EQ(Rows("t1"), 3);  // the source is untouched
}

TEST_P(BackupTest, VerifyRestoresOnAScratchDatabaseAndCatchesACorruptedFile) {
  SetUpData();
  ASSERT_EQ(Strata({"backup"}).code, 0);
  std::string backup = "backups/" + Backups().at(0);
  Output ok = Strata({"restore", backup, "--verify"});
  ASSERT_EQ(ok.code, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("verified"));

  // Flip one byte in the middle of the file.
  {
    std::fstream f(ws_.path(backup), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(0, std::ios::end);
    std::streamoff size = f.tellg();
    f.seekg(size / 2);
    char c = 0;
    f.read(&c, 1);
    f.seekp(size / 2);
    c = static_cast<char>(c ^ 0x5a);
    f.write(&c, 1);
  }
  Output bad = Strata({"restore", backup, "--verify"});
  EXPECT_EQ(bad.code, 8);
  EXPECT_THAT(bad.err, HasSubstr("damaged"));
  EXPECT_THAT(bad.err, HasSubstr("sha256"));
  Output bad_restore = Strata({"restore", backup, "--yes"});
  EXPECT_EQ(bad_restore.code, 8);
  EXPECT_EQ(Rows("t1"), 3);
}

// A backup file the test writes itself, with a manifest as strata writes one.
void FakeBackup(const Workspace& ws, const std::string& name, const std::string& created_at,
                int64_t created_unix) {
  ws.Write("backups/" + name, "old backup");
  nlohmann::json m = {{"name", name},
                      {"format", "custom"},
                      {"dialect", "sqlite"},
                      {"created_at", created_at},
                      {"created_unix", created_unix},
                      {"heads", nlohmann::json::array()},
                      {"size_bytes", 10},
                      {"sha256", std::string(64, '0')}};
  ws.Write("backups/" + name + ".json", m.dump());
}

TEST_P(BackupTest, RetentionRemovesOnlyOldStrataBackupsAndKeepsTheNewestBeforeEachRevision) {
  SetUpData();
  // aaaa0001 applied on 2020-01-01 12:00, aaaa0002 on 2020-01-03 12:00.
  db_->Query(
      "UPDATE strata_log SET started_at = '2020-01-01T12:00:00Z' WHERE revision = 'aaaa0001'");
  db_->Query(
      "UPDATE strata_log SET started_at = '2020-01-03T12:00:00Z' WHERE revision = 'aaaa0002'");
  FakeBackup(ws_, "pre_migration_20200101_000000.db", "2020-01-01T00:00:00Z", 1577836800);
  FakeBackup(ws_, "pre_migration_20200101_060000.db", "2020-01-01T06:00:00Z", 1577858400);
  FakeBackup(ws_, "pre_migration_20200102_000000.db", "2020-01-02T00:00:00Z", 1577923200);
  FakeBackup(ws_, "pre_migration_20200104_000000.db", "2020-01-04T00:00:00Z", 1578096000);
  ws_.Write("backups/notes.txt", "not strata's");
  ws_.Write("backups/pre_migration_20190101_000000.db", "no manifest: not strata's");

  Output b = Strata({"backup"});
  ASSERT_EQ(b.code, 0) << b.err;
  std::set<std::string> left;
  for (const auto& e : fs::directory_iterator(ws_.path("backups"))) {
    left.insert(e.path().filename().string());
  }
  // Newest before aaaa0001 (06:00) and before aaaa0002 (01-02) stay; the others are old.
  EXPECT_TRUE(left.count("pre_migration_20200101_060000.db"));
  EXPECT_TRUE(left.count("pre_migration_20200101_060000.db.json"));
  EXPECT_TRUE(left.count("pre_migration_20200102_000000.db"));
  EXPECT_FALSE(left.count("pre_migration_20200101_000000.db"));
  EXPECT_FALSE(left.count("pre_migration_20200101_000000.db.json"));
  EXPECT_FALSE(left.count("pre_migration_20200104_000000.db"));
  EXPECT_FALSE(left.count("pre_migration_20200104_000000.db.json"));
  EXPECT_TRUE(left.count("notes.txt"));
  EXPECT_TRUE(left.count("pre_migration_20190101_000000.db"));
  EXPECT_EQ(Backups().size(), 4u);  // 2 kept, the manifestless file, the new one
  EXPECT_THAT(b.out, HasSubstr("Removed old backup"));
}

TEST_P(BackupTest, UpgradeBackupTakesOneOnlyWhenThereIsSomethingToApply) {
  Chain(2);
  ASSERT_EQ(Strata({"upgrade", "+1"}).code, 0);
  db_->Query("INSERT INTO t1 (id) VALUES (7)");
  Output up = Strata({"upgrade", "head", "--backup"});
  ASSERT_EQ(up.code, 0) << up.err;
  ASSERT_EQ(Backups().size(), 1u);
  EXPECT_EQ(Manifest(Backups()[0])["heads"], nlohmann::json::array({"aaaa0001"}));
  EXPECT_EQ(db_->Versions(), "aaaa0002");
  Output again = Strata({"upgrade", "head", "--backup"});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(Backups().size(), 1u);  // nothing to apply, no backup

  // backup_before_upgrade does the same from strata.toml.
  Rev("aaaa0003", "aaaa0002", "CREATE TABLE t3 (id INTEGER);", "DROP TABLE t3;");
  ws_.Write("strata.toml", "backup_before_upgrade = true\n");
  ASSERT_EQ(Strata({"upgrade", "head"}).code, 0);
  EXPECT_EQ(Backups().size(), 2u);
}

TEST_P(BackupTest, UpgradeDoesNotMigrateWhenTheBackupFails) {
  Chain(2);
  ASSERT_EQ(Strata({"upgrade", "+1"}).code, 0);
  ws_.Write("blocked", "a file where the backup folder should be");
  ws_.Write("strata.toml", "backup_dir = \"blocked/backups\"\n");
  Output up = Strata({"upgrade", "head", "--backup"});
  EXPECT_EQ(up.code, 8) << up.err;
  EXPECT_THAT(up.err, HasSubstr("nothing was migrated"));
  EXPECT_THAT(up.err, HasSubstr("blocked/backups"));
  EXPECT_EQ(db_->Versions(), "aaaa0001");
  EXPECT_FALSE(TableExists("t2"));
}

INSTANTIATE_TEST_SUITE_P(Backends, BackupTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& p) { return std::string(BackendName(p.param)); });

// ---- PostgreSQL only: the pg_dump child ------------------------------------------------------

class PgDumpTest : public BackupTest {
 protected:
  std::string RealBin() {
    std::string dir = Capture("pg_config --bindir");
    while (!dir.empty() && dir.back() == '\n') dir.pop_back();
    return dir;
  }
  // A pg_dump wrapper in fakebin/: answers --version as the real one, records its pid, waits
  // for a line on the fifo `go`, then becomes the real pg_dump (same pid, same argv).
  void WriteWaitingPgDump() {
    ASSERT_EQ(mkfifo(ws_.path("go").c_str(), 0600), 0);
    ws_.Write("fakebin/pg_dump",
              "#!/bin/sh\n"
              "if [ \"$1\" = --version ]; then exec " +
                  RealBin() +
                  "/pg_dump --version; fi\n"
                  "echo $$ > " +
                  ws_.path("pg_dump.pid.tmp") +
                  "\n"
                  "mv " +
                  ws_.path("pg_dump.pid.tmp") + " " + ws_.path("pg_dump.pid") +
                  "\n"
                  "read line < " +
                  ws_.path("go") +
                  "\n"
                  "exec " +
                  RealBin() + "/pg_dump \"$@\"\n");
    chmod(ws_.path("fakebin/pg_dump").c_str(), 0755);
    ws_.Write("strata.toml", "pg_dump_path = \"" + ws_.path("fakebin") + "\"\n");
  }
  // Waits (polling, with a deadline) for the wrapper to record its pid.
  pid_t WaitForPgDump() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      std::string pid = ws_.Read("pg_dump.pid");
      if (!pid.empty()) return static_cast<pid_t>(std::stol(pid));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling a condition
    }
    return -1;
  }
  static std::string ReadProc(pid_t pid, const char* what) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/" + what, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
};

TEST_P(PgDumpTest, PasswordGoesThroughTheEnvironmentAndAKilledBackupLeavesNoFinishedFile) {
  SetUpData();
  const std::string password = "Secr3t_pw_42";
  std::string url = db_->url();
  size_t at = url.find('@');
  ASSERT_NE(at, std::string::npos);
  url.insert(at, ":" + password);  // trust auth accepts it; strata must still hide it
  ws_.SetEnv("STRATA_URL", url);
  WriteWaitingPgDump();

  // 1. Killed while pg_dump runs: no file that looks finished, no manifest.
  {
    std::unique_ptr<Child> backup = ws_.Start({"backup"});
    pid_t dump = WaitForPgDump();
    ASSERT_GT(dump, 0);
    std::string argv = ReadProc(dump, "cmdline");
    EXPECT_THAT(argv, HasSubstr("--dbname="));
    EXPECT_THAT(argv, Not(HasSubstr(password)));
    EXPECT_THAT(ReadProc(dump, "environ"), HasSubstr("PGPASSWORD=" + password));
    backup->Signal(SIGKILL);
    backup->Wait();
    kill(dump, SIGKILL);
    EXPECT_TRUE(Backups().empty());
    for (const auto& e : fs::directory_iterator(ws_.path("backups"))) {
      EXPECT_EQ(e.path().filename().string()[0], '.') << e.path();  // only the partial file
    }
  }
  // 2. Let it finish: one backup, and the password nowhere in the manifest or output.
  fs::remove(ws_.path("pg_dump.pid"));
  std::unique_ptr<Child> backup = ws_.Start({"backup"});
  ASSERT_GT(WaitForPgDump(), 0);
  { std::ofstream(ws_.path("go")) << "go\n"; }
  Output out = backup->Wait();
  ASSERT_EQ(out.code, 0) << out.err;
  ASSERT_EQ(Backups().size(), 1u);
  std::string manifest = ws_.Read("backups/" + Backups()[0] + ".json");
  EXPECT_THAT(manifest, Not(HasSubstr(password)));
  EXPECT_THAT(manifest, HasSubstr("***"));
  EXPECT_THAT(out.out + out.err, Not(HasSubstr(password)));
}

TEST_P(PgDumpTest, APgDumpOlderThanTheServerIsRefusedAndNothingIsDeleted) {
  SetUpData();
  ws_.Write("fakebin/pg_dump", "#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\nexit 0\n");
  chmod(ws_.path("fakebin/pg_dump").c_str(), 0755);
  ws_.Write("strata.toml", "pg_dump_path = \"" + ws_.path("fakebin/pg_dump") + "\"\n");
  FakeBackup(ws_, "pre_migration_20200101_000000.dump", "2020-01-01T00:00:00Z", 1577836800);
  Output b = Strata({"backup"});
  EXPECT_EQ(b.code, 8);
  EXPECT_THAT(b.err, HasSubstr("9.6.24"));
  EXPECT_THAT(b.err, HasSubstr("at least as new as the server"));
  EXPECT_THAT(b.err, HasSubstr("postgresql-client-"));
  EXPECT_EQ(Backups(), std::vector<std::string>{"pre_migration_20200101_000000.dump"});

  Rev("aaaa0003", "aaaa0002", "CREATE TABLE t3 (id INTEGER);", "DROP TABLE t3;");
  Output up = Strata({"upgrade", "--backup"});
  EXPECT_EQ(up.code, 8);
  EXPECT_FALSE(TableExists("t3"));
  EXPECT_EQ(db_->Versions(), "aaaa0002");
}

TEST_P(PgDumpTest, DirectoryFormatWithJobsAndPlainFormatRoundTrip) {
  SetUpData();
  Output dir = Strata({"backup", "--format", "directory", "--jobs", "2"});
  ASSERT_EQ(dir.code, 0) << dir.err;
  Output plain = Strata({"backup", "--format", "plain"});
  ASSERT_EQ(plain.code, 0) << plain.err;
  std::vector<std::string> backups = Backups();
  ASSERT_EQ(backups.size(), 2u);
  for (const std::string& b : backups) {
    struct stat st {};
    ASSERT_EQ(stat(ws_.path("backups/" + b).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, S_ISDIR(st.st_mode) ? 0700u : 0600u) << b;
    Output v = Strata({"restore", "backups/" + b, "--verify"});
    EXPECT_EQ(v.code, 0) << b << ": " << v.err;
  }
  Output bad = Strata({"backup", "--jobs", "2"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--format directory"));
}

INSTANTIATE_TEST_SUITE_P(Backends, PgDumpTest, ::testing::Values(Backend::kPostgres),
                         [](const auto& p) { return std::string(BackendName(p.param)); });

}  // namespace
}  // namespace strata::testing
