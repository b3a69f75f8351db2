// verify and diff (verify.h) on every backend of the run: histories replayed on real scratch
// databases (temporary SQLite files, temporary PostgreSQL databases on the test server).
#include "strata/verify.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "driver/backend_fixture.h"
#include "driver/revision_spec.h"
#include "driver/test_db.h"
#include "strata/migrator.h"

namespace strata {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::RevSpec;
using testing::TableRev;

class Lines : public ReplayObserver {
 public:
  void OnProgress(const std::string& line) override { lines.push_back(line); }
  // The scratch databases announced, as their displayed URLs.
  std::vector<std::string> Scratches() const {
    std::vector<std::string> out;
    for (const std::string& l : lines) {
      if (l.rfind("Scratch database ", 0) != 0) continue;
      std::string url = l.substr(17);
      if (url.size() > 7 && url.substr(url.size() - 7) == " (kept)") url.resize(url.size() - 7);
      out.push_back(url);
    }
    return out;
  }
  std::vector<std::string> lines;
};

class VerifyTest : public testing::BackendFixture {
 protected:
  bool pg() const { return GetParam() == "postgresql"; }
  std::string Name(const std::string& name) const { return pg() ? "public." + name : name; }

  void Build(const std::vector<RevSpec>& specs) {
    Result<std::unique_ptr<RevisionGraph>> graph = testing::GraphOf(specs);
    ASSERT_TRUE(graph.ok()) << graph.status().ToString();
    graph_ = std::move(graph).value();
  }

  ScratchOptions Options(bool keep = false) {
    ScratchOptions o;
    o.database_url = db_->url();
    o.driver = options_;
    o.keep = keep;
    return o;
  }

