// End-to-end tests of the `strata` binary: every command, every target form and every exit code
// of DESIGN §4, run against SQLite and against the PostgreSQL test server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/cli_fixture.h"
#include "cli/strata_runner.h"
#include "cli/test_database.h"

namespace strata::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

class CliTest : public CliFixture {
 protected:
  // The branchy graph used by several tests:
  //   base -> b1 -> b2 -> (x1 [label x], y1) ; m1 merges x1, y1 ; c1 follows m1
  void Branchy() {
    Rev("bbbb0001", "", "CREATE TABLE b1 (id INTEGER);", "DROP TABLE b1;");
    Rev("bbbb0002", "bbbb0001", "CREATE TABLE b2 (id INTEGER);", "DROP TABLE b2;");
    Rev("xxxx0001", "bbbb0002", "CREATE TABLE x1 (id INTEGER);", "DROP TABLE x1;",
        "-- Branch Labels: xbranch\n");
    Rev("yyyy0001", "bbbb0002", "CREATE TABLE y1 (id INTEGER);", "DROP TABLE y1;");
    Rev("mmmm0001", "xxxx0001, yyyy0001", "", "");
    Rev("cccc0001", "mmmm0001", "CREATE TABLE c1 (id INTEGER);", "DROP TABLE c1;");
  }
};

// ---------------------------------------------------------------------------------------------
// init, revision, merge: files only.

TEST_P(CliTest, InitCreatesFolderAndConfigAndRefusesTwice) {
  Output o = Strata({"init"});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(std::filesystem::is_directory(ws_.path("migrations")));
  EXPECT_THAT(ws_.Read("strata.toml"), HasSubstr("url = \"sqlite:strata.db\""));
  o = Strata({"init"});
  EXPECT_EQ(o.code, 0) << "empty folder may be initialised again: " << o.err;
  Rev("aaaa0001", "", "SELECT 1;");
  o = Strata({"init"});
  EXPECT_EQ(o.code, 2);
  EXPECT_THAT(o.err, HasSubstr("not empty"));
}

TEST_P(CliTest, RevisionWritesParsableFileOnTopOfHead) {
  ASSERT_EQ(Strata({"init"}).code, 0);
  Output a = Strata({"revision", "-m", "create users", "--rev-id", "aaaa0001"});
  ASSERT_EQ(a.code, 0) << a.err;
  EXPECT_EQ(a.out, "migrations/aaaa0001_create_users.sql\n");
  std::string text = ws_.Read("migrations/aaaa0001_create_users.sql");
  EXPECT_THAT(text, HasSubstr("-- Revision ID: aaaa0001"));
  EXPECT_THAT(text, HasSubstr("-- migrate:upgrade"));
  EXPECT_THAT(text, HasSubstr("-- migrate:downgrade"));

  Output b = Strata({"revision", "-m", "add email", "--no-transaction"});
  ASSERT_EQ(b.code, 0) << b.err;
  std::string path = b.out.substr(0, b.out.size() - 1);
  std::string second = ws_.Read(path);
  EXPECT_THAT(second, HasSubstr("-- Revises: aaaa0001"));
  EXPECT_THAT(second, HasSubstr("Transactional: false"));
  // A generated id is 12 hex digits.
  std::string id = std::filesystem::path(path).filename().string().substr(0, 12);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;

  Output heads = Strata({"heads"});
  EXPECT_EQ(heads.out, id + " (head), add email\n");
}

TEST_P(CliTest, RevisionRefusesAmbiguousHeadDuplicateIdAndNonHeadWithoutSplice) {
  Chain(2);
  Output dup = Strata({"revision", "-m", "x", "--rev-id", "aaaa0001"});
  EXPECT_EQ(dup.code, 2);
  EXPECT_THAT(dup.err, HasSubstr("already exists"));

  Output nonhead = Strata({"revision", "-m", "x", "--head", "aaaa0001"});
  EXPECT_EQ(nonhead.code, 2);
  EXPECT_THAT(nonhead.err, HasSubstr("--splice"));
  Output spliced =
      Strata({"revision", "-m", "x", "--head", "aaaa0001", "--splice", "--rev-id", "ssss0001"});
  EXPECT_EQ(spliced.code, 0) << spliced.err;

  Output ambiguous = Strata({"revision", "-m", "y"});
  EXPECT_EQ(ambiguous.code, 2);
  EXPECT_THAT(ambiguous.err, HasSubstr("multiple heads"));

  Output root = Strata({"revision", "-m", "new root", "--head", "base", "--branch-label", "other",
                        "--rev-id", "rrrr0001"});
  EXPECT_EQ(root.code, 0) << root.err;
  EXPECT_THAT(ws_.Read("migrations/rrrr0001_new_root.sql"), HasSubstr("Branch Labels: other"));
  Output label_again =
      Strata({"revision", "-m", "z", "--head", "rrrr0001", "--branch-label", "other"});
  EXPECT_EQ(label_again.code, 2);
}

