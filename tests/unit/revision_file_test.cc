// ParseRevisionFile / RenderRevisionFile / IsValidRevisionId, table-driven: a cases[] table of
// good files with the fields they must produce, an errors[] table of bad ones with the line and
// words the error must carry.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "strata/revision.h"

namespace strata {
namespace {

using Ids = std::vector<std::string>;

const char kDesignExample[] =
    "-- Add email column to users\n"
    "--\n"
    "-- Revision ID: 3f2a9c1b7d4e\n"
    "-- Revises: 1975ea83b712\n"
    "-- Create Date: 2026-02-09 10:21:33\n"
    "--\n"
    "-- Detailed explanation: what tables are affected, what data moves.\n"
    "\n"
    "-- migrate:upgrade\n"
    "ALTER TABLE users ADD COLUMN email text;\n"
    "\n"
    "-- migrate:downgrade\n"
    "ALTER TABLE users DROP COLUMN email;\n";

TEST(RevisionFileTest, DesignExample) {
  Result<Revision> r = ParseRevisionFile(kDesignExample, "m/3f2a9c1b7d4e_add_email.sql");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->id, "3f2a9c1b7d4e");
  EXPECT_EQ(r->parents, Ids{"1975ea83b712"});
  EXPECT_EQ(r->message, "Add email column to users");
  EXPECT_EQ(r->create_date, "2026-02-09 10:21:33");
  EXPECT_EQ(r->explanation, "Detailed explanation: what tables are affected, what data moves.");
  EXPECT_TRUE(r->transactional);
  EXPECT_EQ(r->upgrade.sql, "ALTER TABLE users ADD COLUMN email text;");
  EXPECT_EQ(r->upgrade.first_line, 10);
  ASSERT_TRUE(r->downgrade.has_value());
  EXPECT_EQ(r->downgrade->sql, "ALTER TABLE users DROP COLUMN email;");
  EXPECT_EQ(r->downgrade->first_line, 13);
  EXPECT_EQ(r->path, "m/3f2a9c1b7d4e_add_email.sql");
  EXPECT_EQ(r->id_line, 3);
  EXPECT_EQ(r->revises_line, 4);
  EXPECT_EQ(r->depends_on_line, 0);
}

struct GoodCase {
  const char* name;
  std::string text;
  std::string id;
  Ids parents;
  std::string message;
  std::string explanation;
  std::string upgrade_sql;
  std::optional<std::string> downgrade_sql;
  Ids labels = {};
  Ids depends = {};
  bool transactional = true;
};

TEST(RevisionFileTest, GoodFiles) {
  const GoodCase cases[] = {
      {"minimal",
       "-- Revision ID: a1\n-- migrate:upgrade\nSELECT 1;\n",
       "a1",
       {},
       "",
       "",
       "SELECT 1;",
       std::nullopt},
      {"revises empty",
       "-- m\n-- Revision ID: a1\n-- Revises:\n-- migrate:upgrade\n",
       "a1",
       {},
       "m",
       "",
       "",
       std::nullopt},
      {"revises None",
       "-- m\n-- Revision ID: a1\n-- Revises: None\n-- migrate:upgrade\n",
       "a1",
       {},
       "m",
       "",
       "",
       std::nullopt},
      {"merge", "-- merge\n-- Revision ID: m1\n-- Revises: a, b ,c\n-- migrate:upgrade\n", "m1",
       Ids{"a", "b", "c"}, "merge", "", "", std::nullopt},
      {"keys are case-insensitive",
       "-- msg\n-- revision id: X_9\n-- REVISES: p1\n-- branch labels: feat, feat.v2\n"
       "-- depends on: q1, feat2\n-- transactional: FALSE\n-- migrate:upgrade\nx\n",
       "X_9", Ids{"p1"}, "msg", "", "x", std::nullopt, Ids{"feat", "feat.v2"}, Ids{"q1", "feat2"},
       false},
      {"transactional true",
       "-- Revision ID: a\n-- Transactional: true\n-- migrate:upgrade\n",
       "a",
       {},
       "",
       "",
       "",
       std::nullopt},
      {"CRLF",
       "-- Msg\r\n--\r\n-- Revision ID: a1\r\n-- Revises: b1\r\n--\r\n-- Line one\r\n"
       "--\r\n-- Line two\r\n\r\n-- migrate:upgrade\r\nSELECT 1;\r\nSELECT 2;\r\n\r\n"
       "-- migrate:downgrade\r\nSELECT 3;\r\n",
       "a1", Ids{"b1"}, "Msg", "Line one\n\nLine two", "SELECT 1;\nSELECT 2;", "SELECT 3;"},
      {"first comment line is a field: no message",
       "-- Revision ID: a1\n-- Revises: b1\n-- Some explanation\n-- migrate:upgrade\n", "a1",
       Ids{"b1"}, "", "Some explanation", "", std::nullopt},
      {"leading empty comments before the message",
       "--\n\n--   Title here  \n-- Revision ID: a1\n-- migrate:upgrade\n",
       "a1",
       {},
       "Title here",
       "",
       "",
       std::nullopt},
      {"explanation keeps indentation, drops outer blank lines",
       "-- T\n-- Revision ID: a\n--\n--\n-- first\n--   indented\n--\n\n-- migrate:upgrade\n",
       "a",
       {},
       "T",
       "first\n  indented",
       "",
       std::nullopt},
      {"unknown keys are explanation",
       "-- T\n-- Revision ID: a\n-- Note: careful\n-- migrate:upgrade\n",
       "a",
       {},
       "T",
       "Note: careful",
       "",
       std::nullopt},
      {"comment with migrate: and a space is not a marker",
       "-- migrate: users to the new table\n-- Revision ID: a\n-- migrate:upgrade\n",
       "a",
       {},
       "migrate: users to the new table",
       "",
       "",
       std::nullopt},
      {"marker with trailing whitespace",
       "-- Revision ID: a\n-- migrate:upgrade  \t\nX\n",
       "a",
       {},
       "",
       "",
       "X",
       std::nullopt},
      {"empty downgrade section",
       "-- Revision ID: a\n-- migrate:upgrade\nX\n-- migrate:downgrade\n\n\n",
       "a",
       {},
       "",
       "",
       "X",
       ""},
      {"SQL keeps inner blank lines and comments",
       "-- Revision ID: a\n-- migrate:upgrade\n\n-- a comment\nX;\n\nY;\n\n",
       "a",
       {},
       "",
       "",
       "\n-- a comment\nX;\n\nY;",
       std::nullopt},
      {"no trailing newline",
       "-- Revision ID: a\n-- migrate:upgrade\nX",
       "a",
       {},
       "",
       "",
       "X",
       std::nullopt},
      {"byte order mark",
       "\xEF\xBB\xBF-- T\n-- Revision ID: a\n-- migrate:upgrade\n",
       "a",
       {},
       "T",
       "",
       "",
       std::nullopt},
      {"comment without space",
       "--T\n--Revision ID:a\n--migrate:upgrade\n",
       "a",
       {},
       "T",
       "",
       "",
       std::nullopt},
      // Found by the fuzzer: every trailing CR goes (so rendering, with LF endings, reads back
      // the same), an interior CR stays.
      {"stray carriage returns",
       "-- Ti\rtle\r\r\n-- Revision ID: a\n-- migrate:upgrade\nX\r\r\n",
       "a",
       {},
       "Ti\rtle",
       "",
       "X",
       std::nullopt},
      {"32-char id",
       "-- Revision ID: abcdefghijklmnopqrstuvwxyz012345\n-- migrate:upgrade\n",
       "abcdefghijklmnopqrstuvwxyz012345",
       {},
       "",
       "",
       "",
       std::nullopt},
  };
  for (const GoodCase& c : cases) {
    SCOPED_TRACE(c.name);
    Result<Revision> r = ParseRevisionFile(c.text, "f.sql");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->id, c.id);
    EXPECT_EQ(r->parents, c.parents);
    EXPECT_EQ(r->message, c.message);
    EXPECT_EQ(r->explanation, c.explanation);
    EXPECT_EQ(r->upgrade.sql, c.upgrade_sql);
    EXPECT_EQ(r->downgrade.has_value(), c.downgrade_sql.has_value());
    if (r->downgrade && c.downgrade_sql) {
      EXPECT_EQ(r->downgrade->sql, *c.downgrade_sql);
    }
    EXPECT_EQ(r->branch_labels, c.labels);
    EXPECT_EQ(r->depends_on, c.depends);
    EXPECT_EQ(r->transactional, c.transactional);
  }
}

