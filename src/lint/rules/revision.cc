// Rules about a revision as a whole: SQL the server cannot parse, and no way back. The linter
// itself reports both (a parse error has no tree to check; a missing downgrade has no
// statement).
#include "lint/rule.h"

namespace strata::lint {

const RuleFamily& RevisionRules() {
  static const RuleFamily family{
      .rules =
          {
              {"parse-error", LintSeverity::kError,
               "PostgreSQL cannot parse this statement; the migration will fail here",
               "fix the SQL (the parser's message says where)",
               "A statement the server cannot parse fails the migration; on a non-transactional "
               "revision it fails part way and needs a person.",
               false},
              {"missing-downgrade", LintSeverity::kError,
               "the revision has no downgrade section and cannot be undone",
               "add a `-- migrate:downgrade` section, or `-- strata:allow missing-downgrade` in "
               "the header when the change is deliberately irreversible",
               "Without a downgrade a bad deploy cannot be rolled back past this revision; "
               "`strata downgrade` refuses before running anything.",
               false},
          },
      .check = nullptr,
      .flagged = {{"parse-error", "ALTER TABLE t ADD COLUMN;"}},
      .safe = {{"parse-error", "ALTER TABLE t ADD COLUMN c int;"}},
  };
  return family;
}

}  // namespace strata::lint