  VerifyReport Verified(const std::string& range = "", bool keep = false) {
    Result<VerifyReport> r = Verify(*graph_, range, Options(keep), &lines_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : VerifyReport{};
  }

  // Whether the scratch database announced as `display` still exists.
  bool ScratchExists(const std::string& display) {
    if (!pg()) {
      std::string path = display.substr(std::string("sqlite://").size());
      return std::filesystem::exists(path);
    }
    size_t at = display.find("dbname='");
    EXPECT_NE(at, std::string::npos) << display;
    std::string name = display.substr(at + 8, display.find('\'', at + 8) - at - 8);
    Result<testing::Rows> rows =
        db_->Query("SELECT count(*) FROM pg_database WHERE datname = '" + name + "'");
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() && (*rows)[0][0] == "1";
  }

  void RemoveKept(const std::string& display) {
    if (!pg()) {
      std::filesystem::remove_all(
          std::filesystem::path(display.substr(std::string("sqlite://").size())).parent_path());
      return;
    }
    size_t at = display.find("dbname='");
    std::string name = display.substr(at + 8, display.find('\'', at + 8) - at - 8);
    EXPECT_TRUE(db_->Exec("DROP DATABASE \"" + name + "\" WITH (FORCE)").ok());
  }

  static std::vector<std::string> Kinds(const VerifyReport& r) {
    std::vector<std::string> out;
    for (const VerifyFinding& f : r.findings) {
      out.push_back((f.revision.empty() ? "heads" : f.revision) + " " +
                    VerifyFindingKindName(f.kind));
    }
    return out;
  }

  static std::vector<std::string> Described(const VerifyFinding& f) {
    std::vector<std::string> out;
    for (const ObjectDifference& d : f.differences) {
      out.push_back(DescribeDifference(d, f.first_label, f.second_label, 40));
    }
    return out;
  }

  std::unique_ptr<RevisionGraph> graph_;
  Lines lines_;
};

TEST_P(VerifyTest, AHistoryWhoseDowngradesUndoTheirUpgradesVerifies) {
  Build({TableRev("aaaa", {}),
         TableRev("bbbb", {"aaaa"}),
         TableRev("cccc", {"aaaa"}, {"side"}),
         {"dddd", {"bbbb", "cccc"}, "SELECT 1;", "SELECT 1;"},
         {"eeee", {"dddd"}, "CREATE INDEX ix_e ON t_aaaa (x);", std::nullopt}});
  VerifyReport r = Verified();
  EXPECT_THAT(r.findings, IsEmpty());
  EXPECT_EQ(r.dialect, GetParam());
  EXPECT_EQ(r.checked.size(), 4u);
  EXPECT_THAT(r.checked, Contains("dddd"));
  EXPECT_THAT(r.irreversible, ElementsAre("eeee"));
  EXPECT_FALSE(r.stopped);
  EXPECT_EQ(r.heads_hash.size(), 64u);
  EXPECT_TRUE(VerifyStatus(r).ok());
  EXPECT_THAT(lines_.lines, Contains(HasSubstr("Checking dddd (4 of 4)")));
  // Two scratch databases, both gone afterwards; the database itself was never touched.
  std::vector<std::string> scratches = lines_.Scratches();
  ASSERT_EQ(scratches.size(), 2u);
  for (const std::string& s : scratches) EXPECT_FALSE(ScratchExists(s)) << s;
  EXPECT_THAT(r.kept, IsEmpty());
  EXPECT_FALSE(Exists("alembic_version"));
}

TEST_P(VerifyTest, ADowngradeThatLeavesAnObjectBehindIsNamedWithTheObject) {
  Build({TableRev("aaaa", {}),
         {"bbbb",
          {"aaaa"},
          "CREATE TABLE t_b (x int);\nCREATE TABLE IF NOT EXISTS leftover (y int);",
          "DROP TABLE t_b;"},
         TableRev("cccc", {"bbbb"})});
  VerifyReport r = Verified();
  ASSERT_THAT(Kinds(r), ElementsAre("bbbb downgrade-differs"));
  const VerifyFinding& f = r.findings[0];
  EXPECT_EQ(f.path, "migrations/bbbb_test.sql");
  EXPECT_THAT(f.message, HasSubstr("does not restore the schema"));
  EXPECT_THAT(Described(f), Contains("table " + Name("leftover") + ": only after the downgrade: " +
                                     (pg() ? "CREATE TABLE public.leftover ()"
                                           : "CREATE TABLE leftover(y int)")));
  EXPECT_THAT(r.checked, ElementsAre("aaaa", "bbbb", "cccc"));  // verify went on

  Status st = VerifyStatus(r);
  EXPECT_EQ(st.kind(), ErrorKind::kPending);
  EXPECT_THAT(st.message(), HasSubstr("bbbb (downgrade-differs)"));
  EXPECT_EQ(st.revision(), "bbbb");
  EXPECT_EQ(st.file(), "migrations/bbbb_test.sql");
}

TEST_P(VerifyTest, ADowngradeThatUndoesTooMuchIsNamed) {
  Build({TableRev("aaaa", {}),
         {"bbbb", {"aaaa"}, "CREATE TABLE t_b (x int);", "DROP TABLE t_b;\nDROP TABLE t_aaaa;"}});
  VerifyReport r = Verified();
  // The upgrade after it then leaves t_aaaa missing too.
  ASSERT_THAT(Kinds(r), ElementsAre("bbbb downgrade-differs", "bbbb reupgrade-differs",
                                    "heads heads-differ"));
  EXPECT_THAT(Described(r.findings[0]),
              Contains(HasSubstr("table " + Name("t_aaaa") + ": only before the upgrade")));
  EXPECT_THAT(Described(r.findings[1]),
              Contains(HasSubstr("table " + Name("t_aaaa") + ": only after the first upgrade")));
}

TEST_P(VerifyTest, AFailingDowngradeIsAFindingAndTheRestIsStillChecked) {
  Build({TableRev("aaaa", {}),
         {"bbbb", {"aaaa"}, "CREATE TABLE t_b (x int);", "DROP TABLE no_such_table;"},
         TableRev("cccc", {"bbbb"})});
  VerifyReport r = Verified();
  ASSERT_THAT(Kinds(r), ElementsAre("bbbb downgrade-failed"));
  EXPECT_THAT(r.findings[0].message, HasSubstr("no_such_table"));
  EXPECT_THAT(r.checked, ElementsAre("aaaa", "cccc"));
}

TEST_P(VerifyTest, AnUpgradeThatCannotRunAgainAfterItsDowngradeStopsVerify) {
  Build({TableRev("aaaa", {}),
         {"bbbb", {"aaaa"}, "CREATE TABLE t_b (x int);", "SELECT 1;"},
         TableRev("cccc", {"bbbb"})});
  VerifyReport r = Verified();
  ASSERT_THAT(Kinds(r), ElementsAre("bbbb downgrade-differs", "bbbb reupgrade-failed"));
  EXPECT_TRUE(r.stopped);
  EXPECT_THAT(r.checked, ElementsAre("aaaa"));
  EXPECT_EQ(r.heads_hash, "");
  EXPECT_THAT(VerifyStatus(r).message(), HasSubstr("later revisions were not checked"));
}

TEST_P(VerifyTest, AnUpgradeThatFailsIsAnErrorNamingTheRevision) {
  Build({TableRev("aaaa", {}), {"bbbb", {"aaaa"}, "CREATE TABLE t_aaaa (x int);", "SELECT 1;"}});
  Result<VerifyReport> r = Verify(*graph_, "", Options(), &lines_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), ErrorKind::kMigrationFailed);
  EXPECT_EQ(r.status().revision(), "bbbb");
  EXPECT_THAT(r.status().message(), HasSubstr("upgrade bbbb on the scratch database failed"));
  EXPECT_THAT(r.status().hint(), HasSubstr("strata verify"));
  for (const std::string& s : lines_.Scratches()) EXPECT_FALSE(ScratchExists(s)) << s;
}

TEST_P(VerifyTest, ARangeChecksOnlyItsRevisions) {
  Build({{"aaaa", {}, "CREATE TABLE t_a (x int);", "SELECT 1;"},  // broken, outside the range
         TableRev("bbbb", {"aaaa"}),
         TableRev("cccc", {"bbbb"})});
  VerifyReport r = Verified("bbbb:cccc");
  EXPECT_THAT(r.findings, IsEmpty());
  EXPECT_THAT(r.checked, ElementsAre("bbbb", "cccc"));
  EXPECT_THAT(Verified("bbbb").checked, ElementsAre("bbbb"));

  Result<VerifyReport> bad = Verify(*graph_, "zzzz", Options(), &lines_);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().kind(), ErrorKind::kUsage);
}

