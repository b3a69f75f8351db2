// Driver::Snapshot, the schema hash each step records in strata_log, and drift (inspect.h), on
// every backend of the run: real SQLite files and real PostgreSQL databases.
#include "strata/snapshot.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "driver/backend_fixture.h"
#include "driver/revision_spec.h"
#include "driver/test_db.h"
#include "strata/inspect.h"
#include "strata/migrator.h"

namespace strata {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::RevSpec;
using testing::TableRev;

class SnapshotTest : public testing::BackendFixture {
 protected:
  bool pg() const { return GetParam() == "postgresql"; }
  // A table's name as snapshots show it.
  std::string Name(const std::string& name) const { return pg() ? "public." + name : name; }

  SchemaSnapshot Snap(Driver& driver) {
    Result<SchemaSnapshot> s = driver.Snapshot();
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : SchemaSnapshot{};
  }
  SchemaSnapshot Snap() { return Snap(*driver_); }

  void Exec(testing::TestDb& db, const std::string& sql) {
    Status st = db.Exec(sql);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  static std::vector<std::string> Keys(const SchemaSnapshot& s) {
    std::vector<std::string> keys;
    for (const SchemaObject& o : s.objects) keys.push_back(o.kind + " " + o.name);
    return keys;
  }

  // The newest strata_log row's schema_hash ("" for NULL).
  std::string RecordedHash() {
    Result<testing::Rows> rows =
        db_->Query("SELECT schema_hash FROM strata_log ORDER BY id DESC LIMIT 1");
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() && !rows->empty() ? rows->front().front() : "<none>";
  }

  void Build(const std::vector<RevSpec>& specs) {
    Result<std::unique_ptr<RevisionGraph>> graph = testing::GraphOf(specs);
    ASSERT_TRUE(graph.ok()) << graph.status().ToString();
    graph_ = std::move(graph).value();
    migrator_ = std::make_unique<Migrator>(*driver_, *graph_, nullptr);
  }

  void Ok(const Result<RunResult>& r) { ASSERT_TRUE(r.ok()) << r.status().ToString(); }

  SchemaDrift Drift() {
    Result<SchemaDrift> d = CheckSchemaDrift(*driver_);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? *d : SchemaDrift{};
  }

  std::unique_ptr<RevisionGraph> graph_;
  std::unique_ptr<Migrator> migrator_;
};

TEST_P(SnapshotTest, ListsTheUsersObjectsAndLeavesOutStratasOwnTables) {
  ASSERT_TRUE(driver_->EnsureTables().ok());
  Exec(*db_, "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)");
  Exec(*db_, "CREATE INDEX users_email ON users (email)");
  SchemaSnapshot s = Snap();
  EXPECT_EQ(s.dialect, GetParam());
  EXPECT_THAT(Keys(s), Contains("table " + Name("users")));
  EXPECT_THAT(Keys(s), Contains("index " + Name("users_email")));
  if (pg()) {
    EXPECT_THAT(Keys(s), Contains("column public.users.email"));
  }
  for (const SchemaObject& o : s.objects) {
    EXPECT_THAT(o.name, Not(HasSubstr("strata_log")));
    EXPECT_THAT(o.name, Not(HasSubstr("alembic_version")));
    EXPECT_THAT(o.definition, Not(HasSubstr("strata_log")));
  }
  // The hash is the one snapshot.h defines, also where the server computed it.
  EXPECT_EQ(s.hash, SchemaHash(s.objects));
  Result<std::string> hash = driver_->SchemaHash();
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_EQ(*hash, s.hash);
}

TEST_P(SnapshotTest, TheSameSchemaGivesTheSameSnapshotWhateverTheWayItWasWritten) {
  Result<std::unique_ptr<testing::TestDb>> other = testing::CreateTestDb(GetParam());
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  std::unique_ptr<Driver> other_driver = Open(options_, (*other)->url());
  ASSERT_NE(other_driver, nullptr);

  Exec(*db_, "CREATE TABLE t (a INTEGER, b TEXT)");
  Exec(*db_, "CREATE INDEX t_a ON t (a)");
  // Other formatting, comments, a column added later, IF NOT EXISTS, and strata's tables.
  Exec(**other, "create   table t(\n  a INTEGER -- the key\n)");
  Exec(**other, "ALTER TABLE t ADD COLUMN b TEXT");
  Exec(**other, "CREATE INDEX IF NOT EXISTS t_a ON t(a)");
  ASSERT_TRUE(other_driver->EnsureTables().ok());

  SchemaSnapshot a = Snap();
  SchemaSnapshot b = Snap(*other_driver);
  EXPECT_THAT(DiffSnapshots(a, b), IsEmpty());
  EXPECT_EQ(SnapshotJson(a), SnapshotJson(b));
  EXPECT_EQ(a.hash, b.hash);
}

TEST_P(SnapshotTest, EachChangeShowsAsTheObjectThatChanged) {
  struct Case {
    std::string change;
    std::string expected;  // "kind name first|second", "-" for absent, "*" for any definition
  };
  std::vector<Case> cases;
  if (pg()) {
    cases = {
        {"ALTER TABLE t ADD COLUMN c text", "column public.t.c -|*"},
        {"ALTER TABLE t ALTER COLUMN b TYPE varchar(10)", "column public.t.b *|*"},
        {"ALTER TABLE t ALTER COLUMN b SET NOT NULL", "column public.t.b *|*"},
        {"ALTER TABLE t ALTER COLUMN b SET DEFAULT 'x'", "column public.t.b *|*"},
        {"DROP INDEX t_a", "index public.t_a *|-"},
        {"ALTER TABLE t ADD CONSTRAINT t_b_check CHECK (b <> '')",
         "constraint public.t.t_b_check -|*"},
        {"CREATE VIEW v AS SELECT a FROM t", "view public.v -|*"},
        {"CREATE SEQUENCE s", "sequence public.s -|*"},
        {"CREATE SCHEMA other", "schema other -|*"},
        {"CREATE TYPE mood AS ENUM ('ok')", "type public.mood -|*"},
        {"CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", "function public.f() -|*"},
        {"ALTER TABLE t ENABLE ROW LEVEL SECURITY", "table public.t *|*"},
        {"CREATE UNLOGGED TABLE u (x int)", "column public.u.x -|*\ntable public.u -|*"},
    };
  } else {
    cases = {
        {"ALTER TABLE t ADD COLUMN c TEXT", "table t *|*"},
        {"DROP INDEX t_a", "index t_a *|-"},
        {"CREATE VIEW v AS SELECT a FROM t", "view v -|*"},
        {"CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END", "trigger tr -|*"},
        {"CREATE TABLE \"New\" (x INTEGER)", "table \"New\" -|*"},
        {"ALTER TABLE t RENAME TO t2", "index t_a *|*\ntable t *|-\ntable t2 -|*"},
    };
  }
  for (const Case& c : cases) {
    Result<std::unique_ptr<testing::TestDb>> fresh = testing::CreateTestDb(GetParam());
    ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
    std::unique_ptr<Driver> driver = Open(options_, (*fresh)->url());
    ASSERT_NE(driver, nullptr);
    Exec(**fresh, "CREATE TABLE t (a INTEGER, b TEXT)");
    Exec(**fresh, "CREATE INDEX t_a ON t (a)");
    SchemaSnapshot before = Snap(*driver);
    Exec(**fresh, c.change);
    SchemaSnapshot after = Snap(*driver);
    std::string got;
    for (const ObjectDifference& d : DiffSnapshots(before, after)) {
      got += (got.empty() ? "" : "\n") + d.kind + " " + d.name + " " + (d.first ? "*" : "-") + "|" +
             (d.second ? "*" : "-");
    }
    EXPECT_EQ(got, c.expected) << c.change;
    EXPECT_NE(before.hash, after.hash) << c.change;
  }
}

TEST_P(SnapshotTest, EachStepAndStampRecordsTheSchemaHashAfterIt) {
  Build({TableRev("aaaa", {}), TableRev("bbbb", {"aaaa"})});
  const std::string empty = Snap().hash;
  Ok(migrator_->Upgrade("aaaa"));
  SchemaSnapshot one = Snap();
  EXPECT_NE(one.hash, empty);
  EXPECT_EQ(RecordedHash(), one.hash);
  Ok(migrator_->Upgrade("bbbb"));
  EXPECT_EQ(RecordedHash(), Snap().hash);
  EXPECT_NE(RecordedHash(), one.hash);
  Ok(migrator_->Downgrade("aaaa"));
  EXPECT_EQ(RecordedHash(), one.hash);
  Ok(migrator_->Stamp("bbbb", false));  // no SQL runs: the schema is still aaaa's
  EXPECT_EQ(RecordedHash(), one.hash);
  Result<testing::Rows> rows =
      db_->Query("SELECT direction, revision FROM strata_log ORDER BY id DESC LIMIT 1");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0], (std::vector<std::string>{"stamp", "bbbb"}));

