// Domains with constraints and enum values added out of order.
#include "lint/rule.h"

namespace strata::lint {
namespace {

void Check(const RuleContext& ctx) {
  const Node& s = *ctx.stmt;
  if (ctx.type == "AlterDomainStmt") {
    // subtype 'C': ADD CONSTRAINT. NOT VALID skips the scan of every column of the domain.
    if (Str(s, "subtype") != "C") return;
    const Node* def = Get(s, "def");
    const Node* con = def != nullptr ? Get(*def, "Constraint") : nullptr;
    if (con != nullptr && Bool(*con, "skip_validation")) return;
    ctx.Flag("alter-domain-add-constraint", NamesKey(Names(Arr(s, "typeName"))));
  } else if (ctx.type == "CreateDomainStmt") {
    for (const Node& c : Arr(s, "constraints")) {
      const Node* con = Get(c, "Constraint");
      if (con != nullptr && Str(*con, "contype") == "CONSTR_CHECK") {
        ctx.Flag("create-domain-with-constraint", NamesKey(Names(Arr(s, "domainname"))));
        return;
      }
    }
  } else if (ctx.type == "AlterEnumStmt") {
    if (!Str(s, "newValNeighbor").empty()) {
      ctx.Flag("enum-value-ordering",
               NamesKey(Names(Arr(s, "typeName"))) + ": " + Str(s, "newVal") +
                   (Bool(s, "newValIsAfter") ? " AFTER " : " BEFORE ") + Str(s, "newValNeighbor"));
    }
  }
}

}  // namespace

const RuleFamily& DomainEnumRules() {
  static const RuleFamily family{
      .rules =
          {
              {"alter-domain-add-constraint", LintSeverity::kError,
               "ALTER DOMAIN ... ADD CONSTRAINT checks every column of every table that uses the "
               "domain, under locks that block writes",
               "ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT in a later revision; or "
               "put the CHECK on the tables' columns (ADD CONSTRAINT ... NOT VALID per table)",
               "PostgreSQL scans each table using the domain to prove the new constraint, "
               "holding a SHARE lock on it for the scan; with many or large tables this is a "
               "long outage hidden behind a one-line change.",
               true, "all"},
              {"create-domain-with-constraint", LintSeverity::kWarning,
               "a domain with a CHECK constraint can only get a new or changed constraint by "
               "scanning every table that uses it",
               "a plain column type with a CHECK constraint on each column (changed with NOT "
               "VALID and VALIDATE, table by table)",
               "Column CHECK constraints can be replaced online one table at a time; a domain's "
               "constraint is changed for all its columns at once (ALTER DOMAIN ... ADD "
               "CONSTRAINT, see alter-domain-add-constraint).",
               true, "all"},
              {"enum-value-ordering", LintSeverity::kWarning,
               "ALTER TYPE ... ADD VALUE ... BEFORE/AFTER puts the value out of creation order: "
               "comparisons and ORDER BY on the enum get slower, and code that relied on the "
               "order of existing values sees a new one in between",
               "ADD VALUE at the end (no BEFORE/AFTER), and sort explicitly where the order "
               "matters",
               "An enum sorts by each value's position; a value added at the end keeps OID "
               "order and fast comparisons, one added in between makes PostgreSQL look the "
               "order up in pg_enum for every comparison involving the type.",
               true, "all"},
          },
      .check = Check,
      .flagged =
          {
              {"alter-domain-add-constraint",
               "ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0);"},
              {"create-domain-with-constraint", "CREATE DOMAIN positive AS int CHECK (VALUE > 0);"},
              {"enum-value-ordering", "ALTER TYPE mood ADD VALUE 'meh' BEFORE 'happy';", false},
              {"enum-value-ordering", "ALTER TYPE mood ADD VALUE 'meh' AFTER 'sad';", false},
          },
      .safe =
          {
              {"alter-domain-add-constraint",
               "ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0) NOT "
               "VALID;"},
              {"create-domain-with-constraint", "CREATE DOMAIN code AS text;"},
              {"enum-value-ordering", "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh';", false},
          },
  };
  return family;
}

}  // namespace strata::lint