TEST_P(VerifyTest, KeptScratchDatabasesStayAndAreReported) {
  Build({TableRev("aaaa", {})});
  VerifyReport r = Verified("", /*keep=*/true);
  ASSERT_EQ(r.kept.size(), 2u);
  EXPECT_EQ(r.kept, lines_.Scratches());
  for (const std::string& s : r.kept) {
    EXPECT_TRUE(ScratchExists(s)) << s;
    RemoveKept(s);
  }
}

TEST_P(VerifyTest, ASqliteScratchUrlIsRefused) {
  Build({TableRev("aaaa", {})});
  ScratchOptions o = Options();
  o.scratch_url = "sqlite:scratch.db";
  Result<VerifyReport> r = Verify(*graph_, "", o, &lines_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), ErrorKind::kUsage);
  EXPECT_THAT(r.status().message(), HasSubstr("--scratch-url"));
  EXPECT_THAT(r.status().hint(), HasSubstr("temporary files"));
}

TEST_P(VerifyTest, HeadsThatDifferFromAStraightUpgradeAreNamed) {
  if (!pg()) GTEST_SKIP() << "needs DDL that depends on data (a DO block)";
  // bbbb's round trip leaves its row twice (data is not schema), and cccc creates a table only
  // when it sees two.
  Build({{"aaaa", {}, "CREATE TABLE cfg (v int);", "DROP TABLE cfg;"},
         {"bbbb", {"aaaa"}, "INSERT INTO cfg VALUES (1);", "SELECT 1;"},
         {"cccc",
          {"bbbb"},
          "DO $$ BEGIN IF (SELECT count(*) FROM cfg) > 1 THEN CREATE TABLE dup (x int); END IF; "
          "END $$;",
          "DROP TABLE IF EXISTS dup;"}});
  VerifyReport r = Verified();
  ASSERT_THAT(Kinds(r), ElementsAre("heads heads-differ"));
  EXPECT_THAT(Described(r.findings[0]),
              Contains("table public.dup: only with every revision round-tripped: CREATE TABLE "
                       "public.dup ()"));
}

class DiffTest : public VerifyTest {};

