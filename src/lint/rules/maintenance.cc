// Table maintenance that rewrites a table under an ACCESS EXCLUSIVE lock.
#include "lint/rule.h"

namespace strata::lint {
namespace {

void Check(const RuleContext& ctx) {
  const Node& s = *ctx.stmt;
  if (ctx.type == "VacuumStmt") {
    if (!Bool(s, "is_vacuumcmd")) return;  // ANALYZE
    for (const Node& o : Arr(s, "options")) {
      const Node* d = Get(o, "DefElem");
      if (d != nullptr && Str(*d, "defname") == "full" && UtilityOptionOn(*d)) {
        ctx.Flag("vacuum-full");
        return;
      }
    }
  } else if (ctx.type == "ClusterStmt") {
    const Node* rel = Get(s, "relation");
    if (rel != nullptr && ctx.IsNew(RangeVarKey(*rel))) return;
    ctx.Flag("cluster", rel != nullptr ? RangeVarKey(*rel) : std::string());
  }
}

}  // namespace

const RuleFamily& MaintenanceRules() {
  static const RuleFamily family{
      .rules =
          {
              {"vacuum-full", LintSeverity::kError,
               "VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock",
               "plain VACUUM, or pg_repack outside migrations",
               "VACUUM FULL blocks every query on the table for the whole rewrite; it is "
               "maintenance, not a schema change. `VACUUM (FULL false)` is read as written.",
               true, "all"},
              {"cluster", LintSeverity::kError,
               "CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock",
               "pg_repack outside migrations",
               "Like VACUUM FULL, CLUSTER blocks every query for the whole rewrite.", true, "all"},
          },
      .check = Check,
      .flagged =
          {
              {"vacuum-full", "VACUUM FULL t;", false},
              {"vacuum-full", "VACUUM (FULL, ANALYZE) t;", false},
              {"vacuum-full", "VACUUM (FULL true) t;", false},
              {"cluster", "CLUSTER t USING t_a;"},
          },
      .safe =
          {
              {"vacuum-full", "VACUUM t;", false},
              {"vacuum-full", "VACUUM (FULL false, ANALYZE) t;", false},
              {"vacuum-full", "VACUUM (FULL off) t;", false},
              {"cluster", "-- strata:allow cluster\nCLUSTER t USING t_a;"},
          },
  };
  return family;
}

}  // namespace strata::lint
