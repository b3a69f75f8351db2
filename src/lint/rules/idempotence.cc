// A non-transactional revision that fails part way is run again from the top: every statement
// must succeed when its change is already there.
#include "lint/rule.h"

namespace strata::lint {
namespace {

void RobustOnly(const RuleContext& ctx, bool has_if_exists, const std::string& what) {
  if (!ctx.rev->transactional && !has_if_exists) ctx.Flag("missing-if-exists", what);
}

void Check(const RuleContext& ctx) {
  if (ctx.rev->transactional) return;
  const Node& s = *ctx.stmt;
  std::string_view type = ctx.type;
  if (type == "CreateStmt") {
    const Node* rel = Get(s, "relation");
    if (rel == nullptr) return;
    // A temporary table lives as long as its session; a rerun is a new session.
    if (Str(*rel, "relpersistence") == "t") return;
    RobustOnly(ctx, Bool(s, "if_not_exists"), "CREATE TABLE " + RangeVarKey(*rel));
  } else if (type == "CreateTableAsStmt") {
    const Node* into = Get(s, "into");
    const Node* rel = into != nullptr ? Get(*into, "rel") : nullptr;
    if (rel == nullptr || Str(*rel, "relpersistence") == "t") return;
    RobustOnly(ctx, Bool(s, "if_not_exists"), "CREATE TABLE " + RangeVarKey(*rel) + " AS");
  } else if (type == "AlterTableStmt" && Str(s, "objtype") == "OBJECT_TABLE") {
    const Node* rel = Get(s, "relation");
    std::string table = rel != nullptr ? RangeVarKey(*rel) : "";
    for (const Node& c : Arr(s, "cmds")) {
      const Node* cmd = Get(c, "AlterTableCmd");
      if (cmd == nullptr) continue;
      std::string sub = Str(*cmd, "subtype");
      if (sub == "AT_AddColumn") {
        const Node* def = Get(*cmd, "def");
        const Node* col = def != nullptr ? Get(*def, "ColumnDef") : nullptr;
        if (col == nullptr) continue;
        RobustOnly(ctx, Bool(*cmd, "missing_ok"),
                   "ADD COLUMN " + table + "." + Str(*col, "colname"));
      } else if (sub == "AT_DropColumn") {
        RobustOnly(ctx, Bool(*cmd, "missing_ok"), "DROP COLUMN " + table + "." + Str(*cmd, "name"));
      } else if (sub == "AT_DropConstraint") {
        RobustOnly(ctx, Bool(*cmd, "missing_ok"),
                   "DROP CONSTRAINT " + table + "." + Str(*cmd, "name"));
      }
    }
  } else if (type == "IndexStmt") {
    const Node* rel = Get(s, "relation");
    std::string name = Str(s, "idxname");
    RobustOnly(ctx, Bool(s, "if_not_exists"),
               "CREATE INDEX " + (name.empty() && rel ? "on " + RangeVarKey(*rel) : name));
  } else if (type == "DropStmt") {
    std::string kind = Str(s, "removeType");
    std::string what;
    for (const Node& obj : Arr(s, "objects")) {
      if (const Node* list = Get(obj, "List")) {
        what = NamesKey(Names(Arr(*list, "items")));
        break;
      }
    }
    kind = kind.rfind("OBJECT_", 0) == 0 ? kind.substr(7) : kind;
    RobustOnly(ctx, Bool(s, "missing_ok"), "DROP " + kind + (what.empty() ? "" : " " + what));
  } else if (type == "CreateSeqStmt") {
    RobustOnly(ctx, Bool(s, "if_not_exists"), "CREATE SEQUENCE");
  } else if (type == "CreateSchemaStmt") {
    RobustOnly(ctx, Bool(s, "if_not_exists"), "CREATE SCHEMA " + Str(s, "schemaname"));
  } else if (type == "CreateExtensionStmt") {
    RobustOnly(ctx, Bool(s, "if_not_exists"), "CREATE EXTENSION " + Str(s, "extname"));
  }
}

}  // namespace

const RuleFamily& IdempotenceRules() {
  static const RuleFamily family{
      .rules =
          {
              {"missing-if-exists", LintSeverity::kError,
               "in a non-transactional revision, a statement without IF [NOT] EXISTS fails when "
               "the revision is rerun after a partial failure",
               "CREATE ... IF NOT EXISTS, DROP ... IF EXISTS, ADD COLUMN IF NOT EXISTS",
               "A non-transactional revision that fails part way leaves its earlier statements "
               "applied; after the fix it is run again from the top, so each statement must "
               "succeed when its change is already there. (An interrupted CREATE INDEX "
               "CONCURRENTLY leaves an INVALID index that IF NOT EXISTS then skips: precede it "
               "with DROP INDEX CONCURRENTLY IF EXISTS.) Temporary tables (CREATE TEMP TABLE "
               "... ON COMMIT DROP) belong to one session and are exempt.",
               false, "all"},
          },
      .check = Check,
      .flagged =
          {
              {"missing-if-exists", "CREATE INDEX CONCURRENTLY t_b ON t (b);", false},
              {"missing-if-exists", "DROP INDEX CONCURRENTLY t_a;", false},
              {"missing-if-exists", "ALTER TABLE t ADD COLUMN c int;", false},
              {"missing-if-exists", "CREATE TABLE n (id bigint);", false},
          },
      .safe =
          {
              {"missing-if-exists", "ALTER TABLE t ADD COLUMN IF NOT EXISTS c int;", false},
              {"missing-if-exists", "CREATE TABLE IF NOT EXISTS n (id bigint);", false},
              {"missing-if-exists", "CREATE TABLE n (id bigint);"},  // all or nothing
              {"missing-if-exists", "CREATE TEMP TABLE batch (id bigint) ON COMMIT DROP;", false},
          },
  };
  return family;
}

}  // namespace strata::lint
