// The linter: parses each section with libpg_query, walks the JSON parse tree, applies the rules
// of rules.cc, and keeps the history model (tables, validated NOT NULL checks, indexes).
//
// Parsing: the whole section is parsed at once (the fast path). When that fails, the section is
// split with libpg_query's scanner (which copes with $$ bodies and comments) and each statement
// is parsed alone, so one bad statement is reported at its own file:line and the rest are still
// checked.
#include <fmt/format.h>
#include <pg_query.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "core/large_stack.h"
#include "sqlsplit/sql_windows.h"
#include "strata/lint.h"

namespace strata {
namespace {

using Json = nlohmann::json;

const Json* Get(const Json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string Str(const Json& j, const char* key) {
  const Json* v = Get(j, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

bool Bool(const Json& j, const char* key) {
  const Json* v = Get(j, key);
  return v != nullptr && v->is_boolean() && v->get<bool>();
}

const Json& Arr(const Json& j, const char* key) {
  static const Json empty = Json::array();
  const Json* v = Get(j, key);
  return v != nullptr && v->is_array() ? *v : empty;
}

// The single key of a node such as {"AlterTableStmt": {...}}.
std::pair<std::string_view, const Json*> NodeOf(const Json& node) {
  if (!node.is_object() || node.empty()) return {{}, nullptr};
  auto it = node.begin();
  return {it.key(), &it.value()};
}

// ["a", "b"] out of [{"String":{"sval":"a"}}, {"String":{"sval":"b"}}].
std::vector<std::string> Names(const Json& list) {
  std::vector<std::string> out;
  for (const Json& item : list) {
    if (const Json* s = Get(item, "String")) out.push_back(Str(*s, "sval"));
  }
  return out;
}

// "users" for public.users and users; "audit.users" otherwise.
std::string QualifiedKey(const std::string& schema, const std::string& name) {
  return schema.empty() || schema == "public" ? name : schema + "." + name;
}

std::string RangeVarKey(const Json& rv) {
  return QualifiedKey(Str(rv, "schemaname"), Str(rv, "relname"));
}

std::string NamesKey(const std::vector<std::string>& names) {
  if (names.empty()) return {};
  return QualifiedKey(names.size() >= 2 ? names[names.size() - 2] : "", names.back());
}

// Skips blanks, comments and `;` from `pos`. Records `--` comments as [begin, end) offsets.
size_t SkipBlanksAndComments(std::string_view s, size_t pos,
                             std::vector<std::pair<size_t, size_t>>* comments) {
  while (pos < s.size()) {
    char c = s[pos];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == ';') {
      ++pos;
    } else if (c == '-' && pos + 1 < s.size() && s[pos + 1] == '-') {
      size_t end = s.find('\n', pos);
      if (end == std::string_view::npos) end = s.size();
      if (comments != nullptr) comments->emplace_back(pos, end);
      pos = end;
    } else if (c == '/' && pos + 1 < s.size() && s[pos + 1] == '*') {
      int depth = 1;  // PostgreSQL block comments nest
      pos += 2;
      while (pos < s.size() && depth > 0) {
        if (s.compare(pos, 2, "/*") == 0) {
          ++depth;
          pos += 2;
        } else if (s.compare(pos, 2, "*/") == 0) {
          --depth;
          pos += 2;
        } else {
          ++pos;
        }
      }
    } else {
      break;
    }
  }
  return std::min(pos, s.size());
}

// Rule ids named by a `-- strata:allow a, b` comment; empty for any other comment.
std::vector<std::string> AllowedBy(std::string_view comment) {
  std::vector<std::string> ids;
  size_t i = 2;  // past "--"
  while (i < comment.size() && (comment[i] == ' ' || comment[i] == '\t')) ++i;
  constexpr std::string_view kTag = "strata:allow";
  if (comment.substr(i, kTag.size()) != kTag) return ids;
  i += kTag.size();
  std::string cur;
  for (; i <= comment.size(); ++i) {
    char c = i < comment.size() ? comment[i] : ',';
    if (c == ',' || c == ' ' || c == '\t' || c == '\r') {
      if (!cur.empty()) ids.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  return ids;
}

// Byte offset of the 1-based character position `pos` (the parser's cursorpos counts
// characters, not bytes).
size_t CharPositionToOffset(std::string_view text, int pos) {
  size_t offset = 0;
  for (int chars = 1; chars < pos && offset < text.size(); ++chars) {
    ++offset;
    while (offset < text.size() && (static_cast<unsigned char>(text[offset]) & 0xC0) == 0x80) {
      ++offset;
    }
  }
  return std::min(offset, text.size());
}

// One statement of a section: its parse tree, or the parser's error.
struct Statement {
  Json tree;             // {"AlterTableStmt": {...}}; null when it did not parse
  std::string error;     // the parser's message
  size_t location = 0;   // where the statement's text starts (after the previous `;`)
  size_t length = 0;     // 0 = to the end of the section
  size_t start = 0;      // first token
  size_t error_at = 0;   // offset of the parse error
  size_t too_large = 0;  // non-blank characters, when more than the parser is given
  std::vector<std::string> allow;
};

// Splits and parses a section (or a window of one). Never fails: problems become statements
// carrying an error. A deep statement needs a large stack (core/large_stack.h): LintSection runs
// big sections on one. A statement too large to parse even so comes back marked `too_large`.
// With `ends_early` given, a text whose parse runs out of input inside a statement (a window cut
// inside a BEGIN ATOMIC body) sets it and returns nothing.
std::vector<Statement> ParseSection(const std::string& sql, bool* ends_early = nullptr) {
  std::vector<Statement> out;
  // Whole, unless some statement in it may be too large: then one statement at a time, below.
  if (sql.size() <= kMaxParseChars || NonBlankChars(sql) <= kMaxParseChars) {
    PgQueryParseResult parsed = pg_query_parse(sql.c_str());
    if (parsed.error != nullptr && ends_early != nullptr &&
        EndsInsideAStatement(parsed.error->cursorpos, sql.size())) {
      pg_query_free_parse_result(parsed);
      *ends_early = true;
      return out;
    }
    if (parsed.error == nullptr) {
      Json doc = Json::parse(parsed.parse_tree, nullptr, /*allow_exceptions=*/false);
      pg_query_free_parse_result(parsed);
      // Invalid UTF-8 in the SQL makes the parser's JSON unreadable: find the statement below.
      if (doc.is_object() && doc.contains("stmts") && doc["stmts"].is_array()) {
        for (Json& s : doc["stmts"]) {
          Statement st;
          st.location = s.value("stmt_location", size_t{0});
          st.length = s.value("stmt_len", size_t{0});
          st.tree = std::move(s["stmt"]);
          out.push_back(std::move(st));
        }
        return out;
      }
    } else {
      pg_query_free_parse_result(parsed);
    }
  } else if (ends_early != nullptr) {
    // Too large to turn into JSON here, but the parser alone (no tree walk) still tells whether
    // the text ends inside a statement.
    PgQuerySplitResult probe = pg_query_split_with_parser(sql.c_str());
    *ends_early =
        probe.error != nullptr && EndsInsideAStatement(probe.error->cursorpos, sql.size());
    pg_query_free_split_result(probe);
    if (*ends_early) return out;
  }

  PgQuerySplitResult split = pg_query_split_with_scanner(sql.c_str());
  if (split.error != nullptr) {
    Statement st;
    st.error = split.error->message;
    st.error_at =
        split.error->cursorpos > 0 ? CharPositionToOffset(sql, split.error->cursorpos) : 0;
    out.push_back(std::move(st));
    pg_query_free_split_result(split);
    return out;
  }
  // The scanner leaves out statements it cannot classify (one starting with a misspelt
  // keyword, say), so text between the pieces it returns is parsed as well.
  std::vector<std::pair<size_t, size_t>> pieces;  // [location, length)
  size_t cursor = 0;
  auto add_gap = [&](size_t end) {
    if (end > cursor &&
        SkipBlanksAndComments(std::string_view(sql).substr(0, end), cursor, nullptr) < end) {
      pieces.emplace_back(cursor, end - cursor);
    }
  };
  for (int i = 0; i < split.n_stmts; ++i) {
    size_t loc = std::min<size_t>(split.stmts[i]->stmt_location, sql.size());
    size_t len = split.stmts[i]->stmt_len;
    if (len == 0 || loc + len > sql.size()) len = sql.size() - loc;
    if (loc < cursor) continue;
    add_gap(loc);
    pieces.emplace_back(loc, len);
    cursor = loc + len;
  }
  add_gap(sql.size());
  for (const auto& [loc, len] : pieces) {
    std::string text = sql.substr(loc, len);
    if (size_t chars = NonBlankChars(text); chars > kMaxParseChars) {
      Statement st;
      st.location = loc;
      st.length = len;
      st.too_large = chars;
      st.error_at = loc + SkipBlanksAndComments(text, 0, nullptr);
      out.push_back(std::move(st));
      continue;
    }
    PgQueryParseResult one = pg_query_parse(text.c_str());
    if (one.error != nullptr) {
      Statement st;
      st.location = loc;
      st.length = len;
      st.error = one.error->message;
      st.error_at =
          loc + (one.error->cursorpos > 0 ? CharPositionToOffset(text, one.error->cursorpos)
                                          : SkipBlanksAndComments(text, 0, nullptr));
      out.push_back(std::move(st));
    } else {
      Json doc = Json::parse(one.parse_tree, nullptr, false);
      if (!doc.is_object() || !doc.contains("stmts") || !doc["stmts"].is_array()) {
        Statement st;
        st.location = loc;
        st.length = len;
        st.error = "invalid UTF-8 in the statement";
        st.error_at = loc + SkipBlanksAndComments(text, 0, nullptr);
        out.push_back(std::move(st));
        doc = Json::object({{"stmts", Json::array()}});
      }
      for (Json& s : doc["stmts"]) {
        Statement st;
        st.location = loc + s.value("stmt_location", size_t{0});
        size_t inner = s.value("stmt_len", size_t{0});
        st.length = inner == 0 ? len - s.value("stmt_location", size_t{0}) : inner;
        st.tree = std::move(s["stmt"]);
        out.push_back(std::move(st));
      }
    }
    pg_query_free_parse_result(one);
  }
  pg_query_free_split_result(split);
  return out;
}

// Finds each statement's first token and attaches `-- strata:allow` comments: those on the
// lines before a statement belong to it; one on the same line as the end of the previous
// statement (`...; -- strata:allow x`) belongs to that previous statement. Returns the ids named
// before the first statement (file-level allows for rules such as missing-downgrade).
std::vector<std::string> LocateStatements(std::string_view sql, std::vector<Statement>& stmts) {
  std::vector<std::string> leading;
  std::vector<std::pair<size_t, size_t>> comments;
  for (size_t i = 0; i <= stmts.size(); ++i) {
    // The gap between the previous statement's end and this statement's first token.
    size_t gap_begin = 0;
    if (i > 0) {
      const Statement& prev = stmts[i - 1];
      gap_begin = prev.length == 0 ? sql.size() : std::min(prev.location + prev.length, sql.size());
    }
    comments.clear();
    size_t start = SkipBlanksAndComments(sql, gap_begin, &comments);
    if (i < stmts.size()) stmts[i].start = std::max(start, std::min(stmts[i].location, sql.size()));
    for (const auto& [b, e] : comments) {
      std::vector<std::string> ids = AllowedBy(sql.substr(b, e - b));
      if (ids.empty()) continue;
      bool same_line_as_prev =
          i > 0 && sql.substr(gap_begin, b - gap_begin).find('\n') == std::string_view::npos;
      std::vector<std::string>* into = nullptr;
      if (same_line_as_prev) {
        into = &stmts[i - 1].allow;
      } else if (i < stmts.size()) {
        into = &stmts[i].allow;
      }
      if (into != nullptr) into->insert(into->end(), ids.begin(), ids.end());
      if (i == 0) leading.insert(leading.end(), ids.begin(), ids.end());
    }
  }
  return leading;
}

// Built-in functions whose volatility makes ADD COLUMN ... DEFAULT f() rewrite the table.
bool IsVolatileFunction(const std::string& name) {
  static const std::unordered_set<std::string> kVolatile = {
      "random",          "random_normal",    "clock_timestamp",    "timeofday",
      "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4",
      "nextval",         "gen_random_bytes", "txid_current",       "pg_current_xact_id"};
  return kVolatile.count(name) > 0;
}

// The first volatile function called anywhere in an expression, or "". Iterative: an expression
// such as `1+1+…+1` nests once per term, deeper than a recursive walk's stack allows.
std::string VolatileCall(const Json& expr) {
  std::vector<const Json*> todo{&expr};
  while (!todo.empty()) {
    const Json& node = *todo.back();
    todo.pop_back();
    if (node.is_object()) {
      if (const Json* fc = Get(node, "FuncCall")) {
        std::vector<std::string> names = Names(Arr(*fc, "funcname"));
        if (!names.empty() && IsVolatileFunction(names.back())) return names.back() + "()";
      }
    }
    if (node.is_object() || node.is_array()) {
      // Pushed in reverse: children are visited in the order a recursive walk visits them.
      for (auto it = node.rbegin(); it != node.rend(); ++it) {
        if (it->is_structured()) todo.push_back(&*it);
      }
    }
  }
  return {};
}

bool IsSerialType(const std::vector<std::string>& names) {
  if (names.size() != 1) return false;
  const std::string& n = names[0];
  return n == "serial" || n == "serial4" || n == "bigserial" || n == "serial8" ||
         n == "smallserial" || n == "serial2";
}

// Rules that a downgrade section is not checked for: it undoes its upgrade, so dropping what
// the upgrade added, renaming back or restoring an old type is the point.
bool ExemptInDowngrade(std::string_view rule) {
  return rule == "dropping-column" || rule == "dropping-table" || rule == "renaming-column" ||
         rule == "renaming-table" || rule == "changing-column-type" || rule == "prefer-jsonb" ||
         rule == "prefer-text" || rule == "prefer-timestamptz" || rule == "avoid-char" ||
         rule == "avoid-money" || rule == "prefer-identity";
}

}  // namespace

struct Linter::Impl {
  struct Table {
    std::string created_in;                              // revision id; "" = not created by one
    std::map<std::string, std::string> null_checks;      // constraint name -> column
    std::unordered_set<std::string> validated_not_null;  // columns
  };

  LintConfig config;
  LintReport report;
  std::unordered_set<std::string> allow_everywhere;
  std::unordered_map<std::string, Table> tables;
  std::unordered_map<std::string, std::string> index_table;  // index key -> table key

  // State of the section being linted.
  const Revision* rev = nullptr;
  const SqlSection* section = nullptr;
  bool downgrade = false;
  bool reporting = true;
  bool mutate = true;  // downgrades do not change the history model
  bool lock_timeout_set = false;
  bool lock_timeout_reported = false;
  std::vector<size_t> line_starts;
  const Statement* stmt = nullptr;

  int LineOf(size_t offset) const {
    auto it = std::upper_bound(line_starts.begin(), line_starts.end(), offset);
    return section->first_line + static_cast<int>(it - line_starts.begin()) - 1;
  }

  bool IsNew(const std::string& table) const {
    auto it = tables.find(table);
    if (it == tables.end() || it->second.created_in.empty()) return false;
    if (it->second.created_in == rev->id) return true;
    return config.pending && config.pending->count(it->second.created_in) > 0;
  }

  void Emit(std::string_view rule_id, std::string detail, int line,
            const std::vector<std::string>* allow) {
    if (!reporting) return;
    const LintRule* rule = FindLintRule(rule_id);
    if (rule == nullptr) return;
    if (config.dialect == LintDialect::kSqlite && rule->postgres_only) return;
    if (downgrade && ExemptInDowngrade(rule_id)) return;
    std::string id(rule_id);
    if (allow_everywhere.count(id) > 0 ||
        (allow != nullptr && std::find(allow->begin(), allow->end(), id) != allow->end())) {
      ++report.silenced;
      return;
    }
    LintFinding f;
    f.rule = id;
    f.severity = rule->severity;
    f.file = rev->path;
    f.line = line;
    f.revision = rev->id;
    f.section = section == nullptr ? "" : (downgrade ? "downgrade" : "upgrade");
    f.detail = std::move(detail);
    f.risk = std::string(rule->risk);
    f.safe_pattern = std::string(rule->safe_pattern);
    report.findings.push_back(std::move(f));
  }
  void Flag(std::string_view rule_id, std::string detail = {}) {
    Emit(rule_id, std::move(detail), LineOf(stmt->start), &stmt->allow);
  }

  void NeedsLockTimeout(const std::string& table) {
    if (config.statement_lock_timeout_set || lock_timeout_set || lock_timeout_reported) return;
    if (IsNew(table)) return;
    lock_timeout_reported = true;
    Flag("missing-lock-timeout", table);
  }

  void CheckType(const Json& type_name, const std::string& where) {
    std::vector<std::string> names = Names(Arr(type_name, "names"));
    if (names.empty()) return;
    const std::string& n = names.back();
    bool catalog = names.size() == 1 || names.front() == "pg_catalog";
    if (!catalog) return;
    if (n == "json") {
      Flag("prefer-jsonb", where);
    } else if (n == "varchar" && !Arr(type_name, "typmods").empty()) {
      Flag("prefer-text", where);
    } else if (n == "timestamp") {
      Flag("prefer-timestamptz", where);
    } else if (n == "bpchar") {
      Flag("avoid-char", where);
    } else if (n == "money") {
      Flag("avoid-money", where);
    } else if (IsSerialType(names)) {
      Flag("prefer-identity", where);
    }
  }

  void RobustOnly(bool has_if_exists, const std::string& what) {
    if (!rev->transactional && !has_if_exists) Flag("missing-if-exists", what);
  }

  void CreatedTable(const std::string& key) {
    if (!mutate) return;
    Table t;
    t.created_in = rev->id;
    tables[key] = std::move(t);
  }

  void OnCreateStmt(const Json& s) {
    std::string table = RangeVarKey(*Get(s, "relation"));
    RobustOnly(Bool(s, "if_not_exists"), "CREATE TABLE " + table);
    for (const Json& elt : Arr(s, "tableElts")) {
      if (const Json* col = Get(elt, "ColumnDef")) {
        if (const Json* tn = Get(*col, "typeName"))
          CheckType(*tn, table + "." + Str(*col, "colname"));
      }
    }
    if (!(Bool(s, "if_not_exists") && tables.count(table) > 0)) CreatedTable(table);
  }

  void OnAddColumn(const std::string& table, bool is_new, const Json& cmd) {
    const Json* col = Get(cmd, "def") ? Get(*Get(cmd, "def"), "ColumnDef") : nullptr;
    if (col == nullptr) return;
    std::string where = table + "." + Str(*col, "colname");
    RobustOnly(Bool(cmd, "missing_ok"), "ADD COLUMN " + where);
    std::vector<std::string> type_names;
    if (const Json* tn = Get(*col, "typeName")) {
      CheckType(*tn, where);
      type_names = Names(Arr(*tn, "names"));
    }
    if (is_new) return;
    bool not_null = false, has_default = false, pk = false, unique = false, identity = false;
    std::string volatile_call;
    for (const Json& c : Arr(*col, "constraints")) {
      const Json* con = Get(c, "Constraint");
      if (con == nullptr) continue;
      std::string type = Str(*con, "contype");
      if (type == "CONSTR_NOTNULL") not_null = true;
      if (type == "CONSTR_PRIMARY") pk = true;
      if (type == "CONSTR_UNIQUE") unique = true;
      if (type == "CONSTR_IDENTITY") identity = true;
      if (type == "CONSTR_GENERATED") has_default = true;
      if (type == "CONSTR_DEFAULT") {
        has_default = true;
        if (const Json* e = Get(*con, "raw_expr")) volatile_call = VolatileCall(*e);
      }
    }
    bool serial = IsSerialType(type_names);
    if ((serial || identity) && pk) {
      Flag("adding-serial-primary-key", where);
      return;
    }
    if (serial || identity || !volatile_call.empty()) {
      Flag("volatile-default", where + ": " +
                                   (serial     ? type_names[0]
                                    : identity ? "identity"
                                               : volatile_call));
    }
    if ((not_null || pk) && !has_default && !serial && !identity) {
      Flag("adding-not-null-column", where);
    }
    if (pk || unique) Flag("unique-constraint-without-index", where);
  }

  void OnAddConstraint(const std::string& table, bool is_new, const Json& con) {
    std::string type = Str(con, "contype");
    std::string name = Str(con, "conname");
    std::string where = table + (name.empty() ? "" : "." + name);
    bool validates = Bool(con, "initially_valid") && !Bool(con, "skip_validation");
    if (type == "CONSTR_FOREIGN") {
      if (!is_new && validates) Flag("foreign-key-not-valid", where);
    } else if (type == "CONSTR_CHECK") {
      if (!is_new && validates) Flag("check-constraint-not-valid", where);
      // CHECK (col IS NOT NULL): what makes a later SET NOT NULL instant once validated.
      const Json* nt = Get(con, "raw_expr") ? Get(*Get(con, "raw_expr"), "NullTest") : nullptr;
      if (nt != nullptr && Str(*nt, "nulltesttype") == "IS_NOT_NULL" && mutate) {
        const Json* ref = Get(*nt, "arg") ? Get(*Get(*nt, "arg"), "ColumnRef") : nullptr;
        std::vector<std::string> cols =
            ref ? Names(Arr(*ref, "fields")) : std::vector<std::string>();
        if (cols.size() == 1) {
          Table& t = tables[table];
          if (!name.empty()) t.null_checks[name] = cols[0];
          if (validates) t.validated_not_null.insert(cols[0]);
        }
      }
    } else if (type == "CONSTR_UNIQUE" || type == "CONSTR_PRIMARY") {
      if (!is_new && Str(con, "indexname").empty()) Flag("unique-constraint-without-index", where);
    }
  }

  void OnAlterTable(const Json& s) {
    if (Str(s, "objtype") != "OBJECT_TABLE") return;
    const Json* rel = Get(s, "relation");
    if (rel == nullptr) return;
    std::string table = RangeVarKey(*rel);
    bool is_new = IsNew(table);
    NeedsLockTimeout(table);
    for (const Json& c : Arr(s, "cmds")) {
      const Json* cmd = Get(c, "AlterTableCmd");
      if (cmd == nullptr) continue;
      std::string sub = Str(*cmd, "subtype");
      std::string column = Str(*cmd, "name");
      const Json* def = Get(*cmd, "def");
      if (sub == "AT_AddColumn") {
        OnAddColumn(table, is_new, *cmd);
      } else if (sub == "AT_DropColumn") {
        RobustOnly(Bool(*cmd, "missing_ok"), "DROP COLUMN " + table + "." + column);
        if (!is_new) Flag("dropping-column", table + "." + column);
      } else if (sub == "AT_AlterColumnType") {
        if (def != nullptr) {
          if (const Json* cd = Get(*def, "ColumnDef")) {
            if (const Json* tn = Get(*cd, "typeName")) CheckType(*tn, table + "." + column);
          }
        }
        if (!is_new) Flag("changing-column-type", table + "." + column);
      } else if (sub == "AT_SetNotNull") {
        auto it = tables.find(table);
        bool proven = it != tables.end() && it->second.validated_not_null.count(column) > 0;
        if (!is_new && !proven) Flag("setting-not-null", table + "." + column);
      } else if (sub == "AT_AddConstraint" && def != nullptr) {
        if (const Json* con = Get(*def, "Constraint")) OnAddConstraint(table, is_new, *con);
      } else if (sub == "AT_ValidateConstraint" && mutate) {
        auto it = tables.find(table);
        if (it != tables.end()) {
          auto check = it->second.null_checks.find(column);
          if (check != it->second.null_checks.end()) {
            it->second.validated_not_null.insert(check->second);
          }
        }
      } else if (sub == "AT_DropConstraint") {
        RobustOnly(Bool(*cmd, "missing_ok"), "DROP CONSTRAINT " + table + "." + column);
      } else if (sub == "AT_DetachPartition" && def != nullptr) {
        const Json* pc = Get(*def, "PartitionCmd");
        if (pc != nullptr && Bool(*pc, "concurrent")) {
          if (rev->transactional) Flag("concurrently-in-transaction", "DETACH PARTITION");
        } else {
          Flag("detach-partition-not-concurrently", table);
        }
      }
    }
  }

  void OnRename(const Json& s) {
    std::string type = Str(s, "renameType");
    const Json* rel = Get(s, "relation");
    if (rel == nullptr) return;
    std::string key = RangeVarKey(*rel);
    if (type == "OBJECT_TABLE") {
      NeedsLockTimeout(key);
      if (!IsNew(key)) Flag("renaming-table", key + " -> " + Str(s, "newname"));
      if (mutate) {
        std::string to = QualifiedKey(Str(*rel, "schemaname"), Str(s, "newname"));
        auto it = tables.find(key);
        Table t = it == tables.end() ? Table() : std::move(it->second);
        if (it != tables.end()) tables.erase(it);
        tables[to] = std::move(t);
        for (auto& [index, table] : index_table) {
          if (table == key) table = to;
        }
      }
    } else if (type == "OBJECT_COLUMN" && Str(s, "relationType") == "OBJECT_TABLE") {
      NeedsLockTimeout(key);
      if (!IsNew(key)) Flag("renaming-column", key + "." + Str(s, "subname"));
    } else if (type == "OBJECT_INDEX" && mutate) {
      auto it = index_table.find(key);
      if (it != index_table.end()) {
        std::string table = it->second;
        index_table.erase(it);
        index_table[QualifiedKey(Str(*rel, "schemaname"), Str(s, "newname"))] = table;
      }
    }
  }

  void OnIndex(const Json& s) {
    const Json* rel = Get(s, "relation");
    if (rel == nullptr) return;
    std::string table = RangeVarKey(*rel);
    std::string name = Str(s, "idxname");
    bool concurrent = Bool(s, "concurrent");
    RobustOnly(Bool(s, "if_not_exists"), "CREATE INDEX " + (name.empty() ? "on " + table : name));
    if (concurrent) {
      if (rev->transactional) Flag("concurrently-in-transaction", "CREATE INDEX CONCURRENTLY");
    } else if (!IsNew(table)) {
      NeedsLockTimeout(table);
      Flag("index-not-concurrently", (name.empty() ? "" : name + " on ") + table);
    }
    if (mutate && !name.empty()) index_table[QualifiedKey(Str(*rel, "schemaname"), name)] = table;
  }

  void OnDrop(const Json& s) {
    std::string type = Str(s, "removeType");
    bool missing_ok = Bool(s, "missing_ok");
    std::vector<std::string> keys;
    for (const Json& obj : Arr(s, "objects")) {
      if (const Json* list = Get(obj, "List")) keys.push_back(NamesKey(Names(Arr(*list, "items"))));
    }
    std::string what = keys.empty() ? std::string() : keys.front();
    if (type == "OBJECT_TABLE") {
      RobustOnly(missing_ok, "DROP TABLE " + what);
      for (const std::string& k : keys) {
        if (!IsNew(k)) Flag("dropping-table", k);
        if (mutate) tables.erase(k);
      }
    } else if (type == "OBJECT_INDEX") {
      RobustOnly(missing_ok, "DROP INDEX " + what);
      if (Bool(s, "concurrent")) {
        if (rev->transactional) Flag("concurrently-in-transaction", "DROP INDEX CONCURRENTLY");
      } else {
        for (const std::string& k : keys) {
          auto it = index_table.find(k);
          if (it == index_table.end() || !IsNew(it->second)) {
            Flag("drop-index-not-concurrently", k);
            break;
          }
        }
      }
      if (mutate) {
        for (const std::string& k : keys) index_table.erase(k);
      }
    } else {
      std::string kind = type.rfind("OBJECT_", 0) == 0 ? type.substr(7) : type;
      RobustOnly(missing_ok, "DROP " + kind + " " + what);
    }
  }

  void OnStatement(const Statement& st) {
    stmt = &st;
    auto [type, body] = NodeOf(st.tree);
    if (body == nullptr) return;
    const Json& s = *body;
    if (type == "AlterTableStmt") {
      OnAlterTable(s);
    } else if (type == "RenameStmt") {
      OnRename(s);
    } else if (type == "IndexStmt") {
      OnIndex(s);
    } else if (type == "CreateStmt") {
      if (Get(s, "relation") != nullptr) OnCreateStmt(s);
    } else if (type == "CreateTableAsStmt") {
      const Json* into = Get(s, "into");
      const Json* rel = into != nullptr ? Get(*into, "rel") : nullptr;
      if (rel != nullptr) {
        RobustOnly(Bool(s, "if_not_exists"), "CREATE TABLE " + RangeVarKey(*rel) + " AS");
        CreatedTable(RangeVarKey(*rel));
      }
    } else if (type == "DropStmt") {
      OnDrop(s);
    } else if (type == "ReindexStmt") {
      bool concurrent = false;
      for (const Json& p : Arr(s, "params")) {
        const Json* d = Get(p, "DefElem");
        if (d != nullptr && Str(*d, "defname") == "concurrently") concurrent = true;
      }
      if (!concurrent) {
        Flag("reindex-not-concurrently",
             Get(s, "relation") ? RangeVarKey(*Get(s, "relation")) : Str(s, "name"));
      } else if (rev->transactional) {
        Flag("concurrently-in-transaction", "REINDEX CONCURRENTLY");
      }
    } else if (type == "VacuumStmt") {
      for (const Json& o : Arr(s, "options")) {
        const Json* d = Get(o, "DefElem");
        if (d != nullptr && Str(*d, "defname") == "full") {
          Flag("vacuum-full");
          break;
        }
      }
    } else if (type == "ClusterStmt") {
      Flag("cluster", Get(s, "relation") ? RangeVarKey(*Get(s, "relation")) : std::string());
    } else if (type == "TransactionStmt") {
      std::string kind = Str(s, "kind");
      if (kind != "TRANS_STMT_SAVEPOINT" && kind != "TRANS_STMT_RELEASE" &&
          kind != "TRANS_STMT_ROLLBACK_TO") {
        Flag("transaction-control", kind.substr(std::min<size_t>(kind.size(), 11)));
      }
    } else if (type == "CopyStmt") {
      // No filename: the rows come from or go to the client (PROGRAM sets a filename too).
      if (Get(s, "filename") == nullptr) {
        Flag("client-copy", Get(s, "relation") ? RangeVarKey(*Get(s, "relation")) : std::string());
      }
    } else if (type == "TruncateStmt") {
      if (Str(s, "behavior") == "DROP_CASCADE") Flag("truncate-cascade");
    } else if (type == "VariableSetStmt") {
      if (Str(s, "name") == "lock_timeout") {
        bool set = Str(s, "kind") == "VAR_SET_VALUE";
        // SET lock_timeout = 0 disables the timeout.
        for (const Json& a : Arr(s, "args")) {
          const Json* c = Get(a, "A_Const");
          const Json* ival = c ? Get(*c, "ival") : nullptr;
          if (ival != nullptr && ival->value("ival", 0) == 0) set = false;
          const Json* sval = c ? Get(*c, "sval") : nullptr;
          if (sval != nullptr && Str(*sval, "sval") == "0") set = false;
        }
        lock_timeout_set = set;
      }
    } else if (type == "CreateSeqStmt") {
      RobustOnly(Bool(s, "if_not_exists"), "CREATE SEQUENCE");
    } else if (type == "CreateSchemaStmt") {
      RobustOnly(Bool(s, "if_not_exists"), "CREATE SCHEMA " + Str(s, "schemaname"));
    } else if (type == "CreateExtensionStmt") {
      RobustOnly(Bool(s, "if_not_exists"), "CREATE EXTENSION " + Str(s, "extname"));
    }
  }

  // Returns the allow ids written before the first statement.
  std::vector<std::string> LintSection(const SqlSection& sec, bool is_downgrade) {
    section = &sec;
    downgrade = is_downgrade;
    mutate = !is_downgrade;
    lock_timeout_set = false;
    lock_timeout_reported = false;
    line_starts.assign(1, 0);
    for (size_t i = 0; i < sec.sql.size(); ++i) {
      if (sec.sql[i] == '\n') line_starts.push_back(i + 1);
    }
    // A window of whole statements at a time (sql_windows.h), so that parse trees exist for one
    // window at once however large the section. Each window but the last holds its last
    // statement back: the next window starts at it, so that an allow comment on the line where
    // it ends (`...; -- strata:allow x`) is seen with it.
    std::vector<std::string> leading;
    auto lint_windows = [&] {
      std::vector<std::string> held_allow;  // what the held-back statement's comments allow
      bool first = true;
      SqlWindows windows(sec.sql);
      while (windows.Next()) {
        const std::string& text = windows.text();
        bool ends_early = false;
        std::vector<Statement> stmts = ParseSection(text, windows.last() ? nullptr : &ends_early);
        if (!windows.last() && (ends_early || stmts.size() < 2)) {
          windows.Widen();
          continue;
        }
        std::vector<std::string> window_leading = LocateStatements(text, stmts);
        if (first) leading = std::move(window_leading);
        if (!first && !stmts.empty()) {
          stmts.front().allow.insert(stmts.front().allow.end(), held_allow.begin(),
                                     held_allow.end());
        }
        const size_t base = windows.offset();
        for (Statement& st : stmts) {
          st.start += base;
          st.error_at += base;
        }
        const size_t checked = windows.last() ? stmts.size() : stmts.size() - 1;
        for (size_t i = 0; i < checked; ++i) Check(stmts[i]);
        if (windows.last()) break;
        held_allow = std::move(stmts.back().allow);
        windows.AdvanceTo(stmts.back().start);
        first = false;
      }
    };
    if (sec.sql.size() < kSmallSqlBytes) {
      lint_windows();
    } else {
      RunWithLargeStack(lint_windows);
    }
    stmt = nullptr;
    return leading;
  }

  void Check(const Statement& st) {
    if (st.too_large > 0) {
      if (!reporting) return;
      ++report.not_checked;
      report.notes.push_back(
          {rev->path, LineOf(st.error_at), rev->id,
           fmt::format("not checked: the statement has {} non-blank characters, more than the "
                       "linter parses ({})",
                       st.too_large, kMaxParseChars)});
      return;
    }
    if (!st.error.empty()) {
      if (!reporting) return;
      if (config.dialect == LintDialect::kSqlite) {
        ++report.not_checked;
        report.notes.push_back(
            {rev->path, LineOf(st.error_at), rev->id, "not checked (SQLite syntax): " + st.error});
      } else {
        Emit("parse-error", st.error, LineOf(st.error_at), &st.allow);
      }
      return;
    }
    if (reporting) ++report.statements;
    OnStatement(st);
  }
};

Linter::Linter(LintConfig config) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->allow_everywhere.insert(impl_->config.allow.begin(), impl_->config.allow.end());
  if (impl_->config.dialect == LintDialect::kSqlite) {
    for (const LintRule& r : LintRules()) {
      if (r.postgres_only) impl_->report.skipped_rules.emplace_back(r.id);
    }
  }
}
Linter::~Linter() = default;
Linter::Linter(Linter&&) noexcept = default;
Linter& Linter::operator=(Linter&&) noexcept = default;

void Linter::Add(const Revision& revision, bool report) {
  Impl& m = *impl_;
  m.rev = &revision;
  m.reporting = report;
  if (report) ++m.report.revisions;
  std::vector<std::string> file_allow = m.LintSection(revision.upgrade, false);
  if (revision.downgrade) {
    m.LintSection(*revision.downgrade, true);
  } else if (report) {
    // File-level allows: in the header's explanation or before the first upgrade statement.
    for (std::string_view text :
         {std::string_view(revision.explanation), std::string_view(revision.message)}) {
      size_t pos = 0;
      while ((pos = text.find("strata:allow", pos)) != std::string_view::npos) {
        size_t eol = text.find('\n', pos);
        std::string line =
            "-- " + std::string(text.substr(
                        pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos));
        for (std::string& id : AllowedBy(line)) file_allow.push_back(std::move(id));
        pos = eol == std::string_view::npos ? text.size() : eol;
      }
    }
    m.section = nullptr;
    m.downgrade = false;
    m.Emit("missing-downgrade", "", revision.id_line > 0 ? revision.id_line : 1, &file_allow);
  }
  m.rev = nullptr;
}

const LintReport& Linter::report() const { return impl_->report; }

std::vector<const Revision*> UpgradeOrder(const RevisionGraph& graph) {
  std::vector<const Revision*> order = graph.NewestFirst();
  std::reverse(order.begin(), order.end());
  return order;
}

LintReport LintRevisions(const std::vector<const Revision*>& revisions, const LintConfig& config,
                         const std::set<std::string>* selected) {
  Linter linter(config);
  for (const Revision* r : revisions) {
    linter.Add(*r, selected == nullptr || selected->count(r->id) > 0);
  }
  return linter.report();
}

}  // namespace strata