  Result<std::optional<RecordedSchema>> last = driver_->LastRecordedSchema();
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ((*last)->direction, "stamp");
  EXPECT_EQ((*last)->revision, "bbbb");
  EXPECT_EQ((*last)->hash, one.hash);
  EXPECT_EQ((*last)->started_at.size(), 20u);  // 2026-02-09T10:21:33Z
}

TEST_P(SnapshotTest, ARunRecordsTheHashOnItsLastStepOnly) {
  // Hashing reads the whole catalog; once per run keeps a long run from empty linear.
  Build({TableRev("aaaa", {}), TableRev("bbbb", {"aaaa"}), TableRev("cccc", {"bbbb"})});
  Ok(migrator_->Upgrade("head"));
  Result<testing::Rows> rows =
      db_->Query("SELECT revision, coalesce(schema_hash, 'null') FROM strata_log ORDER BY id");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0], (std::vector<std::string>{"aaaa", "null"}));
  EXPECT_EQ((*rows)[1], (std::vector<std::string>{"bbbb", "null"}));
  EXPECT_EQ((*rows)[2], (std::vector<std::string>{"cccc", Snap().hash}));
  EXPECT_EQ(Drift().state, SchemaDrift::State::kUnchanged);
}

TEST_P(SnapshotTest, AStampOfSeveralHeadsRecordsOneHashOnItsNewestRow) {
  Build({TableRev("aaaa", {}), TableRev("bbbb", {})});  // two roots: two heads
  Ok(migrator_->Stamp("heads", false));
  Result<testing::Rows> rows =
      db_->Query("SELECT coalesce(schema_hash, 'null') FROM strata_log ORDER BY id");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0][0], "null");
  EXPECT_EQ((*rows)[1][0], Snap().hash);
}

