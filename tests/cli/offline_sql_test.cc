// `upgrade --sql` / `downgrade --sql`: the printed script, run by the database's own client
// (psql, sqlite3) on an empty database, leaves the same schema, version rows and checksums as
// `strata upgrade` on another; the script is made without touching any database.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/strata_runner.h"
#include "cli/test_database.h"

namespace strata::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class OfflineSqlTest : public ::testing::TestWithParam<Backend> {
 protected:
  // Runs `script` with the database's client, stopping at the first error.
  static bool RunScript(const TestDatabase& db, const Workspace& ws, const std::string& script) {
    ws.Write("script.sql", script);
    std::string file = ShellQuote(ws.path("script.sql"));
    std::string cmd =
        db.backend() == Backend::kSqlite
            ? "sqlite3 -bail " + ShellQuote(ws.path("test.db")) + " < " + file
            : PsqlBinary() + " -X -q -v ON_ERROR_STOP=1 " + ShellQuote(db.url()) + " -f " + file;
    bool ok = false;
    std::string out = Capture(cmd, &ok);
    // A script prints nothing but what its statements print: no result table of strata's own
    // (psql -q shows no command tags, but it does show a SELECT's rows).
    EXPECT_EQ(out, "") << "the script printed something";
    return ok;
  }

  // Tables, columns, indexes and constraints, strata_log's contents excluded.
  static std::string Schema(const TestDatabase& db) {
    if (db.backend() == Backend::kSqlite) {
      return db.Query(
          "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name <> 'sqlite_sequence' "
          "ORDER BY name");
    }
    return db.Query(
               "SELECT table_name, column_name, data_type, is_nullable, "
               "coalesce(column_default, ''), coalesce(character_maximum_length, 0) FROM "
               "information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2") +
           db.Query(
               "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
               "ORDER BY 1") +
           db.Query(
               "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint WHERE "
               "connamespace = 'public'::regnamespace ORDER BY 1");
  }

  static std::string Log(const TestDatabase& db) {
    return db.Query("SELECT revision, direction, status, checksum FROM strata_log ORDER BY id");
  }

  static std::string Examples() { return std::string(STRATA_SOURCE_DIR) + "/examples/migrations"; }
};

TEST_P(OfflineSqlTest, ExampleScriptsMatchALiveRunBothWays) {
  Workspace offline_ws, live_ws;
  STRATA_CREATE_TEST_DB(offline, GetParam(), offline_ws.dir());
  STRATA_CREATE_TEST_DB(live, GetParam(), live_ws.dir());
  offline_ws.SetEnv("STRATA_URL", offline->url());
  live_ws.SetEnv("STRATA_URL", live->url());

  // The dialect comes from the URL; nothing is created by printing the script.
  Output up = offline_ws.Run({"--dir", Examples(), "upgrade", "head", "--sql"});
  ASSERT_EQ(up.code, 0) << up.err;
  EXPECT_THAT(up.out, HasSubstr("-- Running upgrade <base> -> 1975ea83b712, Create users\n"));
  EXPECT_THAT(up.out, HasSubstr(GetParam() == Backend::kSqlite ? "BEGIN IMMEDIATE;"
                                                               : "PERFORM pg_advisory_lock("));
  EXPECT_EQ(Schema(*offline), "");
  ASSERT_TRUE(RunScript(*offline, offline_ws, up.out)) << up.out;

  Output live_up = live_ws.Run({"--dir", Examples(), "upgrade", "head"});
  ASSERT_EQ(live_up.code, 0) << live_up.err;
  EXPECT_NE(Schema(*live), "");
  EXPECT_EQ(Schema(*offline), Schema(*live));
  EXPECT_EQ(offline->Versions(), "9d8c7b6a5f40");
  EXPECT_EQ(offline->Versions(), live->Versions());
  EXPECT_EQ(Log(*offline), Log(*live));
  // strata reads what the script wrote: up to date, nothing changed.
  Output status = offline_ws.Run({"--dir", Examples(), "status"});
  EXPECT_EQ(status.code, 0) << status.err;
  EXPECT_THAT(status.out, HasSubstr("Pending:  none"));
  EXPECT_THAT(status.out, HasSubstr("Changed:  no applied"));

  Output down = offline_ws.Run({"--dir", Examples(), "downgrade", "head:base", "--sql"});
  ASSERT_EQ(down.code, 0) << down.err;
  EXPECT_THAT(down.out, HasSubstr("-- Running downgrade 1975ea83b712 -> <base>, Create users\n"));
  ASSERT_TRUE(RunScript(*offline, offline_ws, down.out)) << down.out;
  ASSERT_EQ(live_ws.Run({"--dir", Examples(), "downgrade", "base"}).code, 0);
  EXPECT_EQ(Schema(*offline), Schema(*live));
  EXPECT_EQ(offline->Versions(), "");
  EXPECT_EQ(live->Versions(), "");
  EXPECT_EQ(Log(*offline), Log(*live));
}

TEST_P(OfflineSqlTest, RangesDialectAndNoDatabase) {
  Workspace ws;
  ws.Write("migrations/aaaa0001_a.sql", RevisionText("aaaa0001", "", "CREATE TABLE a (id INT);"));
  ws.Write("migrations/aaaa0002_b.sql",
           RevisionText("aaaa0002", "aaaa0001", "CREATE TABLE b (id INT)", "DROP TABLE b"));
  // A database that cannot exist: --sql must not try to reach it.
  std::string url = GetParam() == Backend::kSqlite ? "sqlite:///nonexistent/dir/x.db"
                                                   : "postgresql://nobody@127.0.0.1:1/none";
  ws.SetEnv("STRATA_URL", url);
  Output from = ws.Run({"upgrade", "aaaa0001:head", "--sql"});
  ASSERT_EQ(from.code, 0) << from.err;
  EXPECT_THAT(from.out, Not(HasSubstr("<base> -> aaaa0001")));
  EXPECT_THAT(from.out, HasSubstr("-- Running upgrade aaaa0001 -> aaaa0002, "));
  EXPECT_THAT(from.out, HasSubstr("CREATE TABLE b (id INT)\n;\n"));
  EXPECT_THAT(from.out,
              HasSubstr(GetParam() == Backend::kSqlite ? "BEGIN IMMEDIATE;" : "pg_advisory_lock"));
  Output other = ws.Run(
      {"upgrade", "--sql", "--dialect", GetParam() == Backend::kSqlite ? "postgresql" : "sqlite"});
  ASSERT_EQ(other.code, 0) << other.err;
  EXPECT_THAT(other.out,
              HasSubstr(GetParam() == Backend::kSqlite ? "pg_advisory_lock" : "BEGIN IMMEDIATE;"));
  Output json = ws.Run({"--format", "json", "downgrade", "head:base", "--sql"});
  ASSERT_EQ(json.code, 0) << json.err;
  EXPECT_THAT(json.out, HasSubstr("\"sql\":"));
  // A downgrade needs a starting point; a bad dialect is a usage error.
  Output no_from = ws.Run({"downgrade", "base", "--sql"});
  EXPECT_EQ(no_from.code, 2);
  EXPECT_THAT(no_from.err, HasSubstr("head:base"));
  EXPECT_EQ(ws.Run({"upgrade", "--sql", "--dialect", "oracle"}).code, 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, OfflineSqlTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& p) { return std::string(BackendName(p.param)); });

}  // namespace
}  // namespace strata::testing
