// SQLite only: statements SQLite accepts but ignores where strata runs them.
#include <cctype>

#include "lint/rule.h"

namespace strata::lint {
namespace {

// The statement's first two words, upper-cased, after comments: "PRAGMA FOREIGN_KEYS".
std::string Leading(std::string_view sql) {
  size_t pos = SkipBlanksAndComments(sql, 0, nullptr);
  std::string out;
  int words = 0;
  for (; pos < sql.size() && words < 2; ++pos) {
    unsigned char c = static_cast<unsigned char>(sql[pos]);
    if (std::isalnum(c) || c == '_') {
      out += static_cast<char>(std::toupper(c));
    } else if (!out.empty() && out.back() != ' ') {
      out += ' ';
      ++words;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

void CheckUnparsed(const RuleContext& ctx) {
  if (!ctx.rev->transactional) return;
  if (Leading(ctx.sql) == "PRAGMA FOREIGN_KEYS")
    ctx.Flag("sqlite-pragma-in-transaction", "PRAGMA foreign_keys");
}

}  // namespace

const RuleFamily& SqliteRules() {
  static const RuleFamily family{
      .rules =
          {
              {"sqlite-pragma-in-transaction", LintSeverity::kError,
               "PRAGMA foreign_keys inside a transaction does nothing: SQLite ignores it there, "
               "so foreign keys stay as they were",
               "put the PRAGMA in a revision with `Transactional: false` (or set it on the "
               "connection), before and after the statements that need it",
               "SQLite changes foreign key enforcement only outside a transaction; strata runs a "
               "transactional revision inside BEGIN ... COMMIT, so a table rebuild that turns "
               "foreign keys off there still cascades deletes or fails.",
               false, "n/a (SQLite)", true},
          },
      .check = nullptr,
      .check_unparsed = CheckUnparsed,
      .flagged = {{"sqlite-pragma-in-transaction", "PRAGMA foreign_keys = OFF;", true,
                   LintDialect::kSqlite}},
      .safe = {{"sqlite-pragma-in-transaction", "PRAGMA foreign_keys = OFF;", false,
                LintDialect::kSqlite}},
  };
  return family;
}

}  // namespace strata::lint
