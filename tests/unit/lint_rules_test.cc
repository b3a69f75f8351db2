// Lint rules, table-driven: every rule has statements it must flag (cases[]) and near-identical
// safe statements it must not flag (safe[]); then the history model, allow comments and config,
// SQLite mode and file:line. Revisions are built in memory; no files, no database.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "lint/rule.h"
#include "strata/lint.h"

namespace strata {
namespace {

using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Not;

Revision Rev(const std::string& id, const std::string& parent, const std::string& upgrade,
             bool transactional = true,
             const std::optional<std::string>& downgrade = std::string("SELECT 1;")) {
  Revision r;
  r.id = id;
  if (!parent.empty()) r.parents.push_back(parent);
  r.transactional = transactional;
  r.upgrade = {upgrade, 10};
  if (downgrade) r.downgrade = SqlSection{*downgrade, 100};
  r.path = id + ".sql";
  r.id_line = 3;
  return r;
}

// Tables that exist before the revision under test: created by an earlier, applied revision.
const char* kBase =
    "CREATE TABLE t (id bigint PRIMARY KEY, a int, b text, s varchar(20), n numeric(10,2));\n"
    "CREATE TABLE u (id bigint PRIMARY KEY);\n"
    "CREATE INDEX t_a ON t (a);\n"
    "CREATE TABLE p (id bigint, at date) PARTITION BY RANGE (at);\n";

LintConfig Config() {
  LintConfig c;
  c.statement_lock_timeout_set = true;  // tests of missing-lock-timeout turn it off
  c.statement_timeout_set = true;       // and of missing-statement-timeout
  return c;
}

LintReport Lint(const std::vector<Revision>& revs, const LintConfig& config = Config()) {
  std::vector<const Revision*> order;
  for (const Revision& r : revs) order.push_back(&r);
  return LintRevisions(order, config);
}

// The findings of `sql` as a revision on top of kBase, which itself is not reported on.
LintReport LintOnBase(const std::string& sql, bool transactional,
                      const LintConfig& config = Config()) {
  std::vector<Revision> revs = {Rev("base0001", "", kBase),
                                Rev("rev00002", "base0001", sql, transactional)};
  std::vector<const Revision*> order = {&revs[0], &revs[1]};
  std::set<std::string> selected = {"rev00002"};
  return LintRevisions(order, config, &selected);
}

std::vector<std::string> RuleIds(const LintReport& r) {
  std::vector<std::string> ids;
  for (const LintFinding& f : r.findings) ids.push_back(f.rule);
  return ids;
}

// Every rule file's flagged and safe cases (src/lint/rules/*.cc), with the configuration they
// need: their dialect, and their rule turned on when it is opt-in.
LintConfig CaseConfig(const lint::LintCase& c) {
  LintConfig config = Config();
  config.dialect = c.dialect;
  const LintRule* rule = FindLintRule(c.rule);
  if (rule != nullptr && rule->opt_in) config.enable.emplace_back(c.rule);
  return config;
}

TEST(LintRulesTest, FlagsEachUnsafeStatement) {
  for (const lint::RuleFamily* family : lint::RuleFamilies()) {
    for (const lint::LintCase& c : family->flagged) {
      SCOPED_TRACE(std::string(c.sql));
      LintReport r = LintOnBase(std::string(c.sql), c.transactional, CaseConfig(c));
      EXPECT_THAT(RuleIds(r), Contains(std::string(c.rule)));
      for (const LintFinding& f : r.findings) {
        if (f.rule != c.rule) continue;
        EXPECT_EQ(f.file, "rev00002.sql");
        EXPECT_EQ(f.revision, "rev00002");
        EXPECT_GE(f.line, 10);
        EXPECT_FALSE(f.risk.empty());
        EXPECT_FALSE(f.safe_pattern.empty());
      }
    }
  }
}

TEST(LintRulesTest, SafeRewritesAreNotFlagged) {
  for (const lint::RuleFamily* family : lint::RuleFamilies()) {
    for (const lint::LintCase& c : family->safe) {
      SCOPED_TRACE(std::string(c.sql));
      LintReport r = LintOnBase(std::string(c.sql), c.transactional, CaseConfig(c));
      EXPECT_THAT(RuleIds(r), IsEmpty()) << "safe form of " << c.rule;
      EXPECT_GT(r.statements, 0);
    }
  }
}

TEST(LintRulesTest, MissingLockTimeoutWhenNotConfigured) {
  LintConfig config = Config();
  config.statement_lock_timeout_set = false;
  LintReport r =
      LintOnBase("ALTER TABLE t ADD COLUMN c int;\nCREATE INDEX t_b ON t (b);", true, config);
  // One finding per section, at the first statement that needed it.
  std::vector<std::string> ids = RuleIds(r);
  ASSERT_EQ(std::count(ids.begin(), ids.end(), "missing-lock-timeout"), 1);
  EXPECT_EQ(r.findings[0].line, 10);
  // Set too late: the first statement still waits without a timeout.
  r = LintOnBase("ALTER TABLE t ADD COLUMN c int;\nSET lock_timeout = '1s';", true, config);
  EXPECT_THAT(RuleIds(r), Contains("missing-lock-timeout"));
  r = LintOnBase("SET lock_timeout = 0;\nALTER TABLE t ADD COLUMN c int;", true, config);
  EXPECT_THAT(RuleIds(r), Contains("missing-lock-timeout"));
  // New tables cannot be locked by anyone else.
  r = LintOnBase("CREATE TABLE n (a int);\nALTER TABLE n ADD COLUMN c int;", true, config);
  EXPECT_THAT(RuleIds(r), IsEmpty());
}

TEST(LintRulesTest, EveryRuleHasAFlaggedAndASafeCase) {
  std::set<std::string> flagged, safe_rules;
  for (const lint::RuleFamily* family : lint::RuleFamilies()) {
    for (const lint::LintCase& c : family->flagged) flagged.insert(std::string(c.rule));
    for (const lint::LintCase& c : family->safe) safe_rules.insert(std::string(c.rule));
  }
  for (const LintRule& rule : LintRules()) {
    std::string id(rule.id);
    if (id == "missing-downgrade" || id == "missing-lock-timeout" ||
        id == "missing-statement-timeout") {
      continue;  // tested below
    }
    EXPECT_TRUE(flagged.count(id)) << id << " has no flagged case";
    EXPECT_TRUE(safe_rules.count(id)) << id << " has no safe case";
  }
}

TEST(LintRulesTest, RuleIdsAreUniqueKebabCase) {
  std::set<std::string_view> seen;
  for (const LintRule& rule : LintRules()) {
    EXPECT_TRUE(seen.insert(rule.id).second) << rule.id;
    for (char c : rule.id) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '-') << rule.id;
    EXPECT_EQ(FindLintRule(rule.id), &rule);
  }
  EXPECT_EQ(FindLintRule("no-such-rule"), nullptr);
}

TEST(LintRulesTest, MissingDowngrade) {
  std::vector<Revision> revs = {Rev("aaaa0001", "", "CREATE TABLE n (a int);", true, std::nullopt)};
  LintReport r = Lint(revs);
  ASSERT_THAT(RuleIds(r), Contains("missing-downgrade"));
  EXPECT_EQ(r.findings[0].line, 3);  // the Revision ID line
  revs[0].downgrade = SqlSection{"DROP TABLE n;", 20};
  EXPECT_THAT(RuleIds(Lint(revs)), IsEmpty());
  // Deliberately irreversible: said in the header.
  revs[0].downgrade.reset();
  revs[0].explanation = "Irreversible by design.\nstrata:allow missing-downgrade";
  r = Lint(revs);
  EXPECT_THAT(RuleIds(r), IsEmpty());
  EXPECT_EQ(r.silenced, 1);
}

// --- history ---------------------------------------------------------------------------------

TEST(LintHistoryTest, TableFromEarlierRevisionExistsWithoutADatabase) {
  std::vector<Revision> revs = {Rev("aaaa0001", "", "CREATE TABLE n (a int);"),
                                Rev("aaaa0002", "aaaa0001", "CREATE INDEX n_a ON n (a);")};
  LintReport r = Lint(revs);
  EXPECT_THAT(RuleIds(r), Contains("index-not-concurrently"));
  EXPECT_EQ(r.findings[0].revision, "aaaa0002");
}

TEST(LintHistoryTest, TableFromPendingRevisionIsNewAndEmpty) {
  std::vector<Revision> revs = {
      Rev("aaaa0001", "", "CREATE TABLE n (a int);"),
      Rev("aaaa0002", "aaaa0001",
          "CREATE INDEX n_a ON n (a);\nALTER TABLE n ADD COLUMN b int NOT NULL;")};
  LintConfig config = Config();
  config.pending = std::set<std::string>{"aaaa0001", "aaaa0002"};
  EXPECT_THAT(RuleIds(Lint(revs, config)), IsEmpty());
  // Applied already: the table may hold rows now.
  config.pending = std::set<std::string>{"aaaa0002"};
  EXPECT_THAT(RuleIds(Lint(revs, config)), Contains("index-not-concurrently"));
  EXPECT_THAT(RuleIds(Lint(revs, config)), Contains("adding-not-null-column"));
}

TEST(LintHistoryTest, RenamedAndRecreatedTables) {
  std::vector<Revision> revs = {
      Rev("aaaa0001", "", "CREATE TABLE old (a int);"),
      // Renamed in a later revision: the new name is the same existing table.
      Rev("aaaa0002", "aaaa0001", "-- strata:allow renaming-table\nALTER TABLE old RENAME TO cur;"),
      Rev("aaaa0003", "aaaa0002", "CREATE INDEX cur_a ON cur (a);"),
  };
  EXPECT_THAT(RuleIds(Lint(revs)), Contains("index-not-concurrently"));
  // Dropped and created again in one revision: new.
  revs[2].upgrade.sql =
      "-- strata:allow dropping-table\nDROP TABLE cur;\nCREATE TABLE cur (a int);\n"
      "CREATE INDEX cur_a ON cur (a);";
  EXPECT_THAT(RuleIds(Lint(revs)), IsEmpty());
}

TEST(LintHistoryTest, ValidatedNotNullCheckFromEarlierRevision) {
  std::vector<Revision> revs = {
      Rev("aaaa0001", "", "CREATE TABLE n (a int);"),
      Rev("aaaa0002", "aaaa0001",
          "ALTER TABLE n ADD CONSTRAINT n_a_nn CHECK (a IS NOT NULL) NOT VALID;"),
      Rev("aaaa0003", "aaaa0002", "ALTER TABLE n VALIDATE CONSTRAINT n_a_nn;"),
      Rev("aaaa0004", "aaaa0003", "ALTER TABLE n ALTER COLUMN a SET NOT NULL;"),
  };
  EXPECT_THAT(RuleIds(Lint(revs)), IsEmpty());
  revs[2].upgrade.sql = "SELECT 1;";  // never validated
  EXPECT_THAT(RuleIds(Lint(revs)), Contains("setting-not-null"));
}

TEST(LintHistoryTest, DowngradeMayDropWhatItsUpgradeAdded) {
  std::vector<Revision> revs = {
      Rev("aaaa0001", "", "CREATE TABLE n (a int);", true, "DROP TABLE n;"),
      Rev("aaaa0002", "aaaa0001", "ALTER TABLE n ADD COLUMN b int;", true,
          "ALTER TABLE n DROP COLUMN b;"),
  };
  EXPECT_THAT(RuleIds(Lint(revs)), IsEmpty());
  // But the downgrade's own locking problems count.
  revs[1].downgrade->sql = "CREATE INDEX n_a ON n (a);";
  LintReport r = Lint(revs);
  ASSERT_THAT(RuleIds(r), Contains("index-not-concurrently"));
  EXPECT_EQ(r.findings[0].section, "downgrade");
  EXPECT_EQ(r.findings[0].line, 100);
}

TEST(LintHistoryTest, SchemaQualifiedNames) {
  std::vector<Revision> revs = {
      Rev("aaaa0001", "", "CREATE TABLE audit.log (a int);\nCREATE INDEX log_a ON audit.log (a);"),
      Rev("aaaa0002", "aaaa0001",
          "CREATE TABLE log (a int);\nCREATE INDEX log_b ON audit.log (a);"),
  };
  LintReport r = Lint(revs);
  ASSERT_EQ(RuleIds(r), std::vector<std::string>{"index-not-concurrently"});
  EXPECT_EQ(r.findings[0].revision, "aaaa0002");
}

// --- silencing -------------------------------------------------------------------------------

TEST(LintAllowTest, CommentOnTheLineBefore) {
  LintReport r = LintOnBase(
      "-- strata:allow index-not-concurrently, dropping-column\n"
      "CREATE INDEX t_b ON t (b);\n"
      "ALTER TABLE t DROP COLUMN a;",
      true);
  // The allow covers only the statement right after it.
  EXPECT_EQ(RuleIds(r), std::vector<std::string>{"dropping-column"});
  EXPECT_EQ(r.silenced, 1);
  EXPECT_EQ(r.findings[0].line, 12);
}

TEST(LintAllowTest, SeveralRulesAndCommentsAbove) {
  LintReport r = LintOnBase(
      "ALTER TABLE t ADD COLUMN x int;\n"
      "-- strata:allow dropping-column\n"
      "-- why: the column was unused since release 41\n"
      "-- strata:allow renaming-table\n"
      "ALTER TABLE t DROP COLUMN a;\n"
      "ALTER TABLE t RENAME TO t2;",
      true);
  EXPECT_EQ(RuleIds(r), std::vector<std::string>{"renaming-table"});
  EXPECT_EQ(r.silenced, 1);
}

TEST(LintAllowTest, TrailingCommentOnTheStatementsLine) {
  LintReport r = LintOnBase(
      "CREATE INDEX t_b ON t (b); -- strata:allow index-not-concurrently\n"
      "CREATE INDEX t_c ON t (b);",
      true);
  ASSERT_EQ(RuleIds(r), std::vector<std::string>{"index-not-concurrently"});
  EXPECT_EQ(r.findings[0].line, 11);
}

TEST(LintAllowTest, ConfigAllowList) {
  LintConfig config = Config();
  config.allow = {"prefer-text", "dropping-column"};
  LintReport r = LintOnBase(
      "CREATE TABLE n (s varchar(9));\nALTER TABLE t DROP COLUMN a;\nDROP TABLE u;", true, config);
  EXPECT_EQ(RuleIds(r), std::vector<std::string>{"dropping-table"});
  EXPECT_EQ(r.silenced, 2);
}

TEST(LintAllowTest, ParseErrorCanBeAllowed) {
  LintReport r = LintOnBase("-- strata:allow parse-error\nSELEC 1;", true);
  EXPECT_THAT(RuleIds(r), IsEmpty());
  EXPECT_EQ(r.silenced, 1);
}

// --- parsing and lines -------------------------------------------------------------------------

TEST(LintParseTest, ParseErrorPointsAtTheLineOfTheError) {
  LintReport r = LintOnBase(
      "CREATE TABLE n (a int);\n"
      "ALTER TABLE t\n"
      "  ADD COLUMN é int,\n"
      "  ADD COLUMN;\n"
      "CREATE INDEX t_b ON t (b);",
      true);
  // The bad statement is reported where the parser stopped; the rest is still checked.
  ASSERT_EQ(RuleIds(r), (std::vector<std::string>{"parse-error", "index-not-concurrently"}));
  EXPECT_EQ(r.findings[0].line, 13);
  EXPECT_THAT(r.findings[0].detail, ::testing::HasSubstr("syntax error"));
  EXPECT_EQ(r.findings[1].line, 14);
}

TEST(LintParseTest, DollarQuotedBodiesAndComments) {
  LintReport r = LintOnBase(
      "/* a block /* nested */ comment */\n"
      "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN NEW.a := 1; RETURN NEW; END $$ "
      "LANGUAGE plpgsql;\n"
      "-- DROP TABLE t; is only a comment\n"
      "SELECT ';DROP TABLE t;';",
      true);
  EXPECT_THAT(RuleIds(r), IsEmpty());
  EXPECT_EQ(r.statements, 3);  // and the downgrade's SELECT 1
}

TEST(LintParseTest, StatementsTheScannerCannotClassifyAreStillParsed) {
  LintReport r = LintOnBase("SELECT 1;\nSELEC 1;\nDROP TABLE u;", true);
  ASSERT_EQ(RuleIds(r), (std::vector<std::string>{"parse-error", "dropping-table"}));
  EXPECT_EQ(r.findings[0].line, 11);
  EXPECT_EQ(r.findings[1].line, 12);
}

TEST(LintParseTest, UnterminatedStringIsOneParseError) {
  LintReport r = LintOnBase("SELECT 1;\nSELECT 'abc", true);
  ASSERT_EQ(RuleIds(r), std::vector<std::string>{"parse-error"});
}

// A section of several MB is linted a window of statements at a time; whatever falls at a
// window's edge reads as in a small one: an allow on the line before a statement or on its own
// line after the ';' (every statement has one, so some sit at every edge), a BEGIN ATOMIC body
// whose inner ';'s a window may end at, a parse error and findings far down with their lines.
TEST(LintParseTest, LargeSectionsReadAcrossWindowEdgesAsSmallOnes) {
  std::string sql;
  int line = 10;
  for (int i = 0; i < 40000; ++i) {
    if (i % 2 == 0) {
      sql += "-- strata:allow index-not-concurrently\nCREATE INDEX t_" + std::to_string(i) +
             " ON t (b);\n";
      line += 2;
    } else {
      sql += "CREATE INDEX t_" + std::to_string(i) +
             " ON t (b); -- strata:allow index-not-concurrently\n";
      line += 1;
    }
    if (i == 20000) {
      sql += "CREATE FUNCTION atomic_last() RETURNS int LANGUAGE sql BEGIN ATOMIC\n";
      // 12,000 lines, 190 KB: wider than a window, within what the linter parses whole.
      for (int j = 0; j < 12000; ++j) sql += "  SELECT " + std::to_string(j) + ";\n";
      sql += "END;\n";
      line += 12002;
    }
  }
  const int drop_line = line;
  sql += "ALTER TABLE t DROP COLUMN a;\nSELEC 1;\n";
  LintReport r = LintOnBase(sql, true);
  ASSERT_EQ(RuleIds(r), (std::vector<std::string>{"dropping-column", "parse-error"}));
  EXPECT_EQ(r.findings[0].line, drop_line);
  EXPECT_EQ(r.findings[1].line, drop_line + 1);
  EXPECT_EQ(r.silenced, 40000);
  EXPECT_EQ(r.statements, 40000 + 1 + 1 + 1);  // and the downgrade's SELECT 1
}

// --- SQLite ------------------------------------------------------------------------------------

TEST(LintSqliteTest, SkipsPostgresRulesAndNotesUnreadableSyntax) {
  LintConfig config = Config();
  config.dialect = LintDialect::kSqlite;
  LintReport r = LintOnBase(
      "CREATE INDEX t_b ON t (b);\n"
      "CREATE TABLE n (a INTEGER PRIMARY KEY AUTOINCREMENT);\n"
      "DROP TABLE u;",
      true, config);
  EXPECT_EQ(RuleIds(r), std::vector<std::string>{"dropping-table"});
  EXPECT_THAT(r.skipped_rules, Contains("index-not-concurrently"));
  EXPECT_THAT(r.skipped_rules, Not(Contains("dropping-table")));
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_EQ(r.notes[0].line, 11);
  EXPECT_THAT(r.notes[0].message, ::testing::HasSubstr("not checked (SQLite syntax)"));
  EXPECT_EQ(r.not_checked, 1);
}

TEST(LintSqliteTest, PostgresHasNoSkippedRules) {
  EXPECT_THAT(LintOnBase("SELECT 1;", true).skipped_rules, IsEmpty());
}

}  // namespace
}  // namespace strata

