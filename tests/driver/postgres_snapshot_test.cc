// PostgreSQL-only parts of schema snapshots (postgres_snapshot.cc, catalog_snapshot.cc): every
// kind of object the catalog statement reads, the hash the server computes, a deploy role that
// may not add strata_log's new column, search_path set by a revision, and scratch databases.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "driver/postgres_test_fixture.h"
#include "strata/inspect.h"
#include "strata/snapshot.h"

namespace strata {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

class PostgresSnapshotTest : public testing::PostgresTestFixture {
 protected:
  PostgresSnapshotTest() : PostgresTestFixture("_snapshot.sql") {}

  void Exec(const std::string& sql) {
    Status st = db_->Exec(sql);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  // Runs `sql` as the cluster's admin (for roles, which outlive a database).
  static void Admin(const std::string& sql) {
    const char* url = std::getenv("STRATA_TEST_PG_URL");
    ASSERT_NE(url, nullptr);
    PGconn* conn = PQconnectdb(url);
    PQsetNoticeProcessor(
        conn, [](void*, const char*) {}, nullptr);
    PGresult* r = PQexec(conn, sql.c_str());
    EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << sql << ": " << PQerrorMessage(conn);
    PQclear(r);
    PQfinish(conn);
  }
};

TEST_F(PostgresSnapshotTest, ReadsEveryKindOfObjectWithTheServersOwnDefinitions) {
  Exec(R"SQL(
    CREATE EXTENSION pg_trgm;
    CREATE SCHEMA app;
    CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
    CREATE DOMAIN app.posint AS integer DEFAULT 1 NOT NULL CHECK (VALUE > 0);
    CREATE TYPE app.pair AS (a int, b text);
    CREATE TYPE app.floatrange AS RANGE (subtype = float8);
    CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE, mood app.mood,
                        g int GENERATED ALWAYS AS (id * 2) STORED, name text COLLATE "C");
    CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id int,
                         amount numeric(10,2) CHECK (amount > 0));
    ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users(id)
      NOT VALID;
    CREATE INDEX orders_user ON orders (user_id) WHERE amount > 10;
    CREATE INDEX users_trgm ON users USING gin (email gin_trgm_ops);
    CREATE VIEW app.v AS SELECT u.id, count(o.id) FROM users u LEFT JOIN orders o
      ON o.user_id = u.id GROUP BY u.id;
    CREATE MATERIALIZED VIEW app.mv AS SELECT 1 AS x;
    CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
    CREATE TRIGGER t_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION app.touch();
    ALTER TABLE users DISABLE TRIGGER t_touch;
    CREATE PROCEDURE app.p(x int) LANGUAGE sql AS $$ SELECT 1 $$;
    CREATE AGGREGATE app.mysum(int) (SFUNC = int4pl, STYPE = int, INITCOND = '0');
    CREATE TABLE measures (at date NOT NULL, v int) PARTITION BY RANGE (at);
    CREATE TABLE measures_2026 PARTITION OF measures
      FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
    CREATE TABLE child (extra int) INHERITS (orders);
    ALTER TABLE users ENABLE ROW LEVEL SECURITY;
    CREATE POLICY own ON users FOR SELECT USING (id > 0);
    CREATE SEQUENCE app.counter START 5;
    CREATE UNLOGGED TABLE app."Cache" (k text);
  )SQL");
  std::unique_ptr<Driver> driver = Open(DriverOptions{});
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->EnsureTables().ok());
  Result<SchemaSnapshot> s = driver->Snapshot();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::map<std::string, std::string> defs;
  for (const SchemaObject& o : s->objects) defs[o.kind + " " + o.name] = o.definition;

  const std::pair<const char*, const char*> expected[] = {
      {"schema app", "CREATE SCHEMA app"},
      {"extension pg_trgm", "CREATE EXTENSION pg_trgm SCHEMA public"},
      {"type app.mood", "CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy')"},
      {"type app.posint", "CREATE DOMAIN app.posint AS integer DEFAULT 1 NOT NULL"},
      {"constraint app.posint.posint_check", "CHECK ((VALUE > 0))"},
      {"type app.pair", "CREATE TYPE app.pair AS (a integer, b text)"},
      {"type app.floatrange", "AS RANGE (SUBTYPE = double precision)"},
      {"table public.users",
       "CREATE TABLE public.users (); ALTER TABLE public.users ENABLE ROW LEVEL SECURITY"},
      {"column public.users.id",
       "integer DEFAULT nextval('public.users_id_seq'::regclass) NOT NULL"},
      {"column public.users.mood", "ADD COLUMN mood app.mood"},
      {"column public.users.g", "GENERATED ALWAYS AS ((id * 2)) STORED"},
      {"column public.users.name", "text COLLATE pg_catalog.\"C\""},
      {"column public.orders.id", "bigint GENERATED ALWAYS AS IDENTITY NOT NULL"},
      {"constraint public.orders.orders_user_fk", "REFERENCES public.users(id) NOT VALID"},
      {"constraint public.users.users_pkey", "PRIMARY KEY (id)"},
      {"index public.orders_user", "WHERE (amount > (10)::numeric)"},
      {"index public.users_trgm", "USING gin (email public.gin_trgm_ops)"},
      {"sequence public.users_id_seq", "OWNED BY public.users.id"},
      {"sequence app.counter", "START WITH 5"},
      {"view app.v", "LEFT JOIN public.orders o"},
      {"materialized view app.mv", "CREATE MATERIALIZED VIEW app.mv AS"},
      {"function app.touch()", "LANGUAGE plpgsql"},
      {"procedure app.p(IN x integer)", "CREATE OR REPLACE PROCEDURE app.p"},
      {"aggregate app.mysum(integer)", "SFUNC = int4pl, STYPE = integer, INITCOND = '0'"},
      {"trigger public.users.t_touch",
       "EXECUTE FUNCTION app.touch(); ALTER TABLE public.users "
       "DISABLE TRIGGER t_touch"},
      {"policy public.users.own", "AS PERMISSIVE FOR SELECT TO PUBLIC USING ((id > 0))"},
      {"table public.measures", "PARTITION BY RANGE (at)"},
      {"table public.measures_2026", "PARTITION OF public.measures FOR VALUES FROM ('2026-01-01')"},
      {"table public.child", "INHERITS (public.orders)"},
      {"table app.\"Cache\"", "CREATE UNLOGGED TABLE app.\"Cache\" ()"},
  };
  for (const auto& [key, text] : expected) {
    ASSERT_TRUE(defs.count(key)) << key;
    EXPECT_THAT(defs[key], HasSubstr(text)) << key;
  }
  for (const auto& [key, definition] : defs) {
    // Extension members (pg_trgm's functions), strata's tables and implicit objects (the
    // identity sequence, the range constructors) are left out.
    EXPECT_THAT(key, Not(HasSubstr("similarity"))) << key;
    EXPECT_THAT(key, Not(HasSubstr("strata_log"))) << key;
    EXPECT_THAT(key, Not(HasSubstr("alembic_version"))) << key;
    EXPECT_THAT(key, Not(HasSubstr("orders_id_seq"))) << key;
    EXPECT_NE(key, "function app.floatrange(double precision, double precision)");
  }
  // On a UTF-8 connection the server's hash and the one computed from the rows agree.
  EXPECT_EQ(s->hash, SchemaHash(s->objects));
}

