// Column types that cause trouble later: json, varchar(n), timestamp without time zone,
// char(n), money, serial, and 32- or 16-bit keys.
#include <set>

#include "lint/rule.h"

namespace strata::lint {
namespace {

void CheckType(const RuleContext& ctx, const Node& type_name, const std::string& where) {
  std::vector<std::string> names = Names(Arr(type_name, "names"));
  if (names.empty()) return;
  const std::string& n = names.back();
  bool catalog = names.size() == 1 || names.front() == "pg_catalog";
  if (!catalog) return;
  if (n == "json") {
    ctx.Flag("prefer-jsonb", where);
  } else if (n == "varchar" && !Arr(type_name, "typmods").empty()) {
    ctx.Flag("prefer-text", where);
  } else if (n == "timestamp") {
    ctx.Flag("prefer-timestamptz", where);
  } else if (n == "bpchar") {
    ctx.Flag("avoid-char", where);
  } else if (n == "money") {
    ctx.Flag("avoid-money", where);
  } else if (IsSerialTypeName(names)) {
    ctx.Flag("prefer-identity", where);
  }
}

bool SmallInt(const ColumnType& t) {
  return t.array_dims == 0 && (t.name == "int4" || t.name == "int2");
}

// One column definition (CREATE TABLE or ADD COLUMN); `pk_columns` are named by a table-level
// PRIMARY KEY.
void CheckColumn(const RuleContext& ctx, const Node& col, const std::string& table,
                 const std::set<std::string>& pk_columns) {
  const Node* tn = Get(col, "typeName");
  if (tn == nullptr) return;
  std::string name = Str(col, "colname");
  std::string where = table + "." + name;
  CheckType(ctx, *tn, where);
  ColumnType type = TypeOf(*tn);
  bool pk = pk_columns.count(name) > 0;
  for (const Node& c : Arr(col, "constraints")) {
    const Node* con = Get(c, "Constraint");
    if (con != nullptr && Str(*con, "contype") == "CONSTR_PRIMARY") pk = true;
  }
  bool serial = IsSerialTypeName(Names(Arr(*tn, "names")));
  if (SmallInt(type) && (pk || serial)) {
    ctx.Flag("int-primary-key", where + ": " + (type.name == "int2" ? "smallint" : "int") +
                                    (pk ? " primary key" : " serial"));
  }
}

void Check(const RuleContext& ctx) {
  const Node& s = *ctx.stmt;
  if (ctx.type == "CreateStmt") {
    const Node* rel = Get(s, "relation");
    if (rel == nullptr) return;
    std::string table = RangeVarKey(*rel);
    std::set<std::string> pk_columns;
    for (const Node& elt : Arr(s, "tableElts")) {
      const Node* con = Get(elt, "Constraint");
      if (con != nullptr && Str(*con, "contype") == "CONSTR_PRIMARY") {
        for (const std::string& k : Names(Arr(*con, "keys"))) pk_columns.insert(k);
      }
    }
    for (const Node& elt : Arr(s, "tableElts")) {
      if (const Node* col = Get(elt, "ColumnDef")) CheckColumn(ctx, *col, table, pk_columns);
    }
  } else if (ctx.type == "AlterTableStmt" && Str(s, "objtype") == "OBJECT_TABLE") {
    const Node* rel = Get(s, "relation");
    if (rel == nullptr) return;
    std::string table = RangeVarKey(*rel);
    for (const Node& c : Arr(s, "cmds")) {
      const Node* cmd = Get(c, "AlterTableCmd");
      if (cmd == nullptr) continue;
      std::string sub = Str(*cmd, "subtype");
      const Node* def = Get(*cmd, "def");
      const Node* col = def != nullptr ? Get(*def, "ColumnDef") : nullptr;
      if (sub == "AT_AddColumn" && col != nullptr) {
        CheckColumn(ctx, *col, table, {});
      } else if (sub == "AT_AlterColumnType" && col != nullptr) {
        if (const Node* tn = Get(*col, "typeName")) {
          CheckType(ctx, *tn, table + "." + Str(*cmd, "name"));
        }
      } else if (sub == "AT_AddConstraint" && def != nullptr) {
        const Node* con = Get(*def, "Constraint");
        if (con == nullptr || Str(*con, "contype") != "CONSTR_PRIMARY") continue;
        for (const std::string& k : Names(Arr(*con, "keys"))) {
          const Column* known = ctx.history->FindColumn(table, k);
          if (known != nullptr && SmallInt(known->type)) {
            ctx.Flag("int-primary-key", table + "." + k + ": " +
                                            (known->type.name == "int2" ? "smallint" : "int") +
                                            " primary key");
          }
        }
      }
    }
  }
}

}  // namespace

const RuleFamily& TypeHygieneRules() {
  static const RuleFamily family{
      .rules =
          {
              {"prefer-jsonb", LintSeverity::kWarning,
               "json stores text and reparses it on every access; it has no equality operator "
               "and cannot be indexed with GIN",
               "jsonb",
               "jsonb is binary, indexable and comparable; json only keeps key order and "
               "duplicates.",
               true, "9.4+ (jsonb)"},
              {"prefer-text", LintSeverity::kWarning,
               "varchar(n) gains nothing over text, and raising n later means an ALTER on a "
               "live table",
               "text, with a CHECK (length(col) <= n) NOT VALID when a limit matters",
               "In PostgreSQL varchar(n) and text are stored the same way; the limit is only a "
               "check, and a CHECK constraint can be changed without touching the column.",
               true, "all"},
              {"prefer-timestamptz", LintSeverity::kWarning,
               "timestamp without time zone stores wall-clock times whose zone is lost",
               "timestamptz (timestamp with time zone)",
               "timestamptz stores an instant and converts to the session's zone; timestamp "
               "silently depends on whoever wrote the value.",
               true, "all"},
              {"avoid-char", LintSeverity::kWarning,
               "char(n) pads values with spaces and is no faster than text", "text (or varchar)",
               "char(n) blank-pads, which surprises comparisons and lengths.", true, "all"},
              {"avoid-money", LintSeverity::kWarning,
               "money depends on the lc_monetary setting and has a fixed precision",
               "numeric, plus a currency column when needed",
               "A dump restored under another locale reads different amounts.", true, "all"},
              {"prefer-identity", LintSeverity::kWarning,
               "serial creates a sequence owned loosely by the column, with permissions and "
               "dump quirks",
               "bigint GENERATED BY DEFAULT AS IDENTITY",
               "Identity columns are the SQL-standard form, tie the sequence to the column, and "
               "copy correctly with CREATE TABLE ... LIKE.",
               true, "10+ (identity columns)"},
              {"int-primary-key", LintSeverity::kWarning,
               "an int (or smallint) primary key or serial runs out at 2,147,483,647 (32,767) "
               "rows, and widening it later rewrites the table and every table referencing it",
               "bigint (bigint GENERATED BY DEFAULT AS IDENTITY for a key)",
               "A key's type is hard to change once other tables reference it; the 4 bytes "
               "bigint costs over int are rarely worth the outage when the sequence runs out.",
               true, "all"},
          },
      .check = Check,
      .flagged =
          {
              {"prefer-jsonb", "CREATE TABLE n (d json);"},
              {"prefer-jsonb", "ALTER TABLE t ADD COLUMN d json;"},
              {"prefer-text", "CREATE TABLE n (s varchar(20));"},
              {"prefer-timestamptz", "CREATE TABLE n (at timestamp);"},
              {"prefer-timestamptz", "CREATE TABLE n (at timestamp(3) without time zone);"},
              {"avoid-char", "CREATE TABLE n (code char(2));"},
              {"avoid-money", "CREATE TABLE n (price money);"},
              {"prefer-identity", "CREATE TABLE n (id serial);"},
              {"prefer-identity", "CREATE TABLE n (id bigserial PRIMARY KEY);"},
              {"int-primary-key", "CREATE TABLE n (id int PRIMARY KEY);"},
              {"int-primary-key", "CREATE TABLE n (id smallint, PRIMARY KEY (id));"},
              {"int-primary-key",
               "CREATE TABLE n (id integer GENERATED ALWAYS AS IDENTITY "
               "PRIMARY KEY);"},
              {"int-primary-key", "CREATE TABLE n (seq serial);"},
              {"int-primary-key", "ALTER TABLE t ADD PRIMARY KEY (a);"},
          },
      .safe =
          {
              {"prefer-jsonb", "CREATE TABLE n (d jsonb);"},
              {"prefer-text", "CREATE TABLE n (s text, v varchar);"},
              {"prefer-timestamptz",
               "CREATE TABLE n (at timestamptz, at2 timestamp with time "
               "zone);"},
              {"avoid-char", "CREATE TABLE n (code text, kind \"char\");"},
              {"avoid-money", "CREATE TABLE n (price numeric(12, 2));"},
              {"prefer-identity",
               "CREATE TABLE n (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);"},
              {"int-primary-key", "CREATE TABLE n (id bigint PRIMARY KEY, count int);"},
          },
  };
  return family;
}

}  // namespace strata::lint
