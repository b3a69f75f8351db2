// ALTER TABLE ... ADD COLUMN on a table that may hold rows: what the new column's constraints,
// default and generation cost. A new, empty table is never flagged.
#include <unordered_set>

#include "lint/rule.h"

namespace strata::lint {
namespace {

// Built-in functions whose volatility makes ADD COLUMN ... DEFAULT f() rewrite the table.
bool IsVolatileBuiltin(const std::string& name) {
  static const std::unordered_set<std::string> kVolatile = {"random",
                                                            "random_normal",
                                                            "clock_timestamp",
                                                            "timeofday",
                                                            "gen_random_uuid",
                                                            "uuid_generate_v1",
                                                            "uuid_generate_v1mc",
                                                            "uuid_generate_v4",
                                                            "uuidv4",
                                                            "uuidv7",
                                                            "nextval",
                                                            "gen_random_bytes",
                                                            "txid_current",
                                                            "pg_current_xact_id",
                                                            "setval",
                                                            "currval",
                                                            "lastval",
                                                            "random_string"};
  return kVolatile.count(name) > 0;
}

// Built-in functions that are IMMUTABLE or STABLE (evaluated once for ADD COLUMN ... DEFAULT).
bool IsNonVolatileBuiltin(const std::string& name) {
  static const std::unordered_set<std::string> kStable = {"now",
                                                          "statement_timestamp",
                                                          "transaction_timestamp",
                                                          "current_setting",
                                                          "lower",
                                                          "upper",
                                                          "concat",
                                                          "concat_ws",
                                                          "md5",
                                                          "sha256",
                                                          "length",
                                                          "char_length",
                                                          "to_char",
                                                          "to_timestamp",
                                                          "to_date",
                                                          "date_trunc",
                                                          "date_part",
                                                          "extract",
                                                          "make_date",
                                                          "make_time",
                                                          "make_timestamp",
                                                          "make_timestamptz",
                                                          "make_interval",
                                                          "timezone",
                                                          "jsonb_build_object",
                                                          "json_build_object",
                                                          "jsonb_build_array",
                                                          "json_build_array",
                                                          "to_jsonb",
                                                          "to_json",
                                                          "jsonb_object",
                                                          "json_object",
                                                          "array_to_json",
                                                          "row_to_json",
                                                          "abs",
                                                          "round",
                                                          "floor",
                                                          "ceil",
                                                          "ceiling",
                                                          "trim",
                                                          "btrim",
                                                          "ltrim",
                                                          "rtrim",
                                                          "replace",
                                                          "substr",
                                                          "substring",
                                                          "left",
                                                          "right",
                                                          "format",
                                                          "encode",
                                                          "decode",
                                                          "array_fill",
                                                          "to_tsvector",
                                                          "int4",
                                                          "int8",
                                                          "text",
                                                          "numrange",
                                                          "int4range",
                                                          "int8range",
                                                          "tstzrange",
                                                          "daterange",
                                                          "tsrange",
                                                          "power",
                                                          "sqrt",
                                                          "pi",
                                                          "age",
                                                          "inet_client_addr",
                                                          "pg_backend_pid",
                                                          "current_database",
                                                          "current_schema",
                                                          "version",
                                                          "split_part",
                                                          "regexp_replace",
                                                          "initcap",
                                                          "repeat",
                                                          "lpad",
                                                          "rpad",
                                                          "greatest",
                                                          "least",
                                                          "coalesce",
                                                          "nullif",
                                                          "array_length",
                                                          "cardinality",
                                                          "string_to_array",
                                                          "array_to_string",
                                                          "jsonb_set",
                                                          "gen_salt"};
  return kStable.count(name) > 0;
}

// The first call in an expression that strata cannot prove IMMUTABLE or STABLE: a volatile
// built-in, a function the history declared VOLATILE (the default), or one it does not know.
// Iterative: an expression such as `1+1+…+1` nests once per term, deeper than a recursive walk's
// stack allows.
std::string UnprovenCall(const Node& expr, const History& history, const LintConfig& config) {
  std::vector<const Node*> todo{&expr};
  while (!todo.empty()) {
    const Node& node = *todo.back();
    todo.pop_back();
    if (node.is_object()) {
      if (const Node* fc = Get(node, "FuncCall")) {
        std::vector<std::string> names = Names(Arr(*fc, "funcname"));
        if (!names.empty()) {
          const std::string& n = names.back();
          char known = history.FunctionVolatility(n);
          auto live = config.function_volatility.find(n);
          if (known == 0 && live != config.function_volatility.end()) known = live->second;
          bool builtin = names.size() == 1 || names.front() == "pg_catalog";
          if (known == 'v' || (known == 0 && builtin && IsVolatileBuiltin(n))) return n + "()";
          if (known == 0 && !(builtin && IsNonVolatileBuiltin(n))) {
            return n + "() (not known to be IMMUTABLE or STABLE)";
          }
        }
      }
    }
    if (node.is_object() || node.is_array()) {
      // Pushed in reverse: children are visited in the order a recursive walk visits them.
      for (size_t i = node.size(); i-- > 0;) {
        if (node[i].is_structured()) todo.push_back(&node[i]);
      }
    }
  }
  return {};
}

void CheckAddColumn(const RuleContext& ctx, const std::string& table, const Node& cmd) {
  const Node* col = Get(cmd, "def") ? Get(*Get(cmd, "def"), "ColumnDef") : nullptr;
  if (col == nullptr || ctx.IsNew(table)) return;
  std::string where = table + "." + Str(*col, "colname");
  std::vector<std::string> type_names;
  if (const Node* tn = Get(*col, "typeName")) type_names = Names(Arr(*tn, "names"));
  bool not_null = false, has_default = false, pk = false, unique = false, identity = false;
  bool generated = false, foreign = false, check = false;
  std::string volatile_call;
  for (const Node& c : Arr(*col, "constraints")) {
    const Node* con = Get(c, "Constraint");
    if (con == nullptr) continue;
    std::string type = Str(*con, "contype");
    if (type == "CONSTR_NOTNULL") not_null = true;
    if (type == "CONSTR_PRIMARY") pk = true;
    if (type == "CONSTR_UNIQUE") unique = true;
    if (type == "CONSTR_IDENTITY") identity = true;
    if (type == "CONSTR_FOREIGN") foreign = true;
    if (type == "CONSTR_CHECK") check = true;
    if (type == "CONSTR_GENERATED") has_default = generated = true;
    if (type == "CONSTR_DEFAULT") {
      has_default = true;
      if (const Node* e = Get(*con, "raw_expr")) {
        volatile_call = UnprovenCall(*e, *ctx.history, *ctx.config);
      }
    }
  }
  bool serial = IsSerialTypeName(type_names);
  if ((serial || identity) && pk) {
    ctx.Flag("adding-serial-primary-key", where);
    return;
  }
  if (serial || identity || !volatile_call.empty()) {
    ctx.Flag("volatile-default", where + ": " +
                                     (serial     ? type_names[0]
                                      : identity ? "identity"
                                                 : volatile_call));
  }
  if (generated) ctx.Flag("adding-stored-generated-column", where);
  if ((not_null || pk) && !has_default && !serial && !identity) {
    ctx.Flag("adding-not-null-column", where);
  }
  if (pk || unique) ctx.Flag("unique-constraint-without-index", where);
  if (foreign) ctx.Flag("foreign-key-not-valid", where + ": REFERENCES added with the column");
  if (check) ctx.Flag("check-constraint-not-valid", where + ": CHECK added with the column");
}

void Check(const RuleContext& ctx) {
  if (ctx.type != "AlterTableStmt" || Str(*ctx.stmt, "objtype") != "OBJECT_TABLE") return;
  const Node* rel = Get(*ctx.stmt, "relation");
  if (rel == nullptr) return;
  std::string table = RangeVarKey(*rel);
  for (const Node& c : Arr(*ctx.stmt, "cmds")) {
    const Node* cmd = Get(c, "AlterTableCmd");
    if (cmd != nullptr && Str(*cmd, "subtype") == "AT_AddColumn") CheckAddColumn(ctx, table, *cmd);
  }
}

}  // namespace

const RuleFamily& AddColumnRules() {
  static const RuleFamily family{
      .rules =
          {
              {"adding-not-null-column", LintSeverity::kError,
               "adding a NOT NULL column without a default fails on a table that has rows",
               "add the column nullable (or NOT NULL with a constant DEFAULT), backfill, then add "
               "a CHECK (col IS NOT NULL) NOT VALID, VALIDATE it and SET NOT NULL",
               "PostgreSQL must fill the new column for every existing row; with no default that "
               "is NULL, which violates NOT NULL. A constant default is stored in the catalog "
               "(PostgreSQL 11+) and is instant. Tables created in the same revision, or in "
               "revisions not yet applied, are empty and not flagged.",
               true, "all"},
              {"volatile-default", LintSeverity::kError,
               "a volatile default (random(), clock_timestamp(), gen_random_uuid(), uuidv7(), "
               "nextval(), serial, identity, or a function not known to be IMMUTABLE or STABLE) "
               "rewrites the whole table under an ACCESS EXCLUSIVE lock",
               "add the column without a default, SET DEFAULT afterwards (new rows only), and "
               "backfill existing rows in batches",
               "PostgreSQL 11+ stores a non-volatile default once in the catalog, so ADD COLUMN "
               "... DEFAULT now() or DEFAULT 'x' is instant: now() and CURRENT_TIMESTAMP are "
               "STABLE and are evaluated once, giving every existing row the time of the "
               "migration. A VOLATILE function must be evaluated per row, so the table is "
               "rewritten while reads and writes wait. A function is VOLATILE unless declared "
               "otherwise: a user function counts as volatile unless a `CREATE FUNCTION ... "
               "IMMUTABLE` or `STABLE` in the history (or, with `--url`, `pg_proc.provolatile`) "
               "says so; built-ins strata does not list are flagged too.",
               true, "11+ (before 11 every default rewrites)"},
              {"adding-stored-generated-column", LintSeverity::kError,
               "ADD COLUMN ... GENERATED ALWAYS AS (...) STORED computes the value for every row: "
               "the table is rewritten under an ACCESS EXCLUSIVE lock",
               "add a plain nullable column, fill it from a trigger for new rows and backfill in "
               "batches; or add the generated column when the table is created",
               "A stored generated column is materialised in every row, so adding one to a table "
               "with rows rewrites it (PostgreSQL 12+; virtual generated columns, PostgreSQL 18, "
               "are computed on read and need no rewrite).",
               true, "12+"},
              {"adding-serial-primary-key", LintSeverity::kError,
               "adding a serial or identity primary key column rewrites the table and builds an "
               "index under an ACCESS EXCLUSIVE lock",
               "add a nullable bigint column, set its default from a sequence, backfill in "
               "batches, build a unique index concurrently, then ADD PRIMARY KEY USING INDEX",
               "Every existing row needs a value from the sequence (a rewrite), and the primary "
               "key index is built while the table is locked.",
               true, "all"},
          },
      .check = Check,
      .flagged =
          {
              {"adding-not-null-column", "ALTER TABLE t ADD COLUMN c int NOT NULL;"},
              {"adding-not-null-column", "ALTER TABLE public.t ADD COLUMN c int NOT NULL;"},
              {"volatile-default",
               "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT clock_timestamp();"},
              {"volatile-default", "ALTER TABLE t ADD COLUMN c float8 DEFAULT random();"},
              {"volatile-default", "ALTER TABLE t ADD COLUMN c uuid DEFAULT gen_random_uuid();"},
              {"volatile-default", "ALTER TABLE t ADD COLUMN c uuid DEFAULT uuidv7();"},
              {"volatile-default", "ALTER TABLE t ADD COLUMN c text DEFAULT md5(random()::text);"},
              {"volatile-default",
               "ALTER TABLE t ADD COLUMN c bigint GENERATED ALWAYS AS IDENTITY;"},
              {"volatile-default", "ALTER TABLE t ADD COLUMN c text DEFAULT make_code();"},
              {"volatile-default",
               "CREATE FUNCTION make_code() RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$;\n"
               "ALTER TABLE t ADD COLUMN c text DEFAULT make_code();"},
              {"adding-stored-generated-column",
               "ALTER TABLE t ADD COLUMN a2 int GENERATED ALWAYS AS (a * 2) STORED;"},
              {"adding-serial-primary-key", "ALTER TABLE t ADD COLUMN pk bigserial PRIMARY KEY;"},
              {"adding-serial-primary-key",
               "ALTER TABLE t ADD COLUMN pk bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY;"},
              {"foreign-key-not-valid",
               "ALTER TABLE t ADD COLUMN user_id bigint REFERENCES u (id);"},
              {"check-constraint-not-valid", "ALTER TABLE t ADD COLUMN c int CHECK (c > 0);"},
          },
      .safe =
          {
              {"adding-not-null-column", "ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0;"},
              {"adding-not-null-column", "ALTER TABLE t ADD COLUMN c int;"},
              {"adding-not-null-column",
               "CREATE TABLE n (id bigint);\nALTER TABLE n ADD COLUMN c int NOT NULL;"},
              {"volatile-default", "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now();"},
              {"volatile-default",
               "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT CURRENT_TIMESTAMP;"},
              {"volatile-default", "ALTER TABLE t ADD COLUMN c float8 DEFAULT 0.5;"},
              {"volatile-default", "ALTER TABLE t ADD COLUMN c jsonb DEFAULT '{}'::jsonb;"},
              {"volatile-default",
               "ALTER TABLE t ADD COLUMN c uuid;\nALTER TABLE t ALTER COLUMN c SET DEFAULT "
               "gen_random_uuid();"},
              {"volatile-default",
               "CREATE FUNCTION make_code() RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'x' "
               "$$;\nALTER TABLE t ADD COLUMN c text DEFAULT make_code();"},
              {"adding-stored-generated-column",
               "CREATE TABLE n (a int, a2 int GENERATED ALWAYS AS (a * 2) STORED);"},
              {"adding-serial-primary-key", "ALTER TABLE t ADD COLUMN pk bigint;"},
              {"adding-serial-primary-key",
               "CREATE TABLE n (a int);\n"
               "ALTER TABLE n ADD COLUMN pk bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY;"},
              {"foreign-key-not-valid",
               "ALTER TABLE t ADD COLUMN user_id bigint;\nALTER TABLE t ADD CONSTRAINT t_user "
               "FOREIGN KEY (user_id) REFERENCES u (id) NOT VALID;"},
              {"check-constraint-not-valid",
               "ALTER TABLE t ADD COLUMN c int;\nALTER TABLE t ADD CONSTRAINT t_c CHECK (c > 0) "
               "NOT VALID;"},
          },
  };
  return family;
}

}  // namespace strata::lint