TEST(RevisionFileTest, SectionFirstLines) {
  Result<Revision> r = ParseRevisionFile(
      "-- Revision ID: a\n\n-- migrate:upgrade\n\nX;\n-- migrate:downgrade\nY;\n", "f.sql");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->upgrade.first_line, 4);  // the line after the marker, even when blank
  EXPECT_EQ(r->upgrade.sql, "\nX;");
  EXPECT_EQ(r->downgrade->first_line, 7);
}

struct ErrorCase {
  const char* name;
  std::string text;
  int line;
  std::vector<std::string> words;  // each must appear in the message
};

TEST(RevisionFileTest, BadFiles) {
  const ErrorCase errors[] = {
      {"no revision id",
       "-- Title\n-- Revises: a\n-- migrate:upgrade\n",
       1,
       {"missing '-- Revision ID:'", "3f2a9c1b7d4e"}},
      {"empty revision id", "-- Revision ID:\n-- migrate:upgrade\n", 1, {"invalid Revision ID"}},
      {"revision id with dash",
       "-- Revision ID: ab-cd\n-- migrate:upgrade\n",
       1,
       {"invalid Revision ID 'ab-cd'", "[0-9A-Za-z_]"}},
      {"revision id too long",
       "-- Revision ID: abcdefghijklmnopqrstuvwxyz0123456\n-- migrate:upgrade\n",
       1,
       {"invalid Revision ID"}},
      {"bad parent",
       "-- Revision ID: a\n-- Revises: b c\n-- migrate:upgrade\n",
       2,
       {"'b c'", "Revises"}},
      {"empty parent item",
       "-- Revision ID: a\n-- Revises: b,,c\n-- migrate:upgrade\n",
       2,
       {"empty item", "Revises"}},
      {"parent listed twice",
       "-- Revision ID: a\n-- Revises: b, b\n-- migrate:upgrade\n",
       2,
       {"listed twice"}},
      {"bad dependency",
       "-- Revision ID: a\n-- Depends On: x y\n-- migrate:upgrade\n",
       2,
       {"Depends On"}},
      {"bad label",
       "-- Revision ID: a\n-- Branch Labels: head\n-- migrate:upgrade\n",
       2,
       {"Branch Labels", "'head'"}},
      {"bad transactional",
       "-- Revision ID: a\n-- Transactional: maybe\n-- migrate:upgrade\n",
       2,
       {"Transactional", "'maybe'", "'true' or 'false'"}},
      {"repeated field",
       "-- Revision ID: a\n-- revises: b\n-- Revises: c\n-- migrate:upgrade\n",
       3,
       {"'Revises' appears twice", "line 2"}},
      {"no upgrade section", "-- Revision ID: a\n", 1, {"no '-- migrate:upgrade' section"}},
      {"only downgrade",
       "-- Revision ID: a\n-- migrate:downgrade\nX\n",
       2,
       {"before '-- migrate:upgrade'"}},
      {"repeated upgrade",
       "-- Revision ID: a\n-- migrate:upgrade\nX\n-- migrate:upgrade\n",
       4,
       {"appears twice", "line 2"}},
      {"repeated downgrade",
       "-- Revision ID: a\n-- migrate:upgrade\n-- migrate:downgrade\n-- migrate:downgrade\n",
       4,
       {"'-- migrate:downgrade' appears twice"}},
      {"unknown marker",
       "-- Revision ID: a\n-- migrate:upgrade\n-- migrate:up\n",
       3,
       {"unknown section marker '-- migrate:up'"}},
      {"SQL before the first marker",
       "-- Revision ID: a\nCREATE TABLE t();\n-- migrate:upgrade\n",
       2,
       {"SQL before the first section marker"}},
      {"CRLF error line numbers", "-- T\r\n-- Revision ID: a\r\n-- Revises: -\r\n", 3, {"Revises"}},
  };
  for (const ErrorCase& c : errors) {
    SCOPED_TRACE(c.name);
    Result<Revision> r = ParseRevisionFile(c.text, "dir/f.sql");
    ASSERT_FALSE(r.ok());
    const Status& s = r.status();
    EXPECT_EQ(s.kind(), ErrorKind::kInvalidScripts);
    EXPECT_EQ(s.exit_code(), 3);
    std::string text = s.ToString();
    EXPECT_NE(text.find(fmt::format("dir/f.sql:{}", c.line)), std::string::npos) << text;
    for (const std::string& w : c.words) EXPECT_NE(text.find(w), std::string::npos) << text;
  }
}