namespace strata {
namespace {

// `<first>+1+1+…+1` with `terms` terms: PostgreSQL parses it into a tree one level deep per
// term (left-deep), so `first` sits at the bottom.
std::string DeepSum(const std::string& first, int terms) {
  std::string sql = first;
  sql.reserve(static_cast<size_t>(terms) * 2 + first.size());
  for (int i = 1; i < terms; ++i) sql += "+1";
  return sql;
}

// About 7,000 terms used to overflow the stack in the volatile-default walk, and 100,000 in
// libpg_query's own JSON output (PostgreSQL accepts both). Now every walk is iterative and the
// parse runs on a large stack: the deepest node is still reached.
TEST(LintDeepInputTest, HundredThousandTermDefaultsAreWalkedToTheBottom) {
  for (int terms : {7000, 100000}) {
    SCOPED_TRACE(terms);
    LintReport plain =
        LintOnBase("ALTER TABLE t ADD COLUMN c int DEFAULT " + DeepSum("1", terms) + ";", true);
    EXPECT_THAT(RuleIds(plain), Not(Contains("volatile-default")));
    EXPECT_EQ(plain.statements, 2);  // and the downgrade's SELECT 1
    LintReport flagged = LintOnBase(
        "ALTER TABLE t ADD COLUMN c int DEFAULT " + DeepSum("random()::int", terms) + ";", true);
    EXPECT_THAT(RuleIds(flagged), Contains("volatile-default"));
  }
}

// Deeper than any stack strata reserves: not parsed, and said so in a note that does not fail
// the run. (Bison itself refuses nesting deeper than 10,000 levels: that one is a parse error,
// as it is for the server.)
TEST(LintDeepInputTest, StatementsTooLargeToParseAreNotedNotCrashedOn) {
  LintReport r = LintOnBase("CREATE TABLE n (x int);\nALTER TABLE t ADD COLUMN c int DEFAULT " +
                                DeepSum("1", 300000) + ";",
                            true);
  EXPECT_EQ(r.statements, 2);  // CREATE TABLE and the downgrade's SELECT 1
  EXPECT_EQ(r.not_checked, 1);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_EQ(r.notes[0].line, 11);
  EXPECT_THAT(r.notes[0].message, ::testing::HasSubstr("more than the linter parses (250000)"));
  EXPECT_EQ(r.errors(), 0);

  std::string nested = "SELECT 1";
  for (int i = 0; i < 20000; ++i) nested = "SELECT (" + nested + ")";
  LintReport deep = LintOnBase("CREATE VIEW v AS " + nested + ";", true);
  EXPECT_EQ(RuleIds(deep), std::vector<std::string>{"parse-error"});
}

}  // namespace
}  // namespace strata

