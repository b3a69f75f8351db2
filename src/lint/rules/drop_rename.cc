// Dropping and renaming what running application code still uses. SQLite's standard table
// rebuild (create a new table, copy the rows, drop the old one, rename the new one to the old
// name, in one revision) keeps the name and the data, and is not reported.
#include "lint/rule.h"

namespace strata::lint {
namespace {

void Check(const RuleContext& ctx) {
  const Node& s = *ctx.stmt;
  if (ctx.type == "DropStmt" && Str(s, "removeType") == "OBJECT_TABLE") {
    for (const Node& obj : Arr(s, "objects")) {
      const Node* list = Get(obj, "List");
      if (list == nullptr) continue;
      std::string key = NamesKey(Names(Arr(*list, "items")));
      // Withdrawn if the section then renames a copy of this table to its name (a rebuild).
      if (!ctx.IsNew(key)) ctx.sink->Defer("rebuild:" + key, "dropping-table", key);
    }
  } else if (ctx.type == "AlterTableStmt" && Str(s, "objtype") == "OBJECT_TABLE") {
    const Node* rel = Get(s, "relation");
    if (rel == nullptr || ctx.IsNew(RangeVarKey(*rel))) return;
    for (const Node& c : Arr(s, "cmds")) {
      const Node* cmd = Get(c, "AlterTableCmd");
      if (cmd != nullptr && Str(*cmd, "subtype") == "AT_DropColumn") {
        ctx.Flag("dropping-column", RangeVarKey(*rel) + "." + Str(*cmd, "name"));
      }
    }
  } else if (ctx.type == "RenameStmt") {
    const Node* rel = Get(s, "relation");
    if (rel == nullptr) return;
    std::string key = RangeVarKey(*rel);
    std::string type = Str(s, "renameType");
    if (type == "OBJECT_TABLE") {
      std::string to = QualifiedKey(Str(*rel, "schemaname"), Str(s, "newname"));
      auto copy = ctx.section->copied_from.find(key);
      if (ctx.IsNew(key) && copy != ctx.section->copied_from.end() && copy->second == to) {
        ctx.sink->Withdraw("rebuild:" + to);
      }
      if (!ctx.IsNew(key)) ctx.Flag("renaming-table", key + " -> " + Str(s, "newname"));
    } else if (type == "OBJECT_COLUMN" && Str(s, "relationType") == "OBJECT_TABLE") {
      if (!ctx.IsNew(key)) ctx.Flag("renaming-column", key + "." + Str(s, "subname"));
    }
  } else if (ctx.type == "InsertStmt") {
    // INSERT INTO new_table SELECT ... FROM old_table: the copy step of a rebuild.
    const Node* rel = Get(s, "relation");
    const Node* sel = Get(s, "selectStmt");
    const Node* body = sel != nullptr ? Get(*sel, "SelectStmt") : nullptr;
    if (rel == nullptr || body == nullptr || !ctx.IsNew(RangeVarKey(*rel))) return;
    for (const Node& from : Arr(*body, "fromClause")) {
      if (const Node* rv = Get(from, "RangeVar")) {
        ctx.section->copied_from[RangeVarKey(*rel)] = RangeVarKey(*rv);
        break;
      }
    }
  } else if (ctx.type == "DropdbStmt") {
    ctx.Flag("dropping-database", Str(s, "dbname"));
  }
}

}  // namespace

const RuleFamily& DropRenameRules() {
  static const RuleFamily family{
      .rules =
          {
              {"dropping-column", LintSeverity::kError,
               "dropping a column breaks application code that still reads or writes it, and "
               "loses its data",
               "deploy code that no longer uses the column first; drop it in a later release "
               "(and say so with `-- strata:allow dropping-column`)",
               "During a rolling deploy the old code is still running; `SELECT *` caches and "
               "ORMs that name the column fail at once. The drop itself is fast but "
               "irreversible. Checked in upgrade sections only: a downgrade drops what its "
               "upgrade added.",
               false, "all"},
              {"dropping-table", LintSeverity::kError,
               "dropping a table breaks application code that still uses it, and loses its data",
               "stop using the table in code first; drop it in a later release (with an allow "
               "comment)",
               "Same as dropping a column, for a whole table. Checked in upgrade sections only. "
               "A table rebuild (CREATE TABLE x_new, INSERT INTO x_new SELECT ... FROM x, DROP "
               "TABLE x, ALTER TABLE x_new RENAME TO x, in one revision: SQLite's way to change "
               "a column) keeps name and rows and is not reported.",
               false, "all"},
              {"dropping-database", LintSeverity::kError,
               "DROP DATABASE destroys a whole database, and cannot be undone",
               "drop databases by hand, outside migrations",
               "A migration runs against one database for every environment it is deployed to; "
               "a DROP DATABASE in one is almost always a script meant for a developer's "
               "machine.",
               true, "all"},
              {"renaming-column", LintSeverity::kError,
               "renaming a column breaks running application code that uses the old name",
               "add the new column, write to both, backfill, move reads, then drop the old one; "
               "or a view that exposes the old name",
               "There is no moment at which old and new code both work: the rename is atomic, "
               "the deploy is not. Checked in upgrade sections only.",
               false, "all"},
              {"renaming-table", LintSeverity::kError,
               "renaming a table breaks running application code that uses the old name",
               "create the new table (or an updatable view under the old name) and move code "
               "over in steps",
               "As for columns; a view named like the old table keeps old code working during "
               "the deploy. Checked in upgrade sections only.",
               false, "all"},
          },
      .check = Check,
      .flagged =
          {
              {"dropping-column", "ALTER TABLE t DROP COLUMN a;"},
              {"dropping-table", "DROP TABLE t;"},
              // A copy that is not renamed back is no rebuild.
              {"dropping-table",
               "CREATE TABLE t_new (id bigint PRIMARY KEY, a int);\n"
               "INSERT INTO t_new SELECT id, a FROM t;\nDROP TABLE t;"},
              {"dropping-table", "DROP TABLE t;", true, LintDialect::kSqlite},
              {"dropping-database", "DROP DATABASE legacy;", false},
              {"renaming-column", "ALTER TABLE t RENAME COLUMN a TO a2;"},
              {"renaming-table", "ALTER TABLE t RENAME TO t2;"},
          },
      .safe =
          {
              {"dropping-column", "CREATE TABLE n (a int, b int);\nALTER TABLE n DROP COLUMN a;"},
              {"dropping-column", "ALTER TABLE t DROP CONSTRAINT t_pos;"},
              {"dropping-table", "CREATE TABLE n (a int);\nDROP TABLE n;"},
              {"dropping-table",
               "CREATE TABLE t_new (id bigint PRIMARY KEY, a int, b text);\n"
               "INSERT INTO t_new (id, a, b) SELECT id, a, b FROM t;\nDROP TABLE t;\n"
               "ALTER TABLE t_new RENAME TO t;",
               true, LintDialect::kSqlite},
              {"dropping-database", "DROP SCHEMA IF EXISTS legacy;"},
              {"renaming-column", "CREATE TABLE n (a int);\nALTER TABLE n RENAME COLUMN a TO a2;"},
              {"renaming-table", "CREATE TABLE n (a int);\nALTER TABLE n RENAME TO n2;"},
          },
  };
  return family;
}

}  // namespace strata::lint