TEST_F(PostgresSnapshotTest, ARoleThatMayNotAlterStrataLogMigratesWithoutRecordingHashes) {
  // strata_log made by an older strata and owned by the admin; the deploy role may write it but
  // not alter it.
  Exec(
      "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT "
      "alembic_version_pkc PRIMARY KEY (version_num))");
  Exec(
      "CREATE TABLE strata_log (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, revision "
      "VARCHAR(32) NOT NULL, direction TEXT NOT NULL, status TEXT NOT NULL, checksum TEXT NOT "
      "NULL, started_at TIMESTAMPTZ NOT NULL, duration_ms BIGINT NOT NULL, applied_by TEXT NOT "
      "NULL, strata_version TEXT NOT NULL, error TEXT)");
  const std::string role = "strata_deployer_" + std::to_string(getpid());
  Admin("DROP ROLE IF EXISTS " + role);
  Admin("CREATE ROLE " + role + " LOGIN");
  Exec("GRANT CREATE, USAGE ON SCHEMA public TO " + role);
  Exec("GRANT ALL ON ALL TABLES IN SCHEMA public TO " + role);
  Exec("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO " + role);
  std::string url = db_->url();
  url.replace(url.find("postgres@"), 9, role + "@");

  std::vector<std::string> said;
  DriverOptions options;
  options.on_wait = [&said](const std::string& line) { said.push_back(line); };
  {
    std::unique_ptr<Driver> driver = Open(options, url);
    ASSERT_NE(driver, nullptr);
    ASSERT_TRUE(driver->EnsureTables().ok());
    const Revision& rev = Add("aaaa", "CREATE TABLE t (x int);");
    Step step = Up(rev);
    Result<StepOutcome> applied = driver->ApplyStep(RunOf(step));
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
    EXPECT_EQ(Versions(*driver), std::vector<std::string>{"aaaa"});
    ASSERT_EQ(said.size(), 1u);
    EXPECT_THAT(said[0], HasSubstr("not recording schema hashes in public.strata_log"));
    EXPECT_THAT(said[0], HasSubstr("must be owner"));
    EXPECT_THAT(said[0], HasSubstr("ALTER TABLE public.strata_log ADD COLUMN IF NOT EXISTS "
                                   "schema_hash TEXT;"));
    Result<std::optional<RecordedSchema>> recorded = driver->LastRecordedSchema();
    ASSERT_TRUE(recorded.ok()) << recorded.status().ToString();
    EXPECT_FALSE(recorded->has_value());
  }
  EXPECT_EQ(One("SELECT count(*) FROM strata_log"), "1");
  EXPECT_EQ(One("SELECT count(*) FROM pg_attribute WHERE attrelid = 'strata_log'::regclass AND "
                "attname = 'schema_hash'"),
            "0");
  db_.reset();  // the role owns table t: the database goes first
  Admin("DROP ROLE " + role);
}