namespace strata {
namespace {

// The dialect a history is written for, from the files alone: SQLite-only words outside
// comments and quoted text.
TEST(LintDialectGuessTest, SqliteOnlySyntaxNamesItsLine) {
  struct GuessCase {
    const char* sql;
    LintDialect dialect;
    const char* reason;  // a substring
  };
  const GuessCase guesses[] = {
      {"CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT);", LintDialect::kSqlite,
       "x.sql:10 uses AUTOINCREMENT"},
      {"SELECT 1;\npragma foreign_keys = on;", LintDialect::kSqlite, "x.sql:11 uses PRAGMA"},
      {"CREATE TABLE a (k text PRIMARY KEY) WITHOUT ROWID;", LintDialect::kSqlite, "WITHOUT ROWID"},
      {"INSERT OR REPLACE INTO a VALUES (1);", LintDialect::kSqlite, "INSERT OR REPLACE"},
      {"insert or ignore into a values (1);", LintDialect::kSqlite, "INSERT OR IGNORE"},
      {"REPLACE INTO a VALUES (1);", LintDialect::kSqlite, "REPLACE INTO"},
      {"ATTACH DATABASE 'b.db' AS b;", LintDialect::kSqlite, "ATTACH DATABASE"},
      {"CREATE TABLE a (id bigint GENERATED ALWAYS AS IDENTITY);", LintDialect::kPostgres,
       "nothing in the files is SQLite-only"},
      {"-- AUTOINCREMENT\n/* PRAGMA /* nested */ x */ SELECT 'WITHOUT ROWID', \"pragma\";",
       LintDialect::kPostgres, ""},
      {"CREATE FUNCTION f() RETURNS int AS $body$ PRAGMA x; $body$ LANGUAGE sql;",
       LintDialect::kPostgres, ""},
      {"CREATE OR REPLACE VIEW v AS SELECT 1;", LintDialect::kPostgres, ""},
      {"SELECT $1, 'it''s AUTOINCREMENT';", LintDialect::kPostgres, ""},
  };
  for (const GuessCase& c : guesses) {
    SCOPED_TRACE(c.sql);
    Revision r = Rev("x", "", c.sql);
    r.path = "x.sql";
    LintDialectGuess guess = GuessLintDialect({&r});
    EXPECT_EQ(guess.dialect, c.dialect) << guess.reason;
    EXPECT_THAT(guess.reason, ::testing::HasSubstr(c.reason));
  }
}

}  // namespace
}  // namespace strata

