// ALTER COLUMN ... TYPE on a table that may hold rows. The column's previous type comes from the
// history model (earlier revisions, or the live catalog with --url); a change PostgreSQL makes
// without touching the rows is not reported.
#include "lint/rule.h"

namespace strata::lint {
namespace {

// Types whose length or precision modifier PostgreSQL can widen without a rewrite (their
// length-coercion functions have planner support functions that drop a widening cast).
bool WidensInPlace(const std::string& type) {
  return type == "varchar" || type == "varbit" || type == "numeric" || type == "timestamp" ||
         type == "timestamptz" || type == "time" || type == "timetz" || type == "interval";
}

// Whether the modifiers `to` accept every value of `from` unchanged.
bool WiderMods(const std::string& type, const std::vector<long>& from,
               const std::vector<long>& to) {
  if (to.empty()) return true;     // no limit
  if (from.empty()) return false;  // a new limit: every row is checked, and cut or rounded
  if (type == "numeric") {
    long from_scale = from.size() > 1 ? from[1] : 0, to_scale = to.size() > 1 ? to[1] : 0;
    return to_scale == from_scale && to[0] >= from[0];
  }
  if (type == "interval") return false;  // fields and precision: not worth modelling
  return to[0] >= from[0];
}

// Changes that are binary coercible: the stored bytes stay as they are (pg_cast castmethod
// 'b', or a widening of the same type's modifier), so PostgreSQL neither rewrites the table
// nor, for most of them, rebuilds its indexes.
bool NoRewrite(const ColumnType& from, const ColumnType& to) {
  if (from.array_dims != to.array_dims) return false;
  if (from.name == to.name && from.mods == to.mods) return true;
  if (from.array_dims > 0) return false;  // element coercions of arrays are not simplified
  if (from.name == to.name) {
    return WidensInPlace(from.name) && WiderMods(from.name, from.mods, to.mods);
  }
  if (!to.mods.empty()) return false;  // a new limit
  // Unlimited text-like types share one representation.
  auto textlike = [](const ColumnType& t) { return t.name == "text" || t.name == "varchar"; };
  if (textlike(from) && textlike(to)) return true;
  if (from.name == "cidr" && to.name == "inet") return true;
  if (from.name == "xml" && to.name == "text") return true;
  if (from.name == "bit" && to.name == "varbit") return true;
  return false;
}

// USING col, or USING col::new_type: the same as no USING clause.
bool TrivialUsing(const Node* using_expr, const std::string& column) {
  if (using_expr == nullptr) return true;
  const Node* e = using_expr;
  if (const Node* cast = Get(*e, "TypeCast")) e = Get(*cast, "arg");
  const Node* ref = e != nullptr ? Get(*e, "ColumnRef") : nullptr;
  std::vector<std::string> names = ref ? Names(Arr(*ref, "fields")) : std::vector<std::string>();
  return !names.empty() && names.back() == column;
}

void Check(const RuleContext& ctx) {
  if (ctx.type != "AlterTableStmt" || Str(*ctx.stmt, "objtype") != "OBJECT_TABLE") return;
  const Node* rel = Get(*ctx.stmt, "relation");
  if (rel == nullptr) return;
  std::string table = RangeVarKey(*rel);
  if (ctx.IsNew(table)) return;
  for (const Node& c : Arr(*ctx.stmt, "cmds")) {
    const Node* cmd = Get(c, "AlterTableCmd");
    if (cmd == nullptr || Str(*cmd, "subtype") != "AT_AlterColumnType") continue;
    std::string column = Str(*cmd, "name");
    const Node* def = Get(*cmd, "def");
    const Node* cd = def != nullptr ? Get(*def, "ColumnDef") : nullptr;
    const Node* tn = cd != nullptr ? Get(*cd, "typeName") : nullptr;
    if (tn == nullptr) continue;
    ColumnType to = TypeOf(*tn);
    std::string where = table + "." + column;
    const Column* before = ctx.history->FindColumn(table, column);
    if (before == nullptr || !before->type.known()) {
      ctx.Flag("changing-column-type",
               where + ": to " + to.ToString() + " (the previous type is not in the history)");
      continue;
    }
    // A COLLATE alone keeps the rows (the column's indexes are rebuilt).
    if (TrivialUsing(Get(*cd, "raw_default"), column) && NoRewrite(before->type, to)) {
      continue;
    }
    ctx.Flag("changing-column-type",
             where + ": " + before->type.ToString() + " to " + to.ToString());
  }
}

}  // namespace

const RuleFamily& ColumnTypeRules() {
  static const RuleFamily family{
      .rules =
          {
              {"changing-column-type", LintSeverity::kError,
               "changing a column's type rewrites the table and its indexes under an ACCESS "
               "EXCLUSIVE lock",
               "add a column of the new type, backfill in batches, switch code over, drop the "
               "old column",
               "strata knows the column's previous type from the history (the revisions before, "
               "or the live catalog with `--url`) and stays quiet for the changes PostgreSQL "
               "makes without touching the rows: the same type, a wider or unlimited varchar(n), "
               "varchar to text and back to unlimited varchar, a wider numeric precision at the "
               "same scale, a wider or unlimited timestamp/time precision or bit varying length, "
               "cidr to inet, xml to text (all binary coercible), and a new COLLATE alone (which "
               "rebuilds the column's indexes but not the table). Every other change, a change "
               "with a USING expression other than the column itself, a change of an array's "
               "element length, and a change to a column whose type the history does not show, "
               "is flagged. tests/driver/lint_rewrite_test.cc checks this against a live "
               "PostgreSQL by comparing relfilenode before and after. timestamp to timestamptz "
               "is flagged: PostgreSQL 12+ skips its rewrite only when the session's TimeZone is "
               "UTC.",
               true, "all (varchar and numeric widening without a rewrite since 9.2)"},
          },
      .check = Check,
      .flagged =
          {
              {"changing-column-type", "ALTER TABLE t ALTER COLUMN a TYPE bigint;"},
              {"changing-column-type", "ALTER TABLE t ALTER COLUMN s TYPE varchar(10);"},
              {"changing-column-type", "ALTER TABLE t ALTER COLUMN n TYPE numeric(12, 3);"},
              {"changing-column-type", "ALTER TABLE t ALTER COLUMN b TYPE varchar(50);"},
              {"changing-column-type", "ALTER TABLE t ALTER COLUMN b TYPE jsonb USING b::jsonb;"},
              {"changing-column-type", "ALTER TABLE t ALTER COLUMN nobody_knows TYPE text;"},
          },
      .safe =
          {
              {"changing-column-type",
               "CREATE TABLE n (a int);\nALTER TABLE n ALTER COLUMN a TYPE bigint;"},
              {"changing-column-type",
               "-- strata:allow prefer-text\nALTER TABLE t ALTER COLUMN s TYPE varchar(40);"},
              {"changing-column-type", "ALTER TABLE t ALTER COLUMN s TYPE text;"},
              {"changing-column-type", "ALTER TABLE t ALTER COLUMN s TYPE character varying;"},
              {"changing-column-type", "ALTER TABLE t ALTER COLUMN b TYPE varchar;"},
              {"changing-column-type", "ALTER TABLE t ALTER COLUMN n TYPE numeric(14, 2);"},
              {"changing-column-type", "ALTER TABLE t ALTER COLUMN n TYPE decimal(12, 2);"},
              {"changing-column-type", "ALTER TABLE t ALTER COLUMN n TYPE numeric;"},
              {"changing-column-type", "ALTER TABLE t ALTER COLUMN a TYPE integer;"},
              {"changing-column-type", "ALTER TABLE t ALTER COLUMN a TYPE int4 USING a::int4;"},
          },
  };
  return family;
}

}  // namespace strata::lint
