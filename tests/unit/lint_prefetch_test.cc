// Revisions read and parsed ahead on worker threads (src/lint/revision_prefetch.h) must give
// exactly the report that parsing in order on one thread gives: same findings, lines, notes and
// counts, over a history that mixes small sections, sections too large to be parsed ahead, several
// windows, parse errors, deep expressions and allow comments that reach across a window's end. TSan
// runs this suite (scripts/test.sh).
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "lint/revision_prefetch.h"
#include "strata/lint.h"

namespace strata {
namespace {

Revision Rev(int i, const std::string& upgrade, const std::string& downgrade) {
  Revision r;
  r.id = "r" + std::to_string(i);
  if (i > 0) r.parents.push_back("r" + std::to_string(i - 1));
  r.upgrade = {upgrade, 5};
  r.downgrade = SqlSection{downgrade, 500};
  r.path = r.id + ".sql";
  r.id_line = 2;
  return r;
}

std::string Upgrade(int i) {
  const std::string t = "t" + std::to_string(i);
  std::string sql = "CREATE TABLE " + t + " (id int PRIMARY KEY, a varchar(10), b timestamp);\n";
  if (i > 0) {
    const std::string p = "t" + std::to_string(i - 1);
    sql += "ALTER TABLE " + p + " ALTER COLUMN a TYPE varchar(5);\n";  // a rewrite: flagged
    sql += "CREATE INDEX " + p + "_a ON " + p + " (a); -- strata:allow index-not-concurrently\n";
    sql += "ALTER TABLE " + p + " ADD COLUMN c" + std::to_string(i) + " int DEFAULT random();\n";
  }
  switch (i % 7) {
    case 1:
      sql += "ALTER TABLE " + t + " ADD COLUMN oops;\n";  // a parse error
      break;
    case 2: {
      std::string sum = "1";
      for (int k = 0; k < 5000; ++k) sum += "+1";
      sql += "SELECT " + sum + ";\n";
      break;
    }
    case 3: {
      // Several windows (sql_windows.h cuts at 64 KB), with an allow on a statement's last line.
      for (int k = 0; k < 1500; ++k) {
        sql += "INSERT INTO " + t + " (id, a) VALUES (" + std::to_string(k) +
               ", 'a value that takes some room in the window');\n";
      }
      sql += "DROP TABLE t0; -- strata:allow dropping-table\n";
      break;
    }
    case 4:
      // More than a section parsed ahead may hold: the linter parses it itself.
      sql += "INSERT INTO " + t + " (a) VALUES ('" +
             std::string(lint::RevisionPrefetch::kMaxBytes, 'x') + "');\n";
      break;
    default:
      break;
  }
  return sql;
}

LintReport LintInOrder(const std::vector<const Revision*>& order, const LintConfig& config) {
  Linter linter(config);  // no Prefetch: every section parsed by Add, on this thread
  for (const Revision* r : order) linter.Add(*r);
  return linter.report();
}

TEST(LintPrefetchTest, ParsingAheadGivesTheReportOfParsingInOrder) {
  std::vector<Revision> revs;
  for (int i = 0; i < 120; ++i)
    revs.push_back(Rev(i, Upgrade(i), "DROP TABLE t" + std::to_string(i) + ";"));
  std::vector<const Revision*> order;
  for (const Revision& r : revs) order.push_back(&r);
  LintConfig config;

  LintReport ahead = LintRevisions(order, config);
  LintReport in_order = LintInOrder(order, config);

  ASSERT_EQ(ahead.findings.size(), in_order.findings.size());
  for (size_t i = 0; i < ahead.findings.size(); ++i) {
    const LintFinding& a = ahead.findings[i];
    const LintFinding& b = in_order.findings[i];
    EXPECT_EQ(a.rule + a.file + std::to_string(a.line) + a.detail,
              b.rule + b.file + std::to_string(b.line) + b.detail);
  }
  EXPECT_EQ(ahead.notes.size(), in_order.notes.size());
  EXPECT_EQ(ahead.statements, in_order.statements);
  EXPECT_EQ(ahead.silenced, in_order.silenced);
  EXPECT_EQ(ahead.not_checked, in_order.not_checked);
  // The history is what it claims: parse errors, rewrites and silenced findings all occur.
  EXPECT_GT(ahead.errors(), 100);
  EXPECT_GT(ahead.silenced, 100);
  EXPECT_GT(ahead.statements, 120 * 3);
}

// Revisions loaded without their SQL (SqlBodies::kDrop) and read again as the linter reaches
// them give the report of revisions loaded whole; one that cannot be read again is a note.
TEST(LintPrefetchTest, RevisionsReadAgainGiveTheReportOfWholeOnes) {
  std::vector<Revision> whole;
  for (int i = 0; i < 60; ++i) {
    whole.push_back(Rev(i, Upgrade(i), "DROP TABLE t" + std::to_string(i) + ";"));
  }
  std::vector<Revision> bare = whole;
  for (Revision& r : bare) {
    r.upgrade.sql.clear();
    r.downgrade->sql.clear();
  }
  std::vector<const Revision*> whole_order, bare_order;
  for (const Revision& r : whole) whole_order.push_back(&r);
  for (const Revision& r : bare) bare_order.push_back(&r);
  int reads = 0;
  std::mutex mu;
  RevisionReader reader = [&](const Revision& r) -> Result<Revision> {
    {
      std::lock_guard<std::mutex> lock(mu);
      ++reads;
    }
    if (r.id == "r13") return Status::InvalidScripts("r13.sql changed while it was linted");
    return whole[static_cast<size_t>(std::stoi(r.id.substr(1)))];
  };
  LintConfig config;
  LintReport expected = LintRevisions(whole_order, config);
  LintReport got = LintRevisions(bare_order, config, nullptr, reader);

  EXPECT_EQ(reads, 60);  // each revision read once
  ASSERT_EQ(got.notes.size(), expected.notes.size() + 1);
  bool noted = false;
  for (const LintNote& n : got.notes)
    noted |= n.revision == "r13" && n.message.find("changed") != std::string::npos;
  EXPECT_TRUE(noted);
  // Everything but r13's findings is the same.
  std::vector<std::string> want, have;
  for (const LintFinding& f : expected.findings) {
    if (f.revision != "r13") want.push_back(f.rule + f.file + std::to_string(f.line));
  }
  for (const LintFinding& f : got.findings)
    have.push_back(f.rule + f.file + std::to_string(f.line));
  EXPECT_EQ(have, want);
  EXPECT_GT(want.size(), 60u);
}

// A Linter destroyed before it asked for every section it had parsed ahead stops its workers.
TEST(LintPrefetchTest, ALinterLeftEarlyStopsItsWorkers) {
  std::vector<Revision> revs;
  for (int i = 0; i < 50; ++i) revs.push_back(Rev(i, Upgrade(i % 3), "SELECT 1;"));
  std::vector<const Revision*> order;
  for (const Revision& r : revs) order.push_back(&r);
  for (int taken = 0; taken < 3; ++taken) {
    Linter linter{LintConfig()};
    linter.Prefetch(order);
    for (int i = 0; i < taken; ++i) linter.Add(*order[static_cast<size_t>(i)]);
    EXPECT_EQ(linter.report().revisions, taken);
  }
}

}  // namespace
}  // namespace strata