namespace strata {
namespace {

// Every statement that takes a strong lock on an existing table needs a lock timeout (once a
// section); on a new table none does.
TEST(LintTimeoutTest, EveryStrongLockNeedsALockTimeout) {
  LintConfig config = Config();
  config.statement_lock_timeout_set = false;
  const char* strong[] = {
      "DROP TABLE t;",
      "DROP INDEX t_a;",
      "TRUNCATE t;",
      "CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();",
      "LOCK TABLE t IN ACCESS EXCLUSIVE MODE;",
      "COMMENT ON TABLE t IS 'accounts';",
      "COMMENT ON COLUMN t.a IS 'amount';",
      "REFRESH MATERIALIZED VIEW t;",
      "ALTER TABLE t RENAME COLUMN a TO a2;",
      "ALTER INDEX t_a RENAME TO t_a2;",
      "CLUSTER t USING t_a;",
      "REINDEX TABLE t;",
      "CREATE TABLE n (id bigint, t_id bigint REFERENCES t (id));",
      "CREATE TABLE p_2020 PARTITION OF p FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');",
      "DROP TRIGGER IF EXISTS t_touch ON t;",
  };
  for (const char* sql : strong) {
    SCOPED_TRACE(sql);
    EXPECT_THAT(RuleIds(LintOnBase(sql, true, config)), Contains("missing-lock-timeout"));
    EXPECT_THAT(
        RuleIds(LintOnBase(std::string("SET LOCAL lock_timeout = '2s';\n") + sql, true, config)),
        Not(Contains("missing-lock-timeout")));
  }
  EXPECT_THAT(RuleIds(LintOnBase("CREATE TABLE n (a int);\nCOMMENT ON TABLE n IS 'x';\n"
                                 "TRUNCATE n;\nDROP TABLE n;",
                                 true, config)),
              Not(Contains("missing-lock-timeout")));
  EXPECT_THAT(RuleIds(LintOnBase("SELECT a FROM t;\nINSERT INTO u VALUES (1);", true, config)),
              Not(Contains("missing-lock-timeout")));
}

TEST(LintTimeoutTest, StatementTimeoutOncePerSectionUnlessSet) {
  LintConfig config = Config();
  config.statement_timeout_set = false;
  LintReport r = LintOnBase("ALTER TABLE t ADD COLUMN c int;\nDROP INDEX t_a;", true, config);
  std::vector<std::string> ids = RuleIds(r);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "missing-statement-timeout"), 1);
  EXPECT_THAT(RuleIds(LintOnBase("SET LOCAL statement_timeout = '5min';\n"
                                 "ALTER TABLE t ADD COLUMN c int;",
                                 true, config)),
              Not(Contains("missing-statement-timeout")));
  EXPECT_THAT(RuleIds(LintOnBase("SET statement_timeout = 0;\nALTER TABLE t ADD COLUMN c int;",
                                 true, config)),
              Contains("missing-statement-timeout"));
  EXPECT_THAT(RuleIds(LintOnBase("ALTER TABLE t ADD COLUMN c int;", true)),
              Not(Contains("missing-statement-timeout")));  // the configuration sets one
}