TEST_P(SnapshotTest, ScratchDatabasesCanLeaveTheHashOut) {
  DriverOptions options = options_;
  options.record_schema_hash = false;  // what verify's and diff's scratch databases do
  driver_ = Open(options);
  ASSERT_NE(driver_, nullptr);
  Build({TableRev("aaaa", {})});
  Ok(migrator_->Upgrade("head"));
  EXPECT_EQ(RecordedHash(), "");
  EXPECT_TRUE(Exists("t_aaaa"));
}

TEST_P(SnapshotTest, NonTransactionalStepsRecordTheHashToo) {
  Build({{"aaaa",
          {},
          "CREATE TABLE a (x INTEGER);\nCREATE TABLE b (y INTEGER);",
          "SELECT 1;",
          {},
          false}});
  Ok(migrator_->Upgrade("head"));
  EXPECT_EQ(RecordedHash(), Snap().hash);
}

TEST_P(SnapshotTest, AnOlderStrataLogGetsTheColumnInPlaceAndKeepsItsRows) {
  // strata_log as strata made it before schema hashes, with a row in it.
  Exec(*db_, pg()
                 ? "CREATE TABLE strata_log (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                   "revision VARCHAR(32) NOT NULL, direction TEXT NOT NULL, status TEXT NOT NULL, "
                   "checksum TEXT NOT NULL, started_at TIMESTAMPTZ NOT NULL, duration_ms BIGINT "
                   "NOT NULL, applied_by TEXT NOT NULL, strata_version TEXT NOT NULL, error TEXT)"
                 : "CREATE TABLE strata_log (id INTEGER PRIMARY KEY AUTOINCREMENT, revision "
                   "VARCHAR(32) NOT NULL, direction VARCHAR(16) NOT NULL, status VARCHAR(16) NOT "
                   "NULL, checksum VARCHAR(64) NOT NULL DEFAULT '', started_at VARCHAR(32) NOT "
                   "NULL, duration_ms INTEGER NOT NULL DEFAULT 0, applied_by VARCHAR(255) NOT NULL "
                   "DEFAULT '', strata_version VARCHAR(32) NOT NULL DEFAULT '', error TEXT)");
  Exec(*db_,
       "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT "
       "alembic_version_pkc PRIMARY KEY (version_num))");
  Exec(*db_, "INSERT INTO alembic_version VALUES ('aaaa')");
  Exec(*db_, "CREATE TABLE t_aaaa (x int)");
  Exec(*db_,
       "INSERT INTO strata_log (revision, direction, status, checksum, started_at, "
       "duration_ms, applied_by, strata_version) VALUES ('aaaa', 'upgrade', 'done', '" +
           SectionChecksum(TableRev("aaaa", {}).upgrade) +
           "', '2026-01-01T00:00:00Z', 1, 'old@host', '0.0.1')");
  // Reading changes nothing: no column, so nothing recorded.
  Result<std::optional<RecordedSchema>> none = driver_->LastRecordedSchema();
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(Drift().state, SchemaDrift::State::kUnknown);

  Build({TableRev("aaaa", {}), TableRev("bbbb", {"aaaa"})});
  Ok(migrator_->Upgrade("head"));
  Result<testing::Rows> rows =
      db_->Query("SELECT revision, coalesce(schema_hash, 'null') FROM strata_log ORDER BY id");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0], (std::vector<std::string>{"aaaa", "null"}));
  EXPECT_EQ((*rows)[1], (std::vector<std::string>{"bbbb", Snap().hash}));
  EXPECT_EQ(Drift().state, SchemaDrift::State::kUnchanged);
}