TEST(RevisionFileTest, AllProblemsReportedAtOnce) {
  Result<Revision> r = ParseRevisionFile(
      "-- Revision ID: a-b\n-- Transactional: x\n-- migrate:upgrade\n-- migrate:nope\n", "f.sql");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), ErrorKind::kInvalidScripts);
  EXPECT_NE(r.status().message().find("3 problems"), std::string::npos) << r.status().ToString();
}

// Random bytes or a binary in the folder are one problem, at the line of the first NUL byte,
// not one "SQL before the first section marker" per line.
TEST(RevisionFileTest, NotTextIsOneProblemAtItsFirstNul) {
  std::string bytes = "\x89PNG\r\n\x1a\nIHDR garbage\nmore garbage\n";
  bytes += std::string("x\0y\n", 4);
  for (int i = 0; i < 100; ++i)
    bytes += "binary line " + std::to_string(i) + std::string(1, '\0') + "\n";
  Result<Revision> r = ParseRevisionFile(bytes, "migrations/logo.sql");
  ASSERT_FALSE(r.ok());
  const Status& s = r.status();
  EXPECT_EQ(s.kind(), ErrorKind::kInvalidScripts);
  EXPECT_EQ(s.file(), "migrations/logo.sql");
  EXPECT_EQ(s.line(), 5);
  EXPECT_NE(s.message().find("not a text file"), std::string::npos) << s.ToString();
  EXPECT_EQ(s.message().find("problems"), std::string::npos) << s.ToString();
  EXPECT_NE(s.hint().find("move it out of the migrations folder"), std::string::npos);
}