// A table a downgrade creates is new within that downgrade, and changes nothing for the next
// upgrade.
TEST(LintHistoryTest, TablesCreatedInADowngrade) {
  std::vector<Revision> revs = {
      Rev("aaaa0001", "", "CREATE TABLE old (a int);", true, "DROP TABLE old;"),
      Rev("aaaa0002", "aaaa0001", "-- strata:allow dropping-table\nDROP TABLE old;", true,
          "CREATE TABLE old (a int);\nCREATE INDEX old_a ON old (a);\n"
          "ALTER TABLE old ADD COLUMN b int NOT NULL;"),
      Rev("aaaa0003", "aaaa0002",
          "CREATE TABLE old (a int, b text);\nCREATE INDEX old_b ON old (b);"),
      Rev("aaaa0004", "aaaa0003", "ALTER TABLE old ALTER COLUMN b TYPE varchar;"),
  };
  EXPECT_THAT(RuleIds(Lint(revs)), IsEmpty());
  // The same index in the downgrade of a revision that did not create the table is flagged.
  revs[1].downgrade->sql = "CREATE INDEX old_a ON old (a);";
  EXPECT_THAT(RuleIds(Lint(revs)), Contains("index-not-concurrently"));
}

// The previous type comes from the history: renames, earlier type changes and added columns.
TEST(LintHistoryTest, ColumnTypesFollowTheHistory) {
  std::vector<Revision> revs = {
      Rev("aaaa0001", "", "CREATE TABLE acct (id bigint, name varchar(50), amount numeric(8,2));"),
      Rev("aaaa0002", "aaaa0001",
          "-- strata:allow renaming-column\nALTER TABLE acct RENAME COLUMN name TO title;\n"
          "ALTER TABLE acct ADD COLUMN code varchar(4);"),
      Rev("aaaa0003", "aaaa0002",
          "ALTER TABLE acct ALTER COLUMN title TYPE varchar(80);\n"
          "ALTER TABLE acct ALTER COLUMN code TYPE text;\n"
          "ALTER TABLE acct ALTER COLUMN amount TYPE numeric(12,2);"),
      Rev("aaaa0004", "aaaa0003", "ALTER TABLE acct ALTER COLUMN title TYPE varchar(60);"),
  };
  LintConfig config = Config();
  config.allow = {"prefer-text"};
  LintReport r = Lint(revs, config);
  ASSERT_EQ(RuleIds(r), std::vector<std::string>{"changing-column-type"});
  EXPECT_EQ(r.findings[0].revision, "aaaa0004");
  EXPECT_EQ(r.findings[0].detail, "acct.title: varchar(80) to varchar(60)");
}

