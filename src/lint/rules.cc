// The rule catalog: the rules of every rule file (rules/*.cc), in the order docs/lint.md lists
// them. Ids are stable: users name them in `-- strata:allow` comments and in strata.toml.
#include <algorithm>

#include "lint/rule.h"
#include "strata/lint.h"

namespace strata {

const char* LintSeverityName(LintSeverity severity) {
  return severity == LintSeverity::kError ? "error" : "warning";
}

const std::vector<LintRule>& LintRules() {
  static const std::vector<LintRule> rules = [] {
    std::vector<LintRule> all;
    for (const lint::RuleFamily* family : lint::RuleFamilies()) {
      all.insert(all.end(), family->rules.begin(), family->rules.end());
    }
    return all;
  }();
  return rules;
}

const LintRule* FindLintRule(std::string_view id) {
  const std::vector<LintRule>& rules = LintRules();
  auto it = std::find_if(rules.begin(), rules.end(), [&](const LintRule& r) { return r.id == id; });
  return it == rules.end() ? nullptr : &*it;
}

int LintReport::errors() const {
  return static_cast<int>(std::count_if(findings.begin(), findings.end(), [](const LintFinding& f) {
    return f.severity == LintSeverity::kError;
  }));
}

int LintReport::warnings() const { return static_cast<int>(findings.size()) - errors(); }

namespace lint {

const std::vector<const RuleFamily*>& RuleFamilies() {
  static const std::vector<const RuleFamily*> families = {
      &RevisionRules(),  &AddColumnRules(),   &DropRenameRules(),  &ColumnTypeRules(),
      &IndexRules(),     &ConstraintRules(),  &TimeoutRules(),     &MaintenanceRules(),
      &StatementRules(), &IdempotenceRules(), &TypeHygieneRules(), &DomainEnumRules(),
      &NamingRules(),    &SqliteRules()};
  return families;
}

bool IsSerialTypeName(const std::vector<std::string>& names) {
  if (names.size() != 1) return false;
  const std::string& n = names[0];
  return n == "serial" || n == "serial4" || n == "bigserial" || n == "serial8" ||
         n == "smallserial" || n == "serial2";
}

}  // namespace lint
}  // namespace strata