TEST_F(PostgresSnapshotTest, ARevisionThatSetsSearchPathStillRecordsTheWholeSchemasHash) {
  std::unique_ptr<Driver> driver = Open(DriverOptions{});
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->EnsureTables().ok());
  const Revision& rev = Add(
      "aaaa", "CREATE SCHEMA app;\nSET LOCAL search_path = app, public;\nCREATE TABLE t (x int);");
  Step step = Up(rev);
  Result<StepOutcome> applied = driver->ApplyStep(RunOf(step));
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  Result<SchemaSnapshot> s = driver->Snapshot();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::vector<std::string> keys;
  for (const SchemaObject& o : s->objects) keys.push_back(o.kind + " " + o.name);
  EXPECT_THAT(keys, Contains("table app.t"));
  EXPECT_THAT(keys, Not(Contains(HasSubstr("strata_log"))));
  EXPECT_EQ(One("SELECT schema_hash FROM strata_log"), s->hash);
}

TEST_F(PostgresSnapshotTest, ARoleThatMayNotReadACatalogStillGetsStatusAndMigrates) {
  // A role that may not read one of the catalogs the snapshot needs.
  const std::string role = "strata_reader_" + std::to_string(getpid());
  Admin("DROP ROLE IF EXISTS " + role);
  Admin("CREATE ROLE " + role + " LOGIN");
  Exec("REVOKE SELECT ON pg_catalog.pg_policy FROM PUBLIC");
  std::string url = db_->url();
  url.replace(url.find("postgres@"), 9, role + "@");
  {
    std::unique_ptr<Driver> driver = Open(DriverOptions{}, url);
    ASSERT_NE(driver, nullptr);
    Result<SchemaDrift> drift = CheckSchemaDrift(*driver);
    ASSERT_FALSE(drift.ok());
    EXPECT_THAT(drift.status().message(), HasSubstr("permission denied"));
    Result<RevisionGraph> graph = RevisionGraph::Build({});
    ASSERT_TRUE(graph.ok());
    Result<DatabaseStatus> status = InspectDatabase(*driver, *graph, 5);
    ASSERT_TRUE(status.ok()) << status.status().ToString();
    EXPECT_EQ(status->drift.state, SchemaDrift::State::kUnknown);
    EXPECT_THAT(status->drift.error, HasSubstr("permission denied"));
  }
  {
    // And it migrates, without recording hashes, saying why.
    Exec("GRANT CREATE ON SCHEMA public TO " + role);
    std::vector<std::string> said;
    DriverOptions options;
    options.on_wait = [&said](const std::string& line) { said.push_back(line); };
    std::unique_ptr<Driver> driver = Open(options, url);
    ASSERT_NE(driver, nullptr);
    ASSERT_TRUE(driver->EnsureTables().ok());
    Step step = Up(Add("aaaa", "CREATE TABLE t (x int);"));
    Result<StepOutcome> applied = driver->ApplyStep(RunOf(step));
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
    ASSERT_EQ(said.size(), 1u);
    EXPECT_THAT(said[0], HasSubstr("may not read the catalogs pg_policy"));
    EXPECT_EQ(One("SELECT count(*) FROM strata_log WHERE schema_hash IS NULL"), "1");
  }
  db_.reset();
  Admin("DROP ROLE " + role);
}