TEST(LintParseTest, NewerSyntaxIsANoteWhenTheTargetIsNewer) {
  const std::string sql =
      "ALTER TABLE t ADD COLUMN a3 int GENERATED ALWAYS AS (a * 3) VIRTUAL;\nSELEC 1;";
  LintReport v15 = LintOnBase(sql, true);
  EXPECT_EQ(RuleIds(v15), (std::vector<std::string>{"parse-error", "parse-error"}));
  LintConfig config = Config();
  config.pg_version = 18;
  LintReport v18 = LintOnBase(sql, true, config);
  // A typo is still an error; the newer syntax is a note that does not fail the run.
  EXPECT_EQ(RuleIds(v18), std::vector<std::string>{"parse-error"});
  ASSERT_EQ(v18.notes.size(), 1u);
  EXPECT_THAT(v18.notes[0].message, ::testing::HasSubstr("not checked (newer PostgreSQL syntax)"));
  EXPECT_EQ(v18.notes[0].line, 10);
  EXPECT_EQ(v18.not_checked, 1);
}

TEST(LintRulesTest, DropIndexQualifiedByASchemaNamedLikeATable) {
  // `t` is also a schema here: t.t_a may well be an index in it.
  LintReport r = LintOnBase("CREATE SCHEMA t;\nDROP INDEX CONCURRENTLY IF EXISTS t.t_a;", false);
  EXPECT_THAT(RuleIds(r), Not(Contains("drop-index-by-table-name")));
}

