// libFuzzer target: arbitrary bytes as the SQL of a revision's sections, through the whole
// linter (libpg_query, the parse-tree walk, the history model, allow comments, line mapping),
// transactional and not, for PostgreSQL and SQLite. Must never crash, hang or leak; every
// finding's line must fall inside the section.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "strata/lint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;  // the parser is linear; big inputs only slow the search
  std::string sql(reinterpret_cast<const char*>(data), size);
  int lines = 1;
  for (char c : sql) lines += c == '\n';

  strata::Revision base;
  base.id = "base";
  base.upgrade = {"CREATE TABLE t (a int, b text);\nCREATE INDEX t_a ON t (a);", 5};
  base.downgrade = strata::SqlSection{"DROP TABLE t;", 9};
  strata::Revision rev;
  rev.id = "fuzz";
  rev.parents = {"base"};
  rev.upgrade = {sql, 10};
  rev.downgrade = strata::SqlSection{sql, 10 + lines};
  rev.path = "fuzz.sql";

  for (bool transactional : {true, false}) {
    for (strata::LintDialect dialect : {strata::LintDialect::kPostgres, strata::LintDialect::kSqlite}) {
      rev.transactional = transactional;
      strata::LintConfig config;
      config.dialect = dialect;
      strata::LintReport r = strata::LintRevisions({&base, &rev}, config);
      for (const strata::LintFinding& f : r.findings) {
        if (f.rule == "missing-downgrade") continue;
        if (f.line < 5 || f.line > 10 + 2 * lines) std::abort();
        if (strata::FindLintRule(f.rule) == nullptr) std::abort();
      }
    }
  }
  return 0;
}
