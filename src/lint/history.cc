// The history model (history.h).
#include "lint/history.h"

#include <fmt/format.h>

namespace strata::lint {
namespace {

// Names a user may write for a built-in type, mapped to the catalog's name (the parser itself
// maps int, integer, varchar, decimal, ... to pg_catalog names; these come through as written).
std::string CanonicalTypeName(const std::string& name) {
  static const std::unordered_map<std::string, std::string> kAliases = {
      {"serial", "int4"},      {"serial4", "int4"},     {"bigserial", "int8"}, {"serial8", "int8"},
      {"smallserial", "int2"}, {"serial2", "int2"},     {"integer", "int4"},   {"int", "int4"},
      {"smallint", "int2"},    {"bigint", "int8"},      {"boolean", "bool"},   {"real", "float4"},
      {"decimal", "numeric"},  {"character", "bpchar"}, {"char", "bpchar"}};
  auto it = kAliases.find(name);
  return it == kAliases.end() ? name : it->second;
}

Column ColumnOf(const Node& column_def) {
  Column c;
  if (const Node* tn = Get(column_def, "typeName")) c.type = TypeOf(*tn);
  for (const Node& item : Arr(column_def, "constraints")) {
    const Node* con = Get(item, "Constraint");
    if (con == nullptr) continue;
    std::string type = Str(*con, "contype");
    if (type == "CONSTR_NOTNULL" || type == "CONSTR_PRIMARY") c.not_null = true;
  }
  return c;
}

// CHECK (col IS NOT NULL): the column, else "".
std::string NotNullCheckColumn(const Node& con) {
  const Node* expr = Get(con, "raw_expr");
  const Node* nt = expr != nullptr ? Get(*expr, "NullTest") : nullptr;
  if (nt == nullptr || Str(*nt, "nulltesttype") != "IS_NOT_NULL") return {};
  const Node* ref = Get(*nt, "arg") ? Get(*Get(*nt, "arg"), "ColumnRef") : nullptr;
  std::vector<std::string> cols = ref ? Names(Arr(*ref, "fields")) : std::vector<std::string>();
  return cols.size() == 1 ? cols[0] : std::string();
}

std::string ConstraintKind(const std::string& contype) {
  if (contype == "CONSTR_CHECK") return "check";
  if (contype == "CONSTR_FOREIGN") return "foreign";
  if (contype == "CONSTR_UNIQUE") return "unique";
  if (contype == "CONSTR_PRIMARY") return "primary";
  if (contype == "CONSTR_EXCLUSION") return "exclusion";
  return "other";
}

}  // namespace

ColumnType TypeOf(const Node& type_name) {
  ColumnType t;
  std::vector<std::string> names = Names(Arr(type_name, "names"));
  if (names.empty()) return t;
  std::string schema = names.size() >= 2 ? names[names.size() - 2] : "";
  t.user_defined = !schema.empty() && schema != "pg_catalog";
  t.name = t.user_defined ? schema + "." + names.back() : CanonicalTypeName(names.back());
  for (const Node& mod : Arr(type_name, "typmods")) t.mods.push_back(ConstInt(mod, -1));
  t.array_dims = static_cast<int>(Arr(type_name, "arrayBounds").size());
  return t;
}

std::string ColumnType::ToString() const {
  std::string s = name;
  if (!mods.empty()) {
    s += "(";
    for (size_t i = 0; i < mods.size(); ++i) {
      if (i > 0) s += ',';
      s += std::to_string(mods[i]);
    }
    s += ")";
  }
  for (int i = 0; i < array_dims; ++i) s += "[]";
  return s;
}

const Table* History::FindTable(const std::string& key) const {
  auto it = tables_.find(key);
  return it == tables_.end() ? nullptr : &it->second;
}

const Column* History::FindColumn(const std::string& table, const std::string& column) const {
  const Table* t = FindTable(table);
  if (t == nullptr) return nullptr;
  auto it = t->columns.find(column);
  return it == t->columns.end() ? nullptr : &it->second;
}

std::string History::IndexTable(const std::string& index_key) const {
  auto it = index_table_.find(index_key);
  return it == index_table_.end() ? std::string() : it->second;
}

char History::FunctionVolatility(const std::string& name) const {
  auto it = functions_.find(name);
  return it == functions_.end() ? 0 : it->second;
}

void History::AddExistingTable(const std::string& key, std::map<std::string, Column> columns) {
  Table t;
  t.columns = std::move(columns);
  t.columns_known = true;
  tables_[key] = std::move(t);
}

std::string History::CreatedTable(std::string_view type, const Node& s) {
  if (type == "CreateStmt") {
    if (const Node* rel = Get(s, "relation")) return RangeVarKey(*rel);
  } else if (type == "CreateTableAsStmt") {
    const Node* into = Get(s, "into");
    const Node* rel = into != nullptr ? Get(*into, "rel") : nullptr;
    if (rel != nullptr && Str(s, "objtype") != "OBJECT_MATVIEW") return RangeVarKey(*rel);
  }
  return {};
}

void History::ApplyCreate(const Node& s, const std::string& revision) {
  std::string key = RangeVarKey(*Get(s, "relation"));
  if (Bool(s, "if_not_exists") && tables_.count(key) > 0) return;
  Table t;
  t.created_in = revision;
  t.columns_known = Arr(s, "inhRelations").empty();
  for (const Node& elt : Arr(s, "tableElts")) {
    if (const Node* col = Get(elt, "ColumnDef")) {
      t.columns[Str(*col, "colname")] = ColumnOf(*col);
    } else if (const Node* con = Get(elt, "Constraint")) {
      Constraint c;
      c.kind = ConstraintKind(Str(*con, "contype"));
      c.not_null_column = NotNullCheckColumn(*con);
      if (!c.not_null_column.empty()) t.validated_not_null.insert(c.not_null_column);
      if (!Str(*con, "conname").empty()) t.constraints[Str(*con, "conname")] = c;
    } else {
      t.columns_known = false;  // LIKE other_table
    }
  }
  tables_[key] = std::move(t);
}

void History::ApplyAlterTable(const Node& s, const std::string& revision) {
  if (Str(s, "objtype") != "OBJECT_TABLE") return;
  const Node* rel = Get(s, "relation");
  if (rel == nullptr) return;
  std::string key = RangeVarKey(*rel);
  auto found = tables_.find(key);
  if (found == tables_.end()) found = tables_.emplace(key, Table()).first;
  Table& t = found->second;
  for (const Node& c : Arr(s, "cmds")) {
    const Node* cmd = Get(c, "AlterTableCmd");
    if (cmd == nullptr) continue;
    std::string sub = Str(*cmd, "subtype");
    std::string name = Str(*cmd, "name");
    const Node* def = Get(*cmd, "def");
    if (sub == "AT_AddColumn" && def != nullptr) {
      if (const Node* cd = Get(*def, "ColumnDef")) {
        std::string col = Str(*cd, "colname");
        if (!(Bool(*cmd, "missing_ok") && t.columns.count(col) > 0)) t.columns[col] = ColumnOf(*cd);
      }
    } else if (sub == "AT_DropColumn") {
      t.columns.erase(name);
      t.validated_not_null.erase(name);
    } else if (sub == "AT_AlterColumnType" && def != nullptr) {
      const Node* cd = Get(*def, "ColumnDef");
      const Node* tn = cd != nullptr ? Get(*cd, "typeName") : nullptr;
      if (tn != nullptr) t.columns[name].type = TypeOf(*tn);
    } else if (sub == "AT_SetNotNull") {
      t.columns[name].not_null = true;
    } else if (sub == "AT_DropNotNull") {
      t.columns[name].not_null = false;
    } else if (sub == "AT_AddConstraint" && def != nullptr) {
      const Node* con = Get(*def, "Constraint");
      if (con == nullptr) continue;
      Constraint k;
      k.kind = ConstraintKind(Str(*con, "contype"));
      k.validated = !Bool(*con, "skip_validation");
      if (!k.validated) k.not_valid_in = revision;
      k.not_null_column = NotNullCheckColumn(*con);
      if (!k.not_null_column.empty() && k.validated) t.validated_not_null.insert(k.not_null_column);
      std::string conname = Str(*con, "conname");
      if (!conname.empty()) t.constraints[conname] = k;
    } else if (sub == "AT_ValidateConstraint") {
      auto it = t.constraints.find(name);
      if (it != t.constraints.end()) {
        it->second.validated = true;
        if (!it->second.not_null_column.empty()) {
          t.validated_not_null.insert(it->second.not_null_column);
        }
      }
    } else if (sub == "AT_DropConstraint") {
      t.constraints.erase(name);
    }
  }
}

void History::ApplyRename(const Node& s) {
  std::string type = Str(s, "renameType");
  const Node* rel = Get(s, "relation");
  if (rel == nullptr) return;
  std::string key = RangeVarKey(*rel);
  if (type == "OBJECT_TABLE") {
    std::string to = QualifiedKey(Str(*rel, "schemaname"), Str(s, "newname"));
    auto it = tables_.find(key);
    Table t = it == tables_.end() ? Table() : std::move(it->second);
    if (it != tables_.end()) tables_.erase(it);
    tables_[to] = std::move(t);
    for (auto& [index, table] : index_table_) {
      if (table == key) table = to;
    }
  } else if (type == "OBJECT_COLUMN") {
    auto it = tables_.find(key);
    if (it == tables_.end()) return;
    Table& t = it->second;
    std::string from = Str(s, "subname"), to = Str(s, "newname");
    auto col = t.columns.find(from);
    if (col != t.columns.end()) {
      Column c = col->second;
      t.columns.erase(col);
      t.columns[to] = c;
    }
    if (t.validated_not_null.erase(from) > 0) t.validated_not_null.insert(to);
  } else if (type == "OBJECT_INDEX") {
    auto it = index_table_.find(key);
    if (it != index_table_.end()) {
      std::string table = it->second;
      index_table_.erase(it);
      index_table_[QualifiedKey(Str(*rel, "schemaname"), Str(s, "newname"))] = table;
    }
  }
}

void History::Apply(const Node& statement, const std::string& revision) {
  auto [type, body] = NodeOf(statement);
  if (body == nullptr) return;
  const Node& s = *body;
  if (type == "CreateStmt") {
    if (Get(s, "relation") != nullptr) ApplyCreate(s, revision);
  } else if (type == "CreateTableAsStmt") {
    std::string key = CreatedTable(type, s);
    if (!key.empty() && !(Bool(s, "if_not_exists") && tables_.count(key) > 0)) {
      Table t;
      t.created_in = revision;
      tables_[key] = std::move(t);
    }
  } else if (type == "AlterTableStmt") {
    ApplyAlterTable(s, revision);
  } else if (type == "RenameStmt") {
    ApplyRename(s);
  } else if (type == "IndexStmt") {
    const Node* rel = Get(s, "relation");
    std::string name = Str(s, "idxname");
    if (rel != nullptr && !name.empty()) {
      index_table_[QualifiedKey(Str(*rel, "schemaname"), name)] = RangeVarKey(*rel);
    }
  } else if (type == "DropStmt") {
    std::string kind = Str(s, "removeType");
    for (const Node& obj : Arr(s, "objects")) {
      const Node* list = Get(obj, "List");
      if (list == nullptr) continue;
      std::string key = NamesKey(Names(Arr(*list, "items")));
      if (kind == "OBJECT_TABLE") tables_.erase(key);
      if (kind == "OBJECT_INDEX") index_table_.erase(key);
    }
    if (kind == "OBJECT_SCHEMA") {
      for (const Node& obj : Arr(s, "objects")) {
        if (const Node* str = Get(obj, "String")) schemas_.erase(Str(*str, "sval"));
      }
    }
  } else if (type == "CreateSchemaStmt") {
    schemas_.insert(Str(s, "schemaname"));
  } else if (type == "CreateFunctionStmt") {
    std::vector<std::string> names = Names(Arr(s, "funcname"));
    if (names.empty()) return;
    char volatility = 'v';  // PostgreSQL's default
    for (const Node& o : Arr(s, "options")) {
      const Node* d = Get(o, "DefElem");
      if (d == nullptr || Str(*d, "defname") != "volatility") continue;
      const Node* arg = Get(*d, "arg");
      const Node* str = arg != nullptr ? Get(*arg, "String") : nullptr;
      std::string v = str != nullptr ? Str(*str, "sval") : "";
      if (v == "immutable") volatility = 'i';
      if (v == "stable") volatility = 's';
    }
    functions_[names.back()] = volatility;
  }
}

}  // namespace strata::lint
