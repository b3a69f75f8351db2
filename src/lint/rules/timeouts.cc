// Statements that take a strong lock on a table that may be in use must not wait for it, or run,
// without a limit: lock_timeout and statement_timeout. One finding per section, at the first
// statement that needed the setting.
#include "lint/rule.h"

namespace strata::lint {
namespace {

void AddRangeVar(const Node* rv, std::vector<std::string>& out) {
  if (rv != nullptr) out.push_back(RangeVarKey(*rv));
}

// The tables a statement locks strongly enough to queue other sessions' queries behind it
// (SHARE UPDATE EXCLUSIVE or stronger on a table in use); empty for other statements.
std::vector<std::string> LockedTables(const RuleContext& ctx) {
  const Node& s = *ctx.stmt;
  std::string_view type = ctx.type;
  std::vector<std::string> out;
  if (type == "AlterTableStmt" || type == "ClusterStmt" || type == "CreateTrigStmt" ||
      type == "RuleStmt" || type == "RefreshMatViewStmt" || type == "RenameStmt" ||
      type == "AlterObjectSchemaStmt") {
    if (type == "RenameStmt" && Str(s, "renameType") == "OBJECT_INDEX") {
      const Node* rel = Get(s, "relation");
      std::string table = rel ? ctx.history->IndexTable(RangeVarKey(*rel)) : "";
      out.push_back(table.empty() && rel ? RangeVarKey(*rel) : table);
    } else {
      AddRangeVar(Get(s, "relation"), out);
    }
  } else if (type == "IndexStmt") {
    if (!Bool(s, "concurrent")) AddRangeVar(Get(s, "relation"), out);
  } else if (type == "ReindexStmt") {
    bool concurrent = false;
    for (const Node& p : Arr(s, "params")) {
      const Node* d = Get(p, "DefElem");
      if (d != nullptr && Str(*d, "defname") == "concurrently") concurrent = UtilityOptionOn(*d);
    }
    if (!concurrent) AddRangeVar(Get(s, "relation"), out);
  } else if (type == "VacuumStmt") {
    bool full = false;
    for (const Node& o : Arr(s, "options")) {
      const Node* d = Get(o, "DefElem");
      if (d != nullptr && Str(*d, "defname") == "full") full = UtilityOptionOn(*d);
    }
    if (full) {
      for (const Node& r : Arr(s, "rels")) {
        const Node* vr = Get(r, "VacuumRelation");
        if (vr != nullptr) AddRangeVar(Get(*vr, "relation"), out);
      }
    }
  } else if (type == "TruncateStmt" || type == "LockStmt") {
    for (const Node& r : Arr(s, "relations")) AddRangeVar(Get(r, "RangeVar"), out);
  } else if (type == "DropStmt") {
    std::string kind = Str(s, "removeType");
    if (kind == "OBJECT_INDEX" && Bool(s, "concurrent")) return out;
    for (const Node& obj : Arr(s, "objects")) {
      const Node* list = Get(obj, "List");
      if (list == nullptr) continue;
      std::vector<std::string> names = Names(Arr(*list, "items"));
      if (kind == "OBJECT_TABLE" || kind == "OBJECT_VIEW" || kind == "OBJECT_MATVIEW") {
        out.push_back(NamesKey(names));
      } else if (kind == "OBJECT_INDEX") {
        std::string table = ctx.history->IndexTable(NamesKey(names));
        out.push_back(table.empty() ? NamesKey(names) : table);
      } else if ((kind == "OBJECT_TRIGGER" || kind == "OBJECT_RULE" || kind == "OBJECT_POLICY") &&
                 names.size() >= 2) {
        names.pop_back();  // [schema.]table.trigger
        out.push_back(NamesKey(names));
      }
    }
  } else if (type == "CommentStmt") {
    std::string kind = Str(s, "objtype");
    const Node* object = Get(s, "object");
    const Node* list = object != nullptr ? Get(*object, "List") : nullptr;
    std::vector<std::string> names = list ? Names(Arr(*list, "items")) : std::vector<std::string>();
    if (kind == "OBJECT_COLUMN" && names.size() >= 2) names.pop_back();
    if ((kind == "OBJECT_TABLE" || kind == "OBJECT_COLUMN") && !names.empty()) {
      out.push_back(NamesKey(names));
    }
  } else if (type == "CreateStmt") {
    // CREATE TABLE ... PARTITION OF parent locks the parent; a foreign key locks the table it
    // references.
    if (Get(s, "partbound") != nullptr) {
      for (const Node& r : Arr(s, "inhRelations")) AddRangeVar(Get(r, "RangeVar"), out);
    }
    for (const Node& elt : Arr(s, "tableElts")) {
      std::vector<const Node*> cons;
      if (const Node* con = Get(elt, "Constraint")) cons.push_back(con);
      if (const Node* col = Get(elt, "ColumnDef")) {
        for (const Node& c : Arr(*col, "constraints")) {
          if (const Node* con = Get(c, "Constraint")) cons.push_back(con);
        }
      }
      for (const Node* con : cons) {
        if (Str(*con, "contype") == "CONSTR_FOREIGN") AddRangeVar(Get(*con, "pktable"), out);
      }
    }
  }
  return out;
}

// SET [LOCAL] name = value; RESET name; a value of 0 turns the timeout off.
void TrackSetting(const RuleContext& ctx) {
  const Node& s = *ctx.stmt;
  std::string name = Str(s, "name");
  if (name != "lock_timeout" && name != "statement_timeout") return;
  bool set = Str(s, "kind") == "VAR_SET_VALUE";
  for (const Node& a : Arr(s, "args")) {
    const Node* c = Get(a, "A_Const");
    if (c == nullptr) continue;
    if (const Node* ival = Get(*c, "ival"); ival != nullptr && Int(*ival, "ival", 0) == 0) {
      set = false;
    }
    if (const Node* sval = Get(*c, "sval"); sval != nullptr && Str(*sval, "sval") == "0") {
      set = false;
    }
  }
  (name == "lock_timeout" ? ctx.section->lock_timeout_set : ctx.section->statement_timeout_set) =
      set;
}

void Check(const RuleContext& ctx) {
  if (ctx.type == "VariableSetStmt") {
    TrackSetting(ctx);
    return;
  }
  SectionState& st = *ctx.section;
  bool need_lock =
      !ctx.config->statement_lock_timeout_set && !st.lock_timeout_set && !st.lock_timeout_reported;
  bool need_statement = !ctx.config->statement_timeout_set && !st.statement_timeout_set &&
                        !st.statement_timeout_reported;
  if (!need_lock && !need_statement) return;
  for (const std::string& table : LockedTables(ctx)) {
    if (table.empty() || ctx.IsNew(table)) continue;
    if (need_lock) {
      st.lock_timeout_reported = true;
      ctx.Flag("missing-lock-timeout", table);
    }
    if (need_statement) {
      st.statement_timeout_reported = true;
      ctx.Flag("missing-statement-timeout", table);
    }
    return;
  }
}

}  // namespace

const RuleFamily& TimeoutRules() {
  static const RuleFamily family{
      .rules =
          {
              {"missing-lock-timeout", LintSeverity::kWarning,
               "a statement waiting for a strong table lock (ALTER TABLE, CREATE INDEX, DROP "
               "TABLE/INDEX, TRUNCATE, CREATE TRIGGER, LOCK TABLE, COMMENT ON, REFRESH "
               "MATERIALIZED VIEW, ...) queues every later query on the table behind it",
               "SET lock_timeout = '2s' (SET LOCAL in a transactional revision) before the "
               "statement, or set statement_lock_timeout in strata.toml",
               "A strong lock request waits behind any long-running transaction, and every "
               "query that arrives meanwhile waits behind it: one slow report takes the table "
               "down. A lock timeout makes the migration fail fast instead (strata can retry "
               "it). Only statements on existing tables count: ALTER/DROP/TRUNCATE/LOCK of a "
               "table, CREATE/DROP/REINDEX of an index without CONCURRENTLY, CREATE TRIGGER and "
               "RULE, DROP TRIGGER/RULE/POLICY, COMMENT ON TABLE/COLUMN, REFRESH MATERIALIZED "
               "VIEW, CLUSTER, VACUUM FULL, renames, CREATE TABLE ... PARTITION OF and a new "
               "table's foreign keys (which lock the referenced table).",
               true, "all"},
              {"missing-statement-timeout", LintSeverity::kWarning,
               "a statement holding a strong table lock has no time limit: a slow rewrite or "
               "scan blocks the table for as long as it runs",
               "SET statement_timeout = '5min' (SET LOCAL in a transactional revision) before "
               "the statement",
               "lock_timeout bounds the wait for the lock; statement_timeout bounds how long it "
               "is held. Checked for the same statements as missing-lock-timeout, once per "
               "section; quiet after a SET statement_timeout in the section. (strata.toml has "
               "no statement_timeout setting yet: silence the rule with `[lint] allow` when the "
               "database or role sets one.)",
               true, "all"},
          },
      .check = Check,
      .flagged = {},  // tests/unit/lint_rules_test.cc: the test configuration sets both
      .safe = {},
  };
  return family;
}

}  // namespace strata::lint