TEST_F(PostgresSnapshotTest, ANonUtf8DatabaseShowsTheHashItsStepsRecord) {
  // In LATIN1 the server counts other bytes than a UTF-8 client would: the hash is the server's.
  const std::string name = "strata_latin1_" + std::to_string(getpid());
  Admin("DROP DATABASE IF EXISTS " + name);
  Admin("CREATE DATABASE " + name +
        " ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
  std::string url = db_->url();
  url.replace(url.rfind('/') + 1, std::string::npos, name);
  {
    std::unique_ptr<Driver> driver = Open(DriverOptions{}, url);
    ASSERT_NE(driver, nullptr);
    ASSERT_TRUE(driver->EnsureTables().ok());
    const Revision& rev = Add("aaaa", "CREATE TABLE personne (\"pr\xc3\xa9nom\" text);");
    Step step = Up(rev);
    Result<StepOutcome> applied = driver->ApplyStep(RunOf(step));
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
    Result<SchemaSnapshot> s = driver->Snapshot();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    Result<std::optional<RecordedSchema>> recorded = driver->LastRecordedSchema();
    ASSERT_TRUE(recorded.ok() && recorded->has_value());
    EXPECT_EQ((*recorded)->hash, s->hash);
    Result<std::string> hash = driver->SchemaHash();
    ASSERT_TRUE(hash.ok());
    EXPECT_EQ(*hash, s->hash);
  }
  Admin("DROP DATABASE " + name + " WITH (FORCE)");
}

TEST_F(PostgresSnapshotTest, ScratchDatabasesAreCreatedOnTheServerAndDropped) {
  std::unique_ptr<Driver> admin = Open(DriverOptions{});
  ASSERT_NE(admin, nullptr);
  const std::string name = "Strata Scratch " + std::to_string(getpid());  // quoted, mixed case
  Result<std::string> url = admin->CreateScratchDatabase(name);
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_THAT(*url, HasSubstr("dbname='" + name + "'"));
  {
    std::unique_ptr<Driver> scratch = Open(DriverOptions{}, *url);
    ASSERT_NE(scratch, nullptr);
    Result<SchemaSnapshot> s = scratch->Snapshot();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    std::vector<std::string> keys;
    for (const SchemaObject& o : s->objects) keys.push_back(o.kind + " " + o.name);
    EXPECT_EQ(keys, (std::vector<std::string>{"extension plpgsql", "schema public"}));
  }
  EXPECT_EQ(One("SELECT count(*) FROM pg_database WHERE datname = '" + name + "'"), "1");
  ASSERT_TRUE(admin->DropScratchDatabase(name).ok());
  EXPECT_EQ(One("SELECT count(*) FROM pg_database WHERE datname = '" + name + "'"), "0");

  // Taken: the server's own words, and how to get a role that may.
  Result<std::string> again =
      admin->CreateScratchDatabase(db_->url().substr(db_->url().rfind('/') + 1));
  ASSERT_FALSE(again.ok());
  EXPECT_THAT(again.status().message(), HasSubstr("already exists"));
  EXPECT_THAT(again.status().hint(), HasSubstr("CREATEDB"));
}

}  // namespace
}  // namespace strata