TEST_P(CliTest, MergeJoinsHeadsAndHeadsSingleGuardsDeploys) {
  Branchy();
  ws_.Write("migrations/cccc0001_rev.sql", "");  // drop c1: m1 is the head again
  std::filesystem::remove(ws_.path("migrations/cccc0001_rev.sql"));
  std::filesystem::remove(ws_.path("migrations/mmmm0001_rev.sql"));
  Output two = Strata({"heads", "--single"});
  EXPECT_EQ(two.code, 6);
  EXPECT_THAT(two.out, AllOf(HasSubstr("xxxx0001 (xbranch) (head)"), HasSubstr("yyyy0001 (head)")));
  EXPECT_THAT(two.err, HasSubstr("merge"));

  Output one_arg = Strata({"merge", "xxxx0001", "-m", "m"});
  EXPECT_EQ(one_arg.code, 2);
  Output merged = Strata({"merge", "heads", "-m", "join", "--rev-id", "mmmm0002"});
  ASSERT_EQ(merged.code, 0) << merged.err;
  EXPECT_THAT(ws_.Read("migrations/mmmm0002_join.sql"), HasSubstr("Revises: xxxx0001, yyyy0001"));
  Output single = Strata({"heads", "--single"});
  EXPECT_EQ(single.code, 0);
  EXPECT_EQ(single.out, "mmmm0002 (head) (mergepoint), join\n");
}

// ---------------------------------------------------------------------------------------------
// heads, branches, history, show.

TEST_P(CliTest, HistoryPrintsNewestFirstInAlembicFormat) {
  Branchy();
  Output o = Strata({"history"});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_THAT(o.out, HasSubstr("mmmm0001 -> cccc0001 (head), step cccc0001\n"));
  EXPECT_THAT(o.out, HasSubstr("xxxx0001, yyyy0001 -> mmmm0001 (mergepoint), step mmmm0001\n"));
  EXPECT_THAT(o.out, HasSubstr("bbbb0001 -> bbbb0002 (branchpoint), step bbbb0002\n"));
  EXPECT_THAT(o.out, HasSubstr("bbbb0002 -> xxxx0001 (xbranch), step xxxx0001\n"));
  EXPECT_THAT(o.out, HasSubstr("<base> -> bbbb0001, step bbbb0001\n"));
  EXPECT_LT(o.out.find("cccc0001 (head)"), o.out.find("-> mmmm0001"));
  EXPECT_LT(o.out.find("-> mmmm0001"), o.out.find("-> bbbb0002"));
  EXPECT_LT(o.out.find("-> bbbb0002"), o.out.find("-> bbbb0001"));
}

