// What a rule file (src/lint/rules/*.cc) defines and what it sees.
//
// Each file holds one rule or one family of related rules: their catalog entries (id, severity,
// risk, safe pattern, rationale, PostgreSQL versions), the check run on every parsed statement,
// and beside them the statements each rule must flag and near-identical ones it must not
// (tests/unit/lint_rules_test.cc runs them all). Rules read the shared history model
// (history.h) and never change it: the linter applies each statement after every rule saw it.
#ifndef STRATA_LINT_RULE_H_
#define STRATA_LINT_RULE_H_

#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "lint/history.h"
#include "lint/statement_parse.h"
#include "lint/tree.h"
#include "strata/lint.h"

namespace strata::lint {

// A statement a rule flags or must not flag, as a revision on top of these tables, created by
// an earlier revision (so they exist and may hold rows):
//   t (id bigint PRIMARY KEY, a int, b text, s varchar(20), n numeric(10,2)), u (id bigint
//   PRIMARY KEY), index t_a ON t (a), p (id bigint, at date) PARTITION BY RANGE (at).
struct LintCase {
  std::string_view rule;
  std::string_view sql;
  bool transactional = true;
  LintDialect dialect = LintDialect::kPostgres;
};

// State that lives for one section (one transaction, for a transactional revision).
struct SectionState {
  bool lock_timeout_set = false;
  bool lock_timeout_reported = false;
  bool statement_timeout_set = false;
  bool statement_timeout_reported = false;
  std::unordered_set<std::string> created_here;  // tables this section created (downgrades too)
  std::unordered_map<std::string, std::string> copied_from;  // INSERT INTO new SELECT FROM old
};

// Where findings go (the linter).
class FindingSink {
 public:
  virtual ~FindingSink() = default;
  virtual void Flag(std::string_view rule, std::string detail) = 0;
  // A finding that a later statement of the same section may withdraw (`key` names it).
  virtual void Defer(std::string key, std::string_view rule, std::string detail) = 0;
  virtual void Withdraw(const std::string& key) = 0;
};

// One parsed statement, as a rule sees it.
struct RuleContext {
  std::string_view type;       // "AlterTableStmt"
  const Node* stmt = nullptr;  // the node's body
  const Statement* statement = nullptr;
  std::string_view sql;  // the statement's text
  const Revision* rev = nullptr;
  bool downgrade = false;
  const LintConfig* config = nullptr;
  const History* history = nullptr;
  SectionState* section = nullptr;
  FindingSink* sink = nullptr;

  // Created in this revision (or this downgrade section), or by a revision not yet applied to
  // the database --url names: empty, and nobody else can hold a lock on it.
  bool IsNew(const std::string& table) const;
  bool postgres() const { return config->dialect == LintDialect::kPostgres; }
  void Flag(std::string_view rule, std::string detail = {}) const {
    sink->Flag(rule, std::move(detail));
  }
};

// A rule file's contents.
struct RuleFamily {
  std::vector<LintRule> rules;
  void (*check)(const RuleContext&) = nullptr;  // every parsed statement; may be null
  // Every statement the parser could not read, in a SQLite project (stmt is null; sql is set).
  void (*check_unparsed)(const RuleContext&) = nullptr;
  std::vector<LintCase> flagged;
  std::vector<LintCase> safe;
};

// Every rule file, in the order docs/lint.md lists their rules (rules/registry.cc).
const std::vector<const RuleFamily*>& RuleFamilies();

// The rule files (rules/*.cc).
const RuleFamily& RevisionRules();
const RuleFamily& AddColumnRules();
const RuleFamily& DropRenameRules();
const RuleFamily& ColumnTypeRules();
const RuleFamily& IndexRules();
const RuleFamily& ConstraintRules();
const RuleFamily& TimeoutRules();
const RuleFamily& MaintenanceRules();
const RuleFamily& StatementRules();
const RuleFamily& IdempotenceRules();
const RuleFamily& TypeHygieneRules();
const RuleFamily& DomainEnumRules();
const RuleFamily& NamingRules();
const RuleFamily& SqliteRules();

// Helpers shared by rule files.
bool IsSerialTypeName(const std::vector<std::string>& names);
// A utility option such as CONCURRENTLY or FULL is on: bare, or with a true value (rules/index.cc).
bool UtilityOptionOn(const Node& def_elem);

}  // namespace strata::lint

#endif  // STRATA_LINT_RULE_H_