TEST_P(SnapshotTest, DriftIsWhatChangedSinceTheNewestStep) {
  Build({TableRev("aaaa", {}), TableRev("bbbb", {"aaaa"})});
  // Nothing recorded yet.
  SchemaDrift fresh = Drift();
  EXPECT_EQ(fresh.state, SchemaDrift::State::kUnknown);
  EXPECT_FALSE(fresh.recorded.has_value());
  EXPECT_EQ(fresh.hash, Snap().hash);

  Ok(migrator_->Upgrade("head"));
  SchemaDrift clean = Drift();
  EXPECT_EQ(clean.state, SchemaDrift::State::kUnchanged);
  ASSERT_TRUE(clean.recorded.has_value());
  EXPECT_EQ(clean.recorded->revision, "bbbb");

  Exec(*db_, "CREATE TABLE sneaky (x INTEGER)");  // by hand, outside strata
  SchemaDrift drifted = Drift();
  EXPECT_EQ(drifted.state, SchemaDrift::State::kDrifted);
  EXPECT_EQ(drifted.recorded->hash, clean.hash);
  EXPECT_NE(drifted.hash, clean.hash);
  EXPECT_EQ(std::string(SchemaDriftStateName(drifted.state)), "drifted");

  // Data is not schema.
  Exec(*db_, "DROP TABLE sneaky");
  Exec(*db_, "INSERT INTO t_aaaa VALUES (1)");
  EXPECT_EQ(Drift().state, SchemaDrift::State::kUnchanged);

  // A person who stamps declares the schema as it is.
  Exec(*db_, "CREATE TABLE sneaky (x INTEGER)");
  Ok(migrator_->Stamp("head", /*purge=*/true));
  EXPECT_EQ(Drift().state, SchemaDrift::State::kUnchanged);

  // A newer row without a hash (an older strata ran the last step): not known.
  Exec(*db_, std::string("INSERT INTO strata_log (revision, direction, status, checksum, "
                         "started_at, duration_ms, applied_by, strata_version) VALUES ('bbbb', "
                         "'upgrade', 'done', 'c', ") +
                 (pg() ? "now()" : "'2026-01-01T00:00:00Z'") + ", 1, 'old@host', '0.0.1')");
  SchemaDrift unknown = Drift();
  EXPECT_EQ(unknown.state, SchemaDrift::State::kUnknown);
  ASSERT_TRUE(unknown.recorded.has_value());
  EXPECT_EQ(unknown.recorded->hash, "");
}

TEST_P(SnapshotTest, InspectDatabaseReportsDrift) {
  Build({TableRev("aaaa", {})});
  Ok(migrator_->Upgrade("head"));
  Exec(*db_, "DROP TABLE t_aaaa");
  Result<DatabaseStatus> s = InspectDatabase(*driver_, *graph_, 5);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->drift.state, SchemaDrift::State::kDrifted);
}

std::string BackendName(const ::testing::TestParamInfo<std::string>& param) { return param.param; }

INSTANTIATE_TEST_SUITE_P(Backends, SnapshotTest, ::testing::ValuesIn(testing::TestBackends()),
                         BackendName);

}  // namespace
}  // namespace strata