// SQL without any section marker is one mistake, reported once at its first line.
TEST(RevisionFileTest, SqlBeforeTheFirstMarkerIsReportedOnce) {
  std::string text = "-- Revision ID: a\n";
  for (int i = 0; i < 50; ++i) text += "INSERT INTO t VALUES (" + std::to_string(i) + ");\n";
  text += "-- migrate:upgrade\nSELECT 1;\n";
  Result<Revision> r = ParseRevisionFile(text, "f.sql");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().line(), 2);
  EXPECT_NE(r.status().message().find("SQL before the first section marker (50 lines, up to line "
                                      "51)"),
            std::string::npos)
      << r.status().ToString();
}

// The folder loader hands a large file's buffer over to its largest section; that must read
// exactly as a copy would: CRLF line ends, a byte order mark, a lone CR inside a line, blank
// lines around the body, the downgrade larger than the upgrade.
TEST(RevisionFileTest, OwnedBufferParsesLikeACopy) {
  const std::string texts[] = {
      std::string(kDesignExample),
      "\xEF\xBB\xBF-- T\r\n-- Revision ID: a\r\n\r\n-- migrate:upgrade\r\n\r\nSELECT 1;\r\r\n"
      "SELECT 'x\ry';\r\n\r\n-- migrate:downgrade\r\nDROP TABLE t;\r\n\r\n",
      "-- Revision ID: b\n-- migrate:upgrade\nSELECT 1;\n-- migrate:downgrade\n" +
          std::string(5000, 'x') + "\n  \n",
      "-- Revision ID: c\n-- migrate:upgrade\n\n   \n",
      "-- Revision ID: d\n-- migrate:upgrade\nSELECT 1; -- no final newline",
  };
  for (const std::string& text : texts) {
    SCOPED_TRACE(text.substr(0, 40));
    Result<Revision> copied = ParseRevisionFile(text, "f.sql");
    Result<Revision> owned = ParseOwnedRevisionFile(std::string(text), "f.sql");
    ASSERT_TRUE(copied.ok()) << copied.status().ToString();
    ASSERT_TRUE(owned.ok()) << owned.status().ToString();
    EXPECT_EQ(owned->id, copied->id);
    EXPECT_EQ(owned->message, copied->message);
    EXPECT_EQ(owned->upgrade.sql, copied->upgrade.sql);
    EXPECT_EQ(owned->upgrade.first_line, copied->upgrade.first_line);
    ASSERT_EQ(owned->downgrade.has_value(), copied->downgrade.has_value());
    if (owned->downgrade) {
      EXPECT_EQ(owned->downgrade->sql, copied->downgrade->sql);
    }
  }
  Result<Revision> crlf = ParseRevisionFile(texts[1], "f.sql");
  ASSERT_TRUE(crlf.ok());
  EXPECT_EQ(crlf->message, "T");
  EXPECT_EQ(crlf->upgrade.sql, "\nSELECT 1;\nSELECT 'x\ry';");
  EXPECT_EQ(crlf->upgrade.first_line, 5);
  EXPECT_EQ(crlf->downgrade->sql, "DROP TABLE t;");
}

