// Building, dropping and rebuilding indexes, and detaching partitions, on tables that may be in
// use: CONCURRENTLY, and where it cannot run.
#include "lint/rule.h"

namespace strata::lint {
namespace {

// The value of a utility option such as CONCURRENTLY in `REINDEX (CONCURRENTLY false)`: true
// when written bare or with a true value.
bool OptionOn(const Node& def_elem) {
  const Node* arg = Get(def_elem, "arg");
  if (arg == nullptr) return true;
  if (const Node* s = Get(*arg, "String")) {
    std::string v = Str(*s, "sval");
    return !(v == "false" || v == "off" || v == "no" || v == "0");
  }
  if (const Node* i = Get(*arg, "Integer")) return Int(*i, "ival", 0) != 0;
  if (const Node* b = Get(*arg, "Boolean")) return Bool(*b, "boolval");
  return true;
}

void CheckIndex(const RuleContext& ctx) {
  const Node& s = *ctx.stmt;
  const Node* rel = Get(s, "relation");
  if (rel == nullptr) return;
  std::string table = RangeVarKey(*rel);
  std::string name = Str(s, "idxname");
  if (Bool(s, "concurrent")) {
    if (ctx.rev->transactional)
      ctx.Flag("concurrently-in-transaction", "CREATE INDEX CONCURRENTLY");
  } else if (!ctx.IsNew(table)) {
    ctx.Flag("index-not-concurrently", (name.empty() ? "" : name + " on ") + table);
  }
}

void CheckDropIndex(const RuleContext& ctx) {
  const Node& s = *ctx.stmt;
  std::vector<std::vector<std::string>> objects;
  for (const Node& obj : Arr(s, "objects")) {
    if (const Node* list = Get(obj, "List")) objects.push_back(Names(Arr(*list, "items")));
  }
  for (const std::vector<std::string>& names : objects) {
    // DROP INDEX users.users_email_idx reads `users` as a schema: with IF EXISTS nothing happens.
    if (names.size() == 2 && !ctx.history->HasSchema(names[0]) &&
        ctx.history->FindTable(names[0]) != nullptr &&
        ctx.history->FindTable(NamesKey(names)) == nullptr) {
      ctx.Flag("drop-index-by-table-name", names[0] + "." + names[1]);
    }
  }
  if (Bool(s, "concurrent")) {
    if (ctx.rev->transactional) ctx.Flag("concurrently-in-transaction", "DROP INDEX CONCURRENTLY");
    return;
  }
  for (const std::vector<std::string>& names : objects) {
    std::string key = NamesKey(names);
    std::string table = ctx.history->IndexTable(key);
    if (table.empty() || !ctx.IsNew(table)) {
      ctx.Flag("drop-index-not-concurrently", key);
      break;
    }
  }
}

void Check(const RuleContext& ctx) {
  const Node& s = *ctx.stmt;
  if (ctx.type == "IndexStmt") {
    CheckIndex(ctx);
  } else if (ctx.type == "DropStmt" && Str(s, "removeType") == "OBJECT_INDEX") {
    CheckDropIndex(ctx);
  } else if (ctx.type == "ReindexStmt") {
    // System catalogs cannot be reindexed concurrently, and are not the application's tables.
    if (Str(s, "kind") == "REINDEX_OBJECT_SYSTEM") return;
    bool concurrent = false;
    for (const Node& p : Arr(s, "params")) {
      const Node* d = Get(p, "DefElem");
      if (d != nullptr && Str(*d, "defname") == "concurrently") concurrent = OptionOn(*d);
    }
    const Node* rel = Get(s, "relation");
    std::string what = rel != nullptr ? RangeVarKey(*rel) : Str(s, "name");
    if (!concurrent) {
      if (rel == nullptr || !ctx.IsNew(what)) ctx.Flag("reindex-not-concurrently", what);
    } else if (ctx.rev->transactional) {
      ctx.Flag("concurrently-in-transaction", "REINDEX CONCURRENTLY");
    }
  } else if (ctx.type == "AlterTableStmt") {
    const Node* rel = Get(s, "relation");
    for (const Node& c : Arr(s, "cmds")) {
      const Node* cmd = Get(c, "AlterTableCmd");
      if (cmd == nullptr || Str(*cmd, "subtype") != "AT_DetachPartition") continue;
      const Node* def = Get(*cmd, "def");
      const Node* pc = def != nullptr ? Get(*def, "PartitionCmd") : nullptr;
      if (pc != nullptr && Bool(*pc, "concurrent")) {
        if (ctx.rev->transactional) ctx.Flag("concurrently-in-transaction", "DETACH PARTITION");
      } else {
        ctx.Flag("detach-partition-not-concurrently", rel ? RangeVarKey(*rel) : std::string());
      }
    }
  }
}

}  // namespace

// Exposed for maintenance.cc (VACUUM's options are read the same way).
bool UtilityOptionOn(const Node& def_elem) { return OptionOn(def_elem); }

const RuleFamily& IndexRules() {
  static const RuleFamily family{
      .rules =
          {
              {"index-not-concurrently", LintSeverity::kError,
               "CREATE INDEX without CONCURRENTLY blocks every write to the table while the "
               "index builds",
               "CREATE INDEX CONCURRENTLY IF NOT EXISTS ... in a revision with `Transactional: "
               "false`",
               "A plain CREATE INDEX takes a SHARE lock: reads continue, but "
               "INSERT/UPDATE/DELETE wait for the whole build. CONCURRENTLY builds without "
               "blocking writes. Tables created in the same revision, or in revisions not yet "
               "applied, are empty and not flagged.",
               true, "all"},
              {"concurrently-in-transaction", LintSeverity::kError,
               "CONCURRENTLY cannot run inside a transaction block; the migration fails",
               "put the statement in its own revision with `Transactional: false`",
               "CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY and DETACH PARTITION "
               "CONCURRENTLY are refused by PostgreSQL inside BEGIN ... COMMIT, which is how a "
               "transactional revision runs.",
               true, "all"},
              {"drop-index-not-concurrently", LintSeverity::kError,
               "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the index's "
               "table",
               "DROP INDEX CONCURRENTLY IF EXISTS ... in a revision with `Transactional: false`",
               "The drop is quick but must wait for every running query on the table, and "
               "blocks all new ones while it waits.",
               true, "all"},
              {"drop-index-by-table-name", LintSeverity::kError,
               "DROP INDEX table.index reads `table` as a schema name: the index is not found, "
               "and with IF EXISTS the statement silently does nothing",
               "name the index alone (DROP INDEX index_name), or qualified by its schema "
               "(DROP INDEX public.index_name)",
               "Indexes live in their table's schema and are named without the table; the "
               "qualifier is a schema. strata flags a qualifier that the history knows as a "
               "table and not as a schema.",
               true, "all"},
              {"reindex-not-concurrently", LintSeverity::kError,
               "REINDEX without CONCURRENTLY blocks writes (and reads using the index) until it "
               "finishes",
               "REINDEX ... CONCURRENTLY in a revision with `Transactional: false`",
               "REINDEX CONCURRENTLY (PostgreSQL 12+) rebuilds without blocking. `REINDEX "
               "(CONCURRENTLY false)` is read as written, and REINDEX SYSTEM (catalogs only, "
               "which cannot be reindexed concurrently) is not flagged.",
               true, "12+ (CONCURRENTLY)"},
              {"detach-partition-not-concurrently", LintSeverity::kError,
               "DETACH PARTITION takes an ACCESS EXCLUSIVE lock on the partitioned table",
               "ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY in a revision with "
               "`Transactional: false`",
               "DETACH PARTITION CONCURRENTLY (PostgreSQL 14+) only takes SHARE UPDATE "
               "EXCLUSIVE.",
               true, "14+ (CONCURRENTLY)"},
          },
      .check = Check,
      .flagged =
          {
              {"index-not-concurrently", "CREATE INDEX t_b ON t (b);"},
              {"index-not-concurrently", "CREATE UNIQUE INDEX t_b ON t (b);"},
              {"concurrently-in-transaction", "CREATE INDEX CONCURRENTLY t_b ON t (b);"},
              {"concurrently-in-transaction", "DROP INDEX CONCURRENTLY t_a;"},
              {"drop-index-not-concurrently", "DROP INDEX t_a;"},
              {"drop-index-by-table-name", "DROP INDEX CONCURRENTLY IF EXISTS t.t_a;", false},
              {"reindex-not-concurrently", "REINDEX INDEX t_a;"},
              {"reindex-not-concurrently", "REINDEX (CONCURRENTLY false) INDEX t_a;", false},
              {"reindex-not-concurrently", "REINDEX (CONCURRENTLY off) TABLE t;", false},
              {"detach-partition-not-concurrently", "ALTER TABLE p DETACH PARTITION p_2020;"},
          },
      .safe =
          {
              {"index-not-concurrently", "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_b ON t (b);",
               false},
              {"index-not-concurrently", "CREATE TABLE n (b text);\nCREATE INDEX n_b ON n (b);"},
              {"concurrently-in-transaction",
               "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_b ON t (b);", false},
              {"concurrently-in-transaction", "DROP INDEX CONCURRENTLY IF EXISTS t_a;", false},
              {"drop-index-not-concurrently", "DROP INDEX CONCURRENTLY IF EXISTS t_a;", false},
              {"drop-index-not-concurrently",
               "CREATE TABLE n (b text);\nCREATE INDEX n_b ON n (b);\nDROP INDEX n_b;"},
              {"drop-index-by-table-name", "DROP INDEX CONCURRENTLY IF EXISTS public.t_a;", false},
              {"reindex-not-concurrently", "REINDEX INDEX CONCURRENTLY t_a;", false},
              {"reindex-not-concurrently", "REINDEX (CONCURRENTLY true) INDEX t_a;", false},
              {"reindex-not-concurrently", "REINDEX SYSTEM app;", false},
              {"detach-partition-not-concurrently",
               "ALTER TABLE p DETACH PARTITION p_2020 CONCURRENTLY;", false},
          },
  };
  return family;
}

}  // namespace strata::lint
