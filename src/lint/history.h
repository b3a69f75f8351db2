// The history model every rule reads: what the revisions before this statement did to the
// schema, in upgrade order. Tables (who created them), their columns with their types and NOT
// NULL, their constraints (kind, validated or NOT VALID, and which CHECK (col IS NOT NULL)
// proves a column non-null), indexes and the table each belongs to, schemas, and the volatility
// of functions the history created.
//
// The linter applies each statement of an upgrade section after the rules have seen it; a
// downgrade section changes nothing (it undoes its upgrade; the next upgrade starts from the
// upgrade's state). With --url the model is seeded from the live catalog first.
#ifndef STRATA_LINT_HISTORY_H_
#define STRATA_LINT_HISTORY_H_

#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "lint/tree.h"

namespace strata::lint {

// A column type as PostgreSQL's parser reads it: the canonical catalog name ("int4" for int,
// integer and serial; "varchar" for character varying), its integer modifiers (varchar(20) ->
// {20}; numeric(10, 2) -> {10, 2}) and its array dimensions.
struct ColumnType {
  std::string name;  // "" = unknown
  std::vector<long> mods;
  int array_dims = 0;
  bool user_defined = false;  // a name outside pg_catalog: a domain, enum or extension type

  bool known() const { return !name.empty(); }
  bool operator==(const ColumnType&) const = default;
  std::string ToString() const;  // varchar(20), numeric(10,2), int4[]
};

// The type a TypeName node names.
ColumnType TypeOf(const Node& type_name);

struct Column {
  ColumnType type;
  bool not_null = false;
};

struct Constraint {
  std::string kind;  // "check", "foreign", "unique", "primary", "exclusion", "other"
  bool validated = true;
  std::string not_valid_in;     // revision that added it NOT VALID, if it did
  std::string not_null_column;  // CHECK (col IS NOT NULL): the column
};

struct Table {
  std::string created_in;      // revision id; "" = not created by one (made outside strata)
  bool columns_known = false;  // every column is in `columns` (CREATE TABLE with a plain list)
  std::map<std::string, Column> columns;
  std::map<std::string, Constraint> constraints;
  std::unordered_set<std::string> validated_not_null;  // columns a validated check proves
};

class History {
 public:
  const Table* FindTable(const std::string& key) const;
  const Column* FindColumn(const std::string& table, const std::string& column) const;
  // The table an index belongs to; "" when unknown.
  std::string IndexTable(const std::string& index_key) const;
  bool HasSchema(const std::string& name) const { return schemas_.count(name) > 0; }
  // 'i', 's' or 'v' for a function the history created (or the catalog listed); 0 if unknown.
  char FunctionVolatility(const std::string& name) const;

  // Updates the model with one statement ({"AlterTableStmt": {...}}) of revision `revision`'s
  // upgrade section.
  void Apply(const Node& statement, const std::string& revision);

  // Seeding from a live catalog (--url): a table made outside the history, with its columns.
  void AddExistingTable(const std::string& key, std::map<std::string, Column> columns);
  void AddFunction(const std::string& name, char volatility) { functions_[name] = volatility; }

  // The tables a CREATE TABLE / CREATE TABLE AS / SELECT INTO statement creates ("" if none).
  static std::string CreatedTable(std::string_view type, const Node& body);

 private:
  void ApplyAlterTable(const Node& s, const std::string& revision);
  void ApplyRename(const Node& s);
  void ApplyCreate(const Node& s, const std::string& revision);

  std::unordered_map<std::string, Table> tables_;
  std::unordered_map<std::string, std::string> index_table_;  // index key -> table key
  std::unordered_set<std::string> schemas_;
  std::unordered_map<std::string, char> functions_;
};

}  // namespace strata::lint

#endif  // STRATA_LINT_HISTORY_H_