TEST(RevisionFileTest, IsValidRevisionId) {
  for (const char* good :
       {"a", "0", "_", "3f2a9c1b7d4e", "ABC_def_123", "abcdefghijklmnopqrstuvwxyz012345"}) {
    EXPECT_TRUE(IsValidRevisionId(good)) << good;
  }
  for (const char* bad :
       {"", "a-b", "a+b", "a@b", "a b", "a.b", "é", "abcdefghijklmnopqrstuvwxyz0123456"}) {
    EXPECT_FALSE(IsValidRevisionId(bad)) << bad;
  }
}

void ExpectSameRevision(const Revision& a, const Revision& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.parents, b.parents);
  EXPECT_EQ(a.branch_labels, b.branch_labels);
  EXPECT_EQ(a.depends_on, b.depends_on);
  EXPECT_EQ(a.transactional, b.transactional);
  EXPECT_EQ(a.message, b.message);
  EXPECT_EQ(a.create_date, b.create_date);
  EXPECT_EQ(a.explanation, b.explanation);
  EXPECT_EQ(a.upgrade.sql, b.upgrade.sql);
  EXPECT_EQ(a.downgrade.has_value(), b.downgrade.has_value());
  if (a.downgrade && b.downgrade) {
    EXPECT_EQ(a.downgrade->sql, b.downgrade->sql);
  }
}

TEST(RevisionFileTest, RenderRoundTrips) {
  Revision full;
  full.id = "3f2a9c1b7d4e";
  full.parents = {"1975ea83b712", "aaaa"};
  full.branch_labels = {"billing"};
  full.depends_on = {"bbbb"};
  full.transactional = false;
  full.message = "Add email column";
  full.create_date = "2026-02-09 10:21:33";
  full.explanation = "First line.\n\n  indented";
  full.upgrade.sql = "CREATE INDEX CONCURRENTLY i ON t(c);";
  full.downgrade = SqlSection{"DROP INDEX i;\n\nSELECT 1;", 0};

  Revision bare;
  bare.id = "x";

  Revision no_message = full;
  no_message.message.clear();
  no_message.explanation.clear();
  no_message.downgrade = SqlSection{"", 0};

  Revision odd_bytes = bare;
  odd_bytes.message = "Title\rwith CR";
  odd_bytes.upgrade.sql = "SELECT '\xe6';\r-- no newline";

  for (const Revision& rev : {full, bare, no_message, odd_bytes}) {
    std::string text = RenderRevisionFile(rev);
    Result<Revision> parsed = ParseRevisionFile(text, "f.sql");
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << text;
    ExpectSameRevision(rev, *parsed);
    EXPECT_EQ(RenderRevisionFile(*parsed), text);
  }
}

TEST(RevisionFileTest, RenderDesignExampleLayout) {
  Result<Revision> r = ParseRevisionFile(kDesignExample, "f.sql");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(RenderRevisionFile(*r), kDesignExample);
}

TEST(RevisionFileTest, RenderKeepsMessageOnOneLine) {
  Revision rev;
  rev.id = "a";
  rev.message = "two\nlines";
  Result<Revision> parsed = ParseRevisionFile(RenderRevisionFile(rev), "f.sql");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->message, "two lines");
}

}  // namespace
}  // namespace strata