TEST_P(DiffTest, NamesWhatChangedOutsideTheMigrationsAndOnlyReadsTheDatabase) {
  Build({TableRev("aaaa", {}),
         {"bbbb", {"aaaa"}, "CREATE INDEX ix_a ON t_aaaa (x);", "DROP INDEX ix_a;"}});
  Migrator migrator(*driver_, *graph_, nullptr);
  ASSERT_TRUE(migrator.Upgrade("head").ok());

  Result<DiffReport> clean = DiffWithMigrations(*driver_, *graph_, Options(), &lines_);
  ASSERT_TRUE(clean.ok()) << clean.status().ToString();
  EXPECT_THAT(clean->differences, IsEmpty());
  EXPECT_THAT(clean->heads, ElementsAre("bbbb"));
  EXPECT_EQ(clean->migrations.hash, clean->database.hash);
  EXPECT_TRUE(DiffStatus(*clean).ok());

  ASSERT_TRUE(db_->Exec("CREATE TABLE sneaky (x int)").ok());
  ASSERT_TRUE(db_->Exec("DROP INDEX ix_a").ok());
  Result<SchemaSnapshot> before = driver_->Snapshot();
  ASSERT_TRUE(before.ok());
  Result<DiffReport> drifted = DiffWithMigrations(*driver_, *graph_, Options(), &lines_);
  ASSERT_TRUE(drifted.ok()) << drifted.status().ToString();
  std::vector<std::string> got;
  for (const ObjectDifference& d : drifted->differences) {
    got.push_back(DescribeDifference(d, kMigrationsLabel, kDatabaseLabel, 20));
  }
  if (pg()) {
    EXPECT_THAT(got,
                ElementsAre("column public.sneaky.x: only in the database: ALTER TABLE public.s...",
                            "index public.ix_a: only in the migrations: CREATE INDEX ix_a ON...",
                            "table public.sneaky: only in the database: CREATE TABLE public...."));
  } else {
    EXPECT_THAT(got, ElementsAre("index ix_a: only in the migrations: CREATE INDEX ix_a ON...",
                                 "table sneaky: only in the database: CREATE TABLE sneaky(..."));
  }
  Status st = DiffStatus(*drifted);
  EXPECT_EQ(st.kind(), ErrorKind::kPending);
  EXPECT_THAT(st.message(), HasSubstr("index " + Name("ix_a")));
  Result<SchemaSnapshot> after = driver_->Snapshot();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(before->hash, after->hash);
  for (const std::string& s : lines_.Scratches()) EXPECT_FALSE(ScratchExists(s)) << s;
}

TEST_P(DiffTest, ADatabaseAtBaseIsComparedWithNothing) {
  Build({TableRev("aaaa", {})});
  Result<DiffReport> r = DiffWithMigrations(*driver_, *graph_, Options(), &lines_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(r->heads, IsEmpty());
  EXPECT_THAT(r->differences, IsEmpty());
}

TEST_P(DiffTest, AVersionTableNamingAnUnknownRevisionNeedsAPerson) {
  Build({TableRev("aaaa", {})});
  ASSERT_TRUE(driver_->EnsureTables().ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO alembic_version VALUES ('zzzz')").ok());
  Result<DiffReport> r = DiffWithMigrations(*driver_, *graph_, Options(), &lines_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), ErrorKind::kNeedsPerson);
  EXPECT_EQ(r.status().revision(), "zzzz");
  EXPECT_THAT(lines_.Scratches(), IsEmpty());  // refused before making one
}

TEST_P(DiffTest, AScratchServerOfAnotherKindIsRefused) {
  if (pg()) GTEST_SKIP() << "a SQLite scratch URL is refused for every database (see VerifyTest)";
  Build({TableRev("aaaa", {})});
  ScratchOptions o = Options();
  o.scratch_url = "postgresql://someone:secret@127.0.0.1:1/x";
  Result<DiffReport> r = DiffWithMigrations(*driver_, *graph_, o, &lines_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), ErrorKind::kUsage);
  EXPECT_THAT(r.status().message(), HasSubstr("someone:***@"));
  EXPECT_THAT(r.status().message(), ::testing::Not(HasSubstr("secret")));
}

std::string BackendName(const ::testing::TestParamInfo<std::string>& param) { return param.param; }

INSTANTIATE_TEST_SUITE_P(Backends, VerifyTest, ::testing::ValuesIn(testing::TestBackends()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Backends, DiffTest, ::testing::ValuesIn(testing::TestBackends()),
                         BackendName);

}  // namespace
}  // namespace strata