TEST(LintRulesTest, OptInRulesAreOffByDefault) {
  EXPECT_THAT(RuleIds(LintOnBase("CREATE TABLE n (id bigint);", true)), IsEmpty());
}

}  // namespace
}  // namespace strata

namespace strata {
namespace {

// With --url, the live catalog seeds the history: a table made outside strata has its columns'
// types, and a user function its declared volatility.
TEST(LintHistoryTest, LiveCatalogSeedsTypesAndVolatility) {
  LintConfig config = Config();
  std::vector<Revision> revs = {
      Rev("aaaa0001", "",
          "ALTER TABLE legacy ALTER COLUMN name TYPE varchar(200);\n"
          "ALTER TABLE legacy ADD COLUMN code text DEFAULT app.new_code();\n"
          "ALTER TABLE legacy ADD COLUMN slug text DEFAULT slugify('x');")};
  LintReport without = Lint(revs, config);
  EXPECT_EQ(RuleIds(without), (std::vector<std::string>{"changing-column-type", "prefer-text",
                                                        "volatile-default", "volatile-default"}));
  config.catalog = {
      "ALTER TABLE public.legacy ADD COLUMN name character varying(100) NOT NULL",
      "CREATE OR REPLACE FUNCTION app.new_code()\n RETURNS text\n LANGUAGE sql\nAS $function$ "
      "SELECT md5(random()::text) $function$\n",
      "CREATE OR REPLACE FUNCTION public.slugify(t text)\n RETURNS text\n LANGUAGE sql\n "
      "IMMUTABLE\nAS $function$ SELECT lower(t) $function$\n"};
  config.allow = {"prefer-text"};
  LintReport with = Lint(revs, config);
  ASSERT_EQ(RuleIds(with), std::vector<std::string>{"volatile-default"});
  EXPECT_EQ(with.findings[0].detail, "legacy.code: new_code()");
}

}  // namespace
}  // namespace strata
