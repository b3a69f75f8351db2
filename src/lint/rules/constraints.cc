// Constraints on tables that may hold rows: adding them without a full-table scan under a
// strong lock (NOT VALID, then VALIDATE in a later transaction), SET NOT NULL proven by a
// validated CHECK, unique indexes built concurrently first, and DROP NOT NULL.
#include "lint/rule.h"

namespace strata::lint {
namespace {

void CheckAddConstraint(const RuleContext& ctx, const std::string& table, bool is_new,
                        const Node& con) {
  std::string type = Str(con, "contype");
  std::string name = Str(con, "conname");
  std::string where = table + (name.empty() ? "" : "." + name);
  bool validates = Bool(con, "initially_valid") && !Bool(con, "skip_validation");
  if (type == "CONSTR_FOREIGN") {
    if (!is_new && validates) ctx.Flag("foreign-key-not-valid", where);
  } else if (type == "CONSTR_CHECK") {
    if (!is_new && validates) ctx.Flag("check-constraint-not-valid", where);
  } else if (type == "CONSTR_UNIQUE" || type == "CONSTR_PRIMARY") {
    if (!is_new && Str(con, "indexname").empty()) {
      ctx.Flag("unique-constraint-without-index", where);
    }
  }
}

// VALIDATE CONSTRAINT of a constraint added NOT VALID earlier in the same transaction: the ADD
// took its lock (ACCESS EXCLUSIVE for a CHECK, SHARE ROW EXCLUSIVE for a foreign key) and holds
// it through the validating scan, which is what NOT VALID was meant to avoid.
void CheckValidate(const RuleContext& ctx, const std::string& table, const std::string& name) {
  if (!ctx.rev->transactional || ctx.downgrade) return;
  const Table* t = ctx.history->FindTable(table);
  if (t == nullptr) return;
  auto it = t->constraints.find(name);
  if (it == t->constraints.end() || it->second.not_valid_in != ctx.rev->id) return;
  std::string detail = table + "." + name +
                       ": validated in the same transaction as its ADD ... "
                       "NOT VALID";
  if (it->second.kind == "foreign") {
    ctx.Flag("foreign-key-not-valid", detail);
  } else if (it->second.kind == "check") {
    ctx.Flag("check-constraint-not-valid", detail);
  }
}

void Check(const RuleContext& ctx) {
  if (ctx.type != "AlterTableStmt" || Str(*ctx.stmt, "objtype") != "OBJECT_TABLE") return;
  const Node* rel = Get(*ctx.stmt, "relation");
  if (rel == nullptr) return;
  std::string table = RangeVarKey(*rel);
  bool is_new = ctx.IsNew(table);
  for (const Node& c : Arr(*ctx.stmt, "cmds")) {
    const Node* cmd = Get(c, "AlterTableCmd");
    if (cmd == nullptr) continue;
    std::string sub = Str(*cmd, "subtype");
    std::string column = Str(*cmd, "name");
    const Node* def = Get(*cmd, "def");
    if (sub == "AT_SetNotNull") {
      const Table* t = ctx.history->FindTable(table);
      bool proven = t != nullptr && t->validated_not_null.count(column) > 0;
      if (!is_new && !proven) ctx.Flag("setting-not-null", table + "." + column);
    } else if (sub == "AT_DropNotNull") {
      if (!is_new) ctx.Flag("dropping-not-null", table + "." + column);
    } else if (sub == "AT_AddConstraint" && def != nullptr) {
      if (const Node* con = Get(*def, "Constraint")) CheckAddConstraint(ctx, table, is_new, *con);
    } else if (sub == "AT_ValidateConstraint") {
      CheckValidate(ctx, table, column);
    }
  }
}

}  // namespace

const RuleFamily& ConstraintRules() {
  static const RuleFamily family{
      .rules =
          {
              {"foreign-key-not-valid", LintSeverity::kError,
               "adding a foreign key scans the whole table while holding a lock that blocks "
               "writes to both tables",
               "ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, then VALIDATE CONSTRAINT in a later "
               "revision (or a non-transactional one)",
               "Validation checks every existing row under SHARE ROW EXCLUSIVE on both tables. "
               "NOT VALID adds the constraint for new rows at once; VALIDATE CONSTRAINT then "
               "checks old rows under a lock that lets reads and writes continue, but only in "
               "another transaction: validated in the same transactional revision as the ADD, "
               "the ADD's lock is held through the scan, and that is flagged too. A foreign key "
               "added with a new column (ADD COLUMN ... REFERENCES) is validated at once.",
               true, "all"},
              {"check-constraint-not-valid", LintSeverity::kError,
               "adding a CHECK constraint scans the whole table under an ACCESS EXCLUSIVE lock",
               "ADD CONSTRAINT ... CHECK (...) NOT VALID, then VALIDATE CONSTRAINT in a later "
               "revision (or a non-transactional one)",
               "As for foreign keys: NOT VALID is instant, VALIDATE takes only SHARE UPDATE "
               "EXCLUSIVE, in its own transaction. A CHECK added with a new column (ADD COLUMN "
               "... CHECK (...)) is checked against every row at once; the three-step NOT NULL "
               "pattern done in one transactional revision validates under the ADD's lock.",
               true, "all"},
              {"setting-not-null", LintSeverity::kError,
               "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock",
               "ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c in a "
               "later revision; then SET NOT NULL (instant) and DROP CONSTRAINT c",
               "Since PostgreSQL 12, SET NOT NULL skips the scan when a validated CHECK (col IS "
               "NOT NULL) exists. strata looks for one in the history (this and earlier "
               "revisions).",
               true, "all (the CHECK shortcut: 12+)"},
              {"dropping-not-null", LintSeverity::kError,
               "DROP NOT NULL lets NULLs in that code deployed before the change does not expect",
               "make every reader and writer cope with NULL first, then drop NOT NULL in a later "
               "release",
               "The change is instant, but during a rolling deploy (and after it, in every "
               "service reading the table) code that assumes the column is always set meets "
               "NULLs as soon as new code writes them. Checked in upgrade sections only.",
               true, "all"},
              {"unique-constraint-without-index", LintSeverity::kError,
               "adding a UNIQUE or PRIMARY KEY constraint builds its index under an ACCESS "
               "EXCLUSIVE lock",
               "CREATE UNIQUE INDEX CONCURRENTLY in a non-transactional revision, then ADD "
               "CONSTRAINT ... UNIQUE USING INDEX (or PRIMARY KEY USING INDEX)",
               "The index build blocks reads and writes for its whole duration; USING INDEX "
               "attaches an index built concurrently beforehand, which is instant.",
               true, "all"},
          },
      .check = Check,
      .flagged =
          {
              {"foreign-key-not-valid",
               "ALTER TABLE t ADD CONSTRAINT t_u FOREIGN KEY (a) REFERENCES u (id);"},
              {"foreign-key-not-valid",
               "ALTER TABLE t ADD CONSTRAINT t_u FOREIGN KEY (a) REFERENCES u (id) NOT VALID;\n"
               "ALTER TABLE t VALIDATE CONSTRAINT t_u;"},
              {"check-constraint-not-valid", "ALTER TABLE t ADD CONSTRAINT t_pos CHECK (a > 0);"},
              {"check-constraint-not-valid",
               "ALTER TABLE t ADD CONSTRAINT t_pos CHECK (a > 0) NOT VALID;\n"
               "ALTER TABLE t VALIDATE CONSTRAINT t_pos;"},
              // The three-step NOT NULL pattern in one transaction.
              {"check-constraint-not-valid",
               "ALTER TABLE t ADD CONSTRAINT t_a_nn CHECK (a IS NOT NULL) NOT VALID;\n"
               "ALTER TABLE t VALIDATE CONSTRAINT t_a_nn;\n"
               "ALTER TABLE t ALTER COLUMN a SET NOT NULL;\n"
               "ALTER TABLE t DROP CONSTRAINT t_a_nn;"},
              {"setting-not-null", "ALTER TABLE t ALTER COLUMN a SET NOT NULL;"},
              {"setting-not-null",
               "ALTER TABLE t ADD CONSTRAINT t_a_nn CHECK (a IS NOT NULL) NOT VALID;\n"
               "ALTER TABLE t ALTER COLUMN a SET NOT NULL;"},
              {"dropping-not-null", "ALTER TABLE t ALTER COLUMN id DROP NOT NULL;"},
              {"unique-constraint-without-index",
               "ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE (a);"},
              {"unique-constraint-without-index", "ALTER TABLE t ADD PRIMARY KEY (a);"},
          },
      .safe =
          {
              {"foreign-key-not-valid",
               "ALTER TABLE t ADD CONSTRAINT t_u FOREIGN KEY (a) REFERENCES u (id) NOT VALID;"},
              {"foreign-key-not-valid", "ALTER TABLE t VALIDATE CONSTRAINT t_u;"},
              // Each statement of a non-transactional revision commits on its own.
              {"foreign-key-not-valid",
               "ALTER TABLE t ADD CONSTRAINT t_u FOREIGN KEY (a) REFERENCES u (id) NOT VALID;\n"
               "ALTER TABLE t VALIDATE CONSTRAINT t_u;",
               false},
              {"check-constraint-not-valid",
               "ALTER TABLE t ADD CONSTRAINT t_pos CHECK (a > 0) NOT VALID;"},
              {"setting-not-null",
               "ALTER TABLE t ADD CONSTRAINT t_a_nn CHECK (a IS NOT NULL) NOT VALID;\n"
               "ALTER TABLE t VALIDATE CONSTRAINT t_a_nn;\n"
               "ALTER TABLE t ALTER COLUMN a SET NOT NULL;\n"
               "ALTER TABLE t DROP CONSTRAINT IF EXISTS t_a_nn;",
               false},
              {"dropping-not-null",
               "CREATE TABLE n (a int NOT NULL);\nALTER TABLE n ALTER COLUMN a DROP NOT NULL;"},
              {"unique-constraint-without-index",
               "ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE USING INDEX t_a_key_idx;"},
              {"unique-constraint-without-index",
               "ALTER TABLE t ADD CONSTRAINT t_pk PRIMARY KEY USING INDEX t_a_key_idx;"},
          },
  };
  return family;
}

}  // namespace strata::lint