TEST_P(CliTest, HistoryRangesAndVerbose) {
  Chain(4);
  Output r = Strata({"history", "-r", "aaaa0002:aaaa0003"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "aaaa0002 -> aaaa0003, step aaaa0003\naaaa0001 -> aaaa0002, step aaaa0002\n");
  Output open_end = Strata({"history", "-r", "aaaa0003:"});
  EXPECT_EQ(open_end.out,
            "aaaa0003 -> aaaa0004 (head), step aaaa0004\naaaa0002 -> aaaa0003, step aaaa0003\n");
  Output open_start = Strata({"history", "-r", ":aaaa0001"});
  EXPECT_EQ(open_start.out, "<base> -> aaaa0001, step aaaa0001\n");

  ASSERT_EQ(Strata({"upgrade", "aaaa0002"}).code, 0);
  Output from_current = Strata({"history", "-r", "current:"});
  EXPECT_EQ(from_current.code, 0) << from_current.err;
  EXPECT_THAT(from_current.out, HasSubstr("aaaa0001 -> aaaa0002 (current), step aaaa0002"));
  EXPECT_THAT(from_current.out, Not(HasSubstr("-> aaaa0001")));

  Output verbose = Strata({"history", "--verbose", "-r", "aaaa0004:"});
  EXPECT_THAT(verbose.out, HasSubstr("Rev: aaaa0004 (head)\nParent: aaaa0003\nPath: "));
  EXPECT_THAT(verbose.out, HasSubstr("    Revision ID: aaaa0004"));

  Output bad = Strata({"history", "-r", "zzzz9999:"});
  EXPECT_EQ(bad.code, 2);
}

TEST_P(CliTest, BranchesAndShow) {
  Branchy();
  Output b = Strata({"branches"});
  ASSERT_EQ(b.code, 0) << b.err;
  EXPECT_THAT(b.out, HasSubstr("bbbb0002 (branchpoint), step bbbb0002\n"));
  EXPECT_THAT(b.out, HasSubstr("-> xxxx0001 (xbranch), step xxxx0001\n"));
  EXPECT_THAT(b.out, HasSubstr("-> yyyy0001, step yyyy0001\n"));

  Output s = Strata({"show", "xxxx"});
  ASSERT_EQ(s.code, 0) << s.err;
  EXPECT_THAT(s.out, HasSubstr("Rev: xxxx0001\n"));
  EXPECT_THAT(s.out, HasSubstr("Branch names: xbranch"));
  EXPECT_THAT(s.out, HasSubstr("CREATE TABLE x1"));
  EXPECT_THAT(s.out, HasSubstr("DROP TABLE x1"));
}

TEST_P(CliTest, PrefixesMustBeUniqueAndAtLeastFourCharacters) {
  Rev("abcd1111", "", "SELECT 1;");
  Rev("abcd2222", "abcd1111", "SELECT 1;");
  Output ambiguous = Strata({"show", "abcd"});
  EXPECT_EQ(ambiguous.code, 3);
  EXPECT_THAT(ambiguous.err, AllOf(HasSubstr("abcd1111"), HasSubstr("abcd2222")));
  EXPECT_EQ(Strata({"show", "abcd2"}).code, 0);
  EXPECT_EQ(Strata({"show", "abc"}).code, 2);  // too short: not a revision
  EXPECT_EQ(Strata({"show", "ffff"}).code, 2);
}

// ---------------------------------------------------------------------------------------------
// upgrade, downgrade, current, stamp, check.

TEST_P(CliTest, UpgradeHeadRunsEverythingAndCurrentShowsHead) {
  Chain(3);
  Output empty = Strata({"current"});
  EXPECT_EQ(empty.code, 0) << empty.err;
  EXPECT_EQ(empty.out, "");

  Output up = Strata({"upgrade", "head"});
  ASSERT_EQ(up.code, 0) << up.err;
  EXPECT_THAT(up.out, HasSubstr("Running upgrade <base> -> aaaa0001, step aaaa0001\n"));
  EXPECT_THAT(up.out, HasSubstr("Running upgrade aaaa0002 -> aaaa0003, step aaaa0003\n"));
  EXPECT_EQ(db_->Versions(), "aaaa0003");
  EXPECT_TRUE(TableExists("t3"));

  EXPECT_EQ(Strata({"current"}).out, "aaaa0003 (head)\n");
  Output again = Strata({"upgrade"});
  EXPECT_EQ(again.code, 0);
  EXPECT_THAT(again.out, HasSubstr("Nothing to do"));

  // strata_log holds one row per applied step with a sha256 checksum.
  std::string log =
      db_->Query("SELECT revision, direction, length(checksum) FROM strata_log ORDER BY id");
  EXPECT_EQ(log, "aaaa0001|upgrade|64\naaaa0002|upgrade|64\naaaa0003|upgrade|64\n");
}

// The database's WARNINGs about a revision's statements are printed always (even with -q), its
// NOTICEs with -v, each naming file:line and the revision. SQLite sends neither.
TEST_P(CliTest, DatabaseWarningsAlwaysNoticesWithVerbose) {
  if (GetParam() == Backend::kSqlite) GTEST_SKIP() << "SQLite sends no notices";
  Rev("aaaa0001", "",
      "DROP TABLE IF EXISTS nosuch;\nDO $$ BEGIN RAISE WARNING 'careful'; END $$;",
      "DROP TABLE IF EXISTS nosuch;");
  Output quiet = Strata({"-q", "upgrade"});
  ASSERT_EQ(quiet.code, 0) << quiet.err;
  EXPECT_THAT(quiet.err, HasSubstr("migrations/aaaa0001_rev.sql:"));
  EXPECT_THAT(quiet.err, HasSubstr(": upgrade aaaa0001: WARNING: careful"));
  EXPECT_THAT(quiet.err, Not(HasSubstr("NOTICE")));
  Output plain = Strata({"downgrade", "base"});
  ASSERT_EQ(plain.code, 0) << plain.err;
  EXPECT_THAT(plain.err, Not(HasSubstr("NOTICE")));
  Output verbose = Strata({"-v", "upgrade"});
  ASSERT_EQ(verbose.code, 0) << verbose.err;
  EXPECT_THAT(verbose.err,
              HasSubstr(": upgrade aaaa0001: NOTICE: table \"nosuch\" does not exist, skipping"));
  EXPECT_THAT(verbose.err, HasSubstr("WARNING: careful"));
}

// An expression such as `1+1+…+1` nests one level per term. strata's pre-flight and COPY check
// parse statements on a large stack and walk them without recursion or copies, so the server has
// the last word: it runs 2,000 terms and refuses 100,000 ("stack depth limit exceeded"), a
// failed migration (exit 1), where strata used to crash first. (SQLite's own limit is 1,000.)
TEST_P(CliTest, DeepExpressionsReachThePostgresServer) {
  if (GetParam() == Backend::kSqlite) GTEST_SKIP() << "SQLite's own limit is 1,000 levels";
  auto sum = [](int terms) {
    std::string s = "1";
    for (int i = 1; i < terms; ++i) s += "+1";
    return s;
  };
  Rev("aaaa0001", "", "CREATE TABLE deep (x int);\nALTER TABLE deep ADD COLUMN c bigint DEFAULT " +
                          sum(2000) + ";",
      "DROP TABLE deep;");
  Output ok = Strata({"upgrade"});
  ASSERT_EQ(ok.code, 0) << ok.err.substr(0, 2000);
  EXPECT_TRUE(TableExists("deep"));
  Rev("aaaa0002", "aaaa0001",
      "ALTER TABLE deep ADD COLUMN d bigint DEFAULT " + sum(100000) + ";", "SELECT 1;");
  Output refused = Strata({"upgrade"});
  EXPECT_EQ(refused.code, 1) << refused.err.substr(0, 2000);
  EXPECT_THAT(refused.err, HasSubstr("stack depth limit exceeded"));
  EXPECT_EQ(db_->Versions(), "aaaa0001");
}

TEST_P(CliTest, VersionTableHasAlembicsLayout) {
  Chain(1);
  ASSERT_EQ(Strata({"upgrade"}).code, 0);
  if (GetParam() == Backend::kSqlite) {
    std::string ddl = db_->Query("SELECT sql FROM sqlite_master WHERE name='alembic_version'");
    EXPECT_THAT(
        ddl, AllOf(HasSubstr("version_num VARCHAR(32) NOT NULL"), HasSubstr("alembic_version_pkc"),
                   HasSubstr("PRIMARY KEY (version_num)")));
    EXPECT_EQ(
        db_->Query("SELECT name, type, \"notnull\", pk FROM pragma_table_info('alembic_version')"),
        "version_num|VARCHAR(32)|1|1\n");
  } else {
    EXPECT_EQ(db_->Query("SELECT data_type, character_maximum_length, is_nullable FROM "
                         "information_schema.columns WHERE table_name='alembic_version'"),
              "character varying|32|NO\n");
    EXPECT_EQ(
        db_->Query("SELECT conname FROM pg_constraint WHERE conrelid='alembic_version'::regclass"),
        "alembic_version_pkc\n");
  }
}

TEST_P(CliTest, RelativeAndExplicitTargets) {
  Chain(5);
  EXPECT_EQ(Strata({"upgrade", "+2"}).code, 0);
  EXPECT_EQ(db_->Versions(), "aaaa0002");
  EXPECT_EQ(Strata({"upgrade", "aaaa0004"}).code, 0);
  EXPECT_EQ(db_->Versions(), "aaaa0004");
  Output down = Strata({"downgrade", "-1"});
  ASSERT_EQ(down.code, 0) << down.err;
  EXPECT_THAT(down.out, HasSubstr("Running downgrade aaaa0004 -> aaaa0003, step aaaa0004"));
  EXPECT_EQ(db_->Versions(), "aaaa0003");
  EXPECT_FALSE(TableExists("t4"));
  EXPECT_EQ(Strata({"downgrade", "aaaa0001"}).code, 0);
  EXPECT_EQ(db_->Versions(), "aaaa0001");
  EXPECT_EQ(Strata({"upgrade", "aaaa0003"}).code, 0);  // by prefix below
  EXPECT_EQ(Strata({"downgrade", "-2"}).code, 0);
  EXPECT_EQ(db_->Versions(), "aaaa0001");
  EXPECT_EQ(Strata({"downgrade", "base"}).code, 0);
  EXPECT_EQ(db_->Versions(), "");
  EXPECT_FALSE(TableExists("t1"));
  EXPECT_EQ(Strata({"upgrade", "heads"}).code, 0);
  EXPECT_EQ(db_->Versions(), "aaaa0005");
  EXPECT_EQ(Strata({"downgrade", "aaaa00"}).code, 3);  // ambiguous prefix
  EXPECT_EQ(db_->Versions(), "aaaa0005");
  EXPECT_EQ(Strata({"upgrade", "nonsense"}).code, 2);
  EXPECT_EQ(Strata({"downgrade", "+1"}).code, 2);
}

TEST_P(CliTest, BranchesMergesAndLabels) {
  Branchy();
  EXPECT_EQ(Strata({"upgrade", "xxxx0001"}).code, 0);
  EXPECT_EQ(db_->Versions(), "xxxx0001");
  EXPECT_EQ(Strata({"upgrade", "yyyy0001"}).code, 0);
  EXPECT_EQ(db_->Versions(), "xxxx0001,yyyy0001");
  EXPECT_EQ(Strata({"current"}).out, "xxxx0001\nyyyy0001\n");
  EXPECT_EQ(Strata({"upgrade", "head"}).code, 0);
  EXPECT_EQ(db_->Versions(), "cccc0001");
  EXPECT_EQ(Strata({"downgrade", "mmmm0001"}).code, 0);
  EXPECT_EQ(db_->Versions(), "mmmm0001");
  // -1 from a merge point is ambiguous (as in Alembic): which parent?
  Output ambiguous = Strata({"downgrade", "-1"});
  EXPECT_EQ(ambiguous.code, 2);
  EXPECT_THAT(ambiguous.err, HasSubstr("several parents"));
  // Below the merge: the merge is undone and both branches come back as heads.
  EXPECT_EQ(Strata({"downgrade", "xxxx0001"}).code, 0);
  EXPECT_EQ(db_->Versions(), "xxxx0001,yyyy0001");
  // The runbook's rollback, `downgrade -1`, from two heads: refused, nothing undone, and the
  // message names both heads and the forms that say which.
  ambiguous = Strata({"downgrade", "-1"});
  EXPECT_EQ(ambiguous.code, 2);
  EXPECT_THAT(ambiguous.err, HasSubstr("2 heads (xxxx0001, yyyy0001)"));
  EXPECT_THAT(ambiguous.err, HasSubstr("`strata downgrade xxxx0001@-1`"));
  EXPECT_THAT(ambiguous.err, HasSubstr("LABEL@-1"));
  EXPECT_EQ(db_->Versions(), "xxxx0001,yyyy0001");
  EXPECT_TRUE(TableExists("x1"));
  EXPECT_TRUE(TableExists("y1"));
  EXPECT_EQ(Strata({"downgrade", "yyyy0001@-1"}).code, 0);
  EXPECT_EQ(db_->Versions(), "xxxx0001");
  EXPECT_FALSE(TableExists("y1"));
  EXPECT_EQ(Strata({"upgrade", "yyyy0001"}).code, 0);
  EXPECT_EQ(db_->Versions(), "xxxx0001,yyyy0001");
  // A label names the branch: LABEL@head is the head that descends from the labelled revision.
  EXPECT_EQ(Strata({"upgrade", "xbranch@head"}).code, 0);
  EXPECT_EQ(db_->Versions(), "cccc0001");
  EXPECT_EQ(Strata({"downgrade", "xxxx0001"}).code, 0);
  EXPECT_EQ(Strata({"downgrade", "xxxx0001"}).code, 0);  // already there: nothing to do
  EXPECT_EQ(Strata({"downgrade", "bbbb0002"}).code, 0);
  EXPECT_EQ(db_->Versions(), "bbbb0002");
  EXPECT_FALSE(TableExists("x1"));
  EXPECT_FALSE(TableExists("y1"));
}

TEST_P(CliTest, StampWritesVersionTableWithoutRunning) {
  Chain(3);
  Output s = Strata({"stamp", "aaaa0002"});
  ASSERT_EQ(s.code, 0) << s.err;
  EXPECT_EQ(db_->Versions(), "aaaa0002");
  EXPECT_FALSE(TableExists("t1"));
  EXPECT_EQ(Strata({"stamp", "head"}).code, 0);
  EXPECT_EQ(db_->Versions(), "aaaa0003");
  EXPECT_EQ(Strata({"stamp", "base"}).code, 0);
  EXPECT_EQ(db_->Versions(), "");
  db_->Query(
      "CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY); "
      "INSERT INTO alembic_version VALUES ('gone00000001')");
  EXPECT_EQ(Strata({"stamp", "aaaa0001"}).code, 7);  // unknown row: needs --purge
  EXPECT_EQ(Strata({"stamp", "aaaa0001", "--purge"}).code, 0);
  EXPECT_EQ(db_->Versions(), "aaaa0001");
}

TEST_P(CliTest, CheckExitsSixWhenPending) {
  Chain(2);
  Output pending = Strata({"check"});
  EXPECT_EQ(pending.code, 6);
  EXPECT_THAT(pending.out, AllOf(HasSubstr("aaaa0001"), HasSubstr("aaaa0002")));
  ASSERT_EQ(Strata({"upgrade"}).code, 0);
  EXPECT_EQ(Strata({"check"}).code, 0);
}

// ---------------------------------------------------------------------------------------------
// Failures and exit codes.

TEST_P(CliTest, FailingStatementRollsBackItsRevisionAndExitsOne) {
  Rev("aaaa0001", "", "CREATE TABLE good (id INTEGER);", "DROP TABLE good;");
  Rev("aaaa0002", "aaaa0001",
      "CREATE TABLE half (id INTEGER);\nINSERT INTO half VALUES (1);\nINSERT INTO no_such_table "
      "VALUES (1);",
      "DROP TABLE half;");
  Output o = Strata({"upgrade", "head"});
  EXPECT_EQ(o.code, 1);
  // file:line of the failing statement: the header is 5 lines, the section starts at line 7.
  EXPECT_THAT(o.err, HasSubstr("migrations/aaaa0002_rev.sql:9"));
  EXPECT_THAT(o.err, HasSubstr("aaaa0002"));
  EXPECT_THAT(o.err, HasSubstr("no_such_table"));
  EXPECT_EQ(db_->Versions(), "aaaa0001");
  EXPECT_TRUE(TableExists("good"));
  EXPECT_FALSE(TableExists("half"));
}

TEST_P(CliTest, DowngradeWithoutDowngradeSectionFailsBeforeRunning) {
  Rev("aaaa0001", "", "CREATE TABLE t1 (id INTEGER);", "DROP TABLE t1;");
  Rev("aaaa0002", "aaaa0001", "CREATE TABLE t2 (id INTEGER);", std::nullopt);
  Rev("aaaa0003", "aaaa0002", "CREATE TABLE t3 (id INTEGER);", "DROP TABLE t3;");
  ASSERT_EQ(Strata({"upgrade"}).code, 0);
  Output o = Strata({"downgrade", "base"});
  EXPECT_EQ(o.code, 3);
  EXPECT_THAT(o.err, HasSubstr("aaaa0002"));
  EXPECT_EQ(db_->Versions(), "aaaa0003");
  EXPECT_TRUE(TableExists("t3"));  // nothing ran, not even the revisions above it
  EXPECT_EQ(Strata({"downgrade", "-1"}).code, 0);
}

TEST_P(CliTest, BadRevisionFilesExitThreeWithFileAndLine) {
  struct Case {
    const char* name;
    std::vector<std::pair<std::string, std::string>> files;
    const char* expected;
  } cases[] = {
      {"duplicate id",
       {{"a_1.sql", RevisionText("aaaa0001", "", "SELECT 1;")},
        {"b_2.sql", RevisionText("aaaa0001", "", "SELECT 2;")}},
       "aaaa0001"},
      {"unknown parent",
       {{"a.sql", RevisionText("aaaa0001", "ffff0009", "SELECT 1;")}},
       "ffff0009"},
      {"cycle",
       {{"a.sql", RevisionText("aaaa0001", "aaaa0002", "SELECT 1;")},
        {"b.sql", RevisionText("aaaa0002", "aaaa0001", "SELECT 1;")}},
       "cycle"},
      {"malformed header",
       {{"a.sql", "-- hello\n-- Revision ID: not valid!\n-- migrate:upgrade\nSELECT 1;\n"}},
       "a.sql:2"},
      {"no upgrade section",
       {{"a.sql", "-- hello\n-- Revision ID: aaaa0001\n\nSELECT 1;\n"}},
       "a.sql"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::filesystem::remove_all(ws_.path("migrations"));
    for (const auto& [name, text] : c.files) ws_.Write("migrations/" + name, text);
    for (auto args : std::vector<std::vector<std::string>>{{"heads"}, {"upgrade"}, {"current"}}) {
      Output o = Strata(args);
      EXPECT_EQ(o.code, 3) << args[0] << ": " << o.err;
      EXPECT_THAT(o.err, HasSubstr(c.expected)) << args[0];
    }
  }
  EXPECT_EQ(db_->Versions(), "");
  std::filesystem::remove_all(ws_.path("migrations"));
  Output missing = Strata({"heads"});
  EXPECT_EQ(missing.code, 3);
  EXPECT_THAT(missing.err, HasSubstr("strata init"));
}

TEST_P(CliTest, UnknownRevisionInDatabaseExitsSeven) {
  Chain(1);
  ASSERT_EQ(Strata({"upgrade"}).code, 0);
  db_->Query("UPDATE alembic_version SET version_num = 'feedbeef0001'");
  for (auto args : std::vector<std::vector<std::string>>{{"current"}, {"upgrade"}, {"check"}}) {
    Output o = Strata(args);
    EXPECT_EQ(o.code, 7) << args[0];
    EXPECT_THAT(o.err, HasSubstr("feedbeef0001"));
  }
}

TEST_P(CliTest, UsageErrorsExitTwo) {
  Chain(1);
  EXPECT_EQ(Strata({"frobnicate"}).code, 2);
  EXPECT_EQ(Strata({}).code, 2);
  EXPECT_EQ(Strata({"downgrade"}).code, 2);
  EXPECT_EQ(Strata({"upgrade", "--no-such-option"}).code, 2);
  EXPECT_EQ(Strata({"--format", "xml", "heads"}).code, 2);
  EXPECT_EQ(Strata({"revision"}).code, 2);
  EXPECT_EQ(Strata({"--version"}).code, 0);
  EXPECT_EQ(Strata({"--help"}).code, 0);
}

TEST_P(CliTest, JsonOutputOnEveryReportingCommand) {
  Branchy();
  for (auto args : std::vector<std::vector<std::string>>{{"heads"},
                                                         {"branches"},
                                                         {"history"},
                                                         {"show", "mmmm0001"},
                                                         {"current"},
                                                         {"check"},
                                                         {"upgrade", "xbranch@head"},
                                                         {"current", "--verbose"},
                                                         {"upgrade", "head"},
                                                         {"downgrade", "-1"},
                                                         {"stamp", "mmmm0001"},
                                                         {"check"},
                                                         {"history", "-r", "current:"}}) {
    std::vector<std::string> full = {"--format", "json"};
    full.insert(full.end(), args.begin(), args.end());
    Output o = Strata(full);
    EXPECT_TRUE(o.code == 0 || o.code == 6) << args[0] << ": " << o.err;
    nlohmann::json doc = nlohmann::json::parse(o.out, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << args[0] << " printed: " << o.out;
  }
  Output up = Strata({"--format", "json", "downgrade", "base"});
  ASSERT_EQ(up.code, 0) << up.err;
  nlohmann::json doc = nlohmann::json::parse(up.out);
  EXPECT_EQ(doc["heads_after"].size(), 0u);
  EXPECT_EQ(doc["steps"].size(), 5u);
  EXPECT_EQ(doc["steps"][0]["direction"], "downgrade");

  Output err = Strata({"--format", "json", "show", "nope"});
  EXPECT_EQ(err.code, 2);
  EXPECT_EQ(nlohmann::json::parse(err.out)["error"]["exit_code"], 2);
}

TEST_P(CliTest, NonTransactionalFailurePartWayNeedsAPersonUntilStamped) {
  Rev("aaaa0001", "", "CREATE TABLE t1 (id INTEGER);", "DROP TABLE t1;");
  Rev("aaaa0002", "aaaa0001", "CREATE TABLE nt1 (id INTEGER);\nINSERT INTO missing VALUES (1);",
      "DROP TABLE nt1;", "-- Transactional: false\n");
  Rev("aaaa0003", "aaaa0002", "CREATE TABLE t3 (id INTEGER);", "DROP TABLE t3;");
  Output first = Strata({"upgrade"});
  EXPECT_EQ(first.code, 7) << first.err;
  EXPECT_THAT(first.err, AllOf(HasSubstr("aaaa0002"), HasSubstr("missing")));
  EXPECT_EQ(db_->Versions(), "aaaa0001");
  EXPECT_TRUE(TableExists("nt1"));  // the statement before the failure took effect

  Output again = Strata({"upgrade"});
  EXPECT_EQ(again.code, 7);
  EXPECT_THAT(again.err, AllOf(HasSubstr("aaaa0002"), HasSubstr("strata stamp")));
  EXPECT_EQ(Strata({"downgrade", "base"}).code, 7);
  EXPECT_FALSE(TableExists("t3"));

  // The person finished the revision by hand and says so.
  ASSERT_EQ(Strata({"stamp", "aaaa0002"}).code, 0);
  EXPECT_EQ(db_->Versions(), "aaaa0002");
  Output after = Strata({"upgrade"});
  EXPECT_EQ(after.code, 0) << after.err;
  EXPECT_EQ(db_->Versions(), "aaaa0003");
}

TEST_P(CliTest, InterruptRollsBackTheRunningRevision) {
  Rev("aaaa0001", "", "CREATE TABLE t1 (id INTEGER);", "DROP TABLE t1;");
  std::string slow =
      GetParam() == Backend::kSqlite
          ? "CREATE TABLE t2 (id INTEGER);\nWITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
            "SELECT x + 1 FROM c) SELECT count(*) FROM c;"
          : "CREATE TABLE t2 (id INTEGER);\nSELECT pg_sleep(600);";
  Rev("aaaa0002", "aaaa0001", slow, "DROP TABLE t2;");
  auto child = ws_.Start({"upgrade", "head"});
  ASSERT_TRUE(child->WaitForStdout("Running upgrade aaaa0001 -> aaaa0002"));
  child->Signal(SIGINT);
  Output o = child->Wait();
  EXPECT_EQ(o.code, 1) << o.err;
  EXPECT_THAT(o.err, HasSubstr("interrupt"));
  EXPECT_EQ(db_->Versions(), "aaaa0001");
  EXPECT_FALSE(TableExists("t2"));
}

// CliTest's fixture for tests about PostgreSQL alone.
class CliPostgresTest : public CliTest {};

// Reading a version table or strata_log that does not exist yet must not be done by trying and
// failing: every such attempt writes an ERROR line to the server's log, which log monitoring
// reports. A fresh schema (its name appears in any such error) goes through every command that
// reads the tables before and after they exist; the server log must not mention it.
TEST_P(CliPostgresTest, FreshDatabaseLeavesNoErrorsInTheServerLog) {
  const char* cluster = std::getenv("STRATA_PG_CLUSTER_DIR");
  ASSERT_NE(cluster, nullptr) << "scripts/pg-test-cluster.sh sets STRATA_PG_CLUSTER_DIR";
  const std::string log_path = std::string(cluster) + "/pg/server.log";
  ASSERT_TRUE(std::filesystem::exists(log_path)) << log_path;
  const std::string schema = "fresh_" + std::to_string(getpid()) + "_" +
                             std::to_string(reinterpret_cast<uintptr_t>(this) % 100000);
  ws_.Write("strata.toml", "version_schema = \"" + schema + "\"\n");
  Chain(2);

  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"current"},
                                             {"status"},
                                             {"check"},
                                             {"history", "--verbose"},
                                             {"upgrade", "aaaa0001"},
                                             {"status"},
                                             {"upgrade", "head"},
                                             {"current"},
                                             {"downgrade", "base"},
                                             {"status"}}) {
    Output o = Strata(args);
    EXPECT_TRUE(o.code == 0 || (args[0] == "check" && o.code == 6)) << args[0] << ": " << o.err;
  }
  EXPECT_EQ(db_->Versions(schema + ".alembic_version"), "");
  EXPECT_EQ(db_->Query("SELECT count(*) FROM " + schema + ".strata_log"), "4\n");

  std::ifstream log(log_path);
  std::string line;
  std::vector<std::string> mentions;
  while (std::getline(log, line)) {
    if (line.find(schema) != std::string::npos) mentions.push_back(line);
  }
  EXPECT_THAT(mentions, ::testing::IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(Drivers, CliTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& p) { return std::string(BackendName(p.param)); });
INSTANTIATE_TEST_SUITE_P(Drivers, CliPostgresTest, ::testing::Values(Backend::kPostgres),
                         [](const auto& p) { return std::string(BackendName(p.param)); });

// ---------------------------------------------------------------------------------------------
// SQLite-only: settings resolution, connection and lock errors.

class CliSqliteTest : public ::testing::Test {
 protected:
  Workspace ws_;
  Output Strata(std::vector<std::string> args) { return ws_.Run(args); }
};

TEST_F(CliSqliteTest, SettingsOrderCommandLineThenEnvironmentThenConfigThenDefault) {
  ws_.Write("migrations/aaaa0001_a.sql",
            RevisionText("aaaa0001", "", "CREATE TABLE t (id INTEGER);"));
  ws_.Write("strata.toml", "url = \"sqlite:from_toml.db\"\n");
  auto db_of = [&](std::vector<std::string> args) {
    args.push_back("--format");
    args.push_back("json");
    args.push_back("current");
    Output o = Strata(args);
    EXPECT_EQ(o.code, 0) << o.err;
    return nlohmann::json::parse(o.out)["database"].get<std::string>();
  };
  EXPECT_EQ(db_of({}), "sqlite:from_toml.db");
  ws_.SetEnv("DATABASE_URL", "sqlite:from_database_url.db");
  EXPECT_EQ(db_of({}), "sqlite:from_database_url.db");
  ws_.SetEnv("DATABASE_URI", "sqlite:from_database_uri.db");
  EXPECT_EQ(db_of({}), "sqlite:from_database_uri.db");
  ws_.SetEnv("STRATA_URL", "sqlite:from_strata_url.db");
  EXPECT_EQ(db_of({}), "sqlite:from_strata_url.db");
  EXPECT_EQ(db_of({"--url", "sqlite:from_flag.db"}), "sqlite:from_flag.db");

  // The default when nothing is set.
  ws_.SetEnv("STRATA_URL", std::nullopt);
  ws_.SetEnv("DATABASE_URI", std::nullopt);
  ws_.SetEnv("DATABASE_URL", std::nullopt);
  std::filesystem::remove(ws_.path("strata.toml"));
  EXPECT_EQ(db_of({}), "sqlite:strata.db");

  // --config / STRATA_CONFIG name another file; dir comes from it too.
  ws_.Write("other/conf.toml", "url = \"sqlite:other.db\"\ndir = \"elsewhere\"\n");
  ws_.Write("elsewhere/bbbb0001_b.sql", RevisionText("bbbb0001", "", "SELECT 1;"));
  Output heads = Strata({"--config", "other/conf.toml", "heads"});
  EXPECT_EQ(heads.out, "bbbb0001 (head), revision bbbb0001\n");
  ws_.SetEnv("STRATA_CONFIG", "other/conf.toml");
  EXPECT_EQ(db_of({}), "sqlite:other.db");
  EXPECT_EQ(Strata({"--dir", "migrations", "heads"}).out, "aaaa0001 (head), revision aaaa0001\n");
}

TEST_F(CliSqliteTest, BadConfigExitsThreeWithFileAndLine) {
  ws_.Write("migrations/aaaa0001_a.sql", RevisionText("aaaa0001", "", "SELECT 1;"));
  ws_.Write("strata.toml", "url = \"sqlite:x.db\"\nlock_timout = 5\n");
  Output typo = Strata({"heads"});
  EXPECT_EQ(typo.code, 3);
  EXPECT_THAT(typo.err, AllOf(HasSubstr("strata.toml:2"), HasSubstr("lock_timout")));
  ws_.Write("strata.toml", "retries = \"many\"\n");
  EXPECT_EQ(Strata({"heads"}).code, 3);
  ws_.Write("strata.toml", "url = \n");
  EXPECT_EQ(Strata({"heads"}).code, 3);
  EXPECT_EQ(Strata({"--config", "missing.toml", "heads"}).code, 3);
}

TEST_F(CliSqliteTest, CannotOpenDatabaseExitsFour) {
  ws_.Write("migrations/aaaa0001_a.sql", RevisionText("aaaa0001", "", "SELECT 1;"));
  Output o = Strata({"--url", "sqlite:no/such/folder/x.db", "current"});
  EXPECT_EQ(o.code, 4) << o.err;
  EXPECT_EQ(Strata({"--url", "mysql://u@h/db", "current"}).code, 2);
}

TEST_F(CliSqliteTest, PasswordsAreNeverPrinted) {
  ws_.Write("migrations/aaaa0001_a.sql", RevisionText("aaaa0001", "", "SELECT 1;"));
  // Nothing listens on port 1: the connection fails and the message shows the URL.
  Output o = Strata({"--url", "postgresql://alice:s3cr3tpw@127.0.0.1:1/app", "current"});
  EXPECT_EQ(o.code, 4) << o.err;
  EXPECT_THAT(o.err, Not(HasSubstr("s3cr3tpw")));
  EXPECT_THAT(o.err, HasSubstr("alice:***@127.0.0.1"));
  Output j = Strata(
      {"--format", "json", "--url", "postgresql://alice:s3cr3tpw@127.0.0.1:1/app", "current"});
  EXPECT_THAT(j.out + j.err, Not(HasSubstr("s3cr3tpw")));
}

TEST_F(CliSqliteTest, RacingProcessesApplyEachRevisionExactlyOnce) {
  constexpr int kRevisions = 30;
  constexpr int kProcesses = 8;
  for (int i = 1; i <= kRevisions; ++i) {
    char id[16], parent[16];
    std::snprintf(id, sizeof id, "race%04d", i);
    std::snprintf(parent, sizeof parent, "race%04d", i - 1);
    std::string up = i == 1 ? "CREATE TABLE audit (revision TEXT NOT NULL);\n" : "";
    up += std::string("INSERT INTO audit VALUES ('") + id + "');";
    ws_.Write(std::string("migrations/") + id + "_r.sql",
              RevisionText(id, i == 1 ? "" : parent, up));
  }
  ws_.Write("strata.toml", "url = \"sqlite:race.db\"\n");
  // Every process blocks on `read` until the test closes its stdin: a start barrier.
  std::vector<std::unique_ptr<Child>> children;
  for (int p = 0; p < kProcesses; ++p) {
    children.push_back(ws_.StartProgram(
        "/bin/sh", {"-c", std::string("read _; exec ") + STRATA_BINARY + " -q upgrade head"}));
  }
  for (auto& c : children) c->CloseStdin();
  for (auto& c : children) {
    Output o = c->Wait();
    EXPECT_EQ(o.code, 0) << o.err;
  }
  std::string rows =
      Capture("sqlite3 " + ws_.path("race.db") +
              " 'SELECT revision, count(*) FROM audit GROUP BY revision HAVING count(*) <> 1'");
  EXPECT_EQ(rows, "") << "revisions applied more than once";
  EXPECT_EQ(Capture("sqlite3 " + ws_.path("race.db") + " 'SELECT count(*) FROM audit'"), "30\n");
  EXPECT_EQ(
      Capture("sqlite3 " + ws_.path("race.db") + " 'SELECT version_num FROM alembic_version'"),
      "race0030\n");
}

TEST_F(CliSqliteTest, LockHeldByAnotherProcessExitsFive) {
  ws_.Write("migrations/aaaa0001_a.sql",
            RevisionText("aaaa0001", "", "CREATE TABLE t (id INTEGER);"));
  ws_.Write("strata.toml", "url = \"sqlite:locked.db\"\nlock_timeout = 1\n");
  ASSERT_EQ(Strata({"current"}).code, 0);
  // A python process takes SQLite's write lock, says so, and holds it until its stdin closes.
  auto holder = ws_.StartProgram(
      "/usr/bin/python3",
      {"-c",
       "import sqlite3,sys; c=sqlite3.connect('locked.db', isolation_level=None); "
       "c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); sys.stdin.read()"});
  ASSERT_TRUE(holder->WaitForStdout("locked"));
  Output o = Strata({"upgrade"});
  holder->CloseStdin();
  EXPECT_EQ(holder->Wait().code, 0);
  EXPECT_EQ(o.code, 5) << o.err;
  EXPECT_THAT(o.err, HasSubstr("lock"));
  EXPECT_EQ(Strata({"upgrade"}).code, 0);
}

}  // namespace
}  // namespace strata::testing
