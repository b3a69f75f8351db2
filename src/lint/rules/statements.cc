// Statements that cannot work inside a strata revision, or do more than they say: transaction
// control, COPY to or from the client, TRUNCATE ... CASCADE, and an UPDATE assigning a column
// twice.
#include <set>

#include "lint/rule.h"

namespace strata::lint {
namespace {

void Check(const RuleContext& ctx) {
  const Node& s = *ctx.stmt;
  if (ctx.type == "TransactionStmt") {
    std::string kind = Str(s, "kind");
    if (kind != "TRANS_STMT_SAVEPOINT" && kind != "TRANS_STMT_RELEASE" &&
        kind != "TRANS_STMT_ROLLBACK_TO") {
      ctx.Flag("transaction-control", kind.substr(std::min<size_t>(kind.size(), 11)));
    }
  } else if (ctx.type == "CopyStmt") {
    // No filename: the rows come from or go to the client (PROGRAM sets a filename too).
    if (Get(s, "filename") == nullptr) {
      ctx.Flag("client-copy", Get(s, "relation") ? RangeVarKey(*Get(s, "relation")) : "");
    }
  } else if (ctx.type == "TruncateStmt") {
    if (Str(s, "behavior") == "DROP_CASCADE") ctx.Flag("truncate-cascade");
  } else if (ctx.type == "UpdateStmt") {
    std::set<std::string> seen;
    for (const Node& t : Arr(s, "targetList")) {
      const Node* rt = Get(t, "ResTarget");
      if (rt == nullptr) continue;
      // SET a.x = 1, a.y = 2 assigns fields of one composite column: not a repeat.
      if (!Arr(*rt, "indirection").empty()) continue;
      std::string name = Str(*rt, "name");
      if (!seen.insert(name).second) {
        const Node* rel = Get(s, "relation");
        ctx.Flag("update-column-twice", (rel ? RangeVarKey(*rel) + "." : "") + name);
        return;
      }
    }
  }
}

}  // namespace

const RuleFamily& StatementRules() {
  static const RuleFamily family{
      .rules =
          {
              {"transaction-control", LintSeverity::kError,
               "BEGIN/COMMIT/ROLLBACK inside a revision breaks strata's own transaction handling",
               "remove it: transactional revisions run in one transaction; use `Transactional: "
               "false` to run statement by statement",
               "strata wraps a transactional revision and its version-table update in one "
               "transaction; a COMMIT inside would record half a migration. strata refuses such "
               "files at run time; lint says so before.",
               false, "all"},
              {"client-copy", LintSeverity::kError,
               "COPY ... FROM STDIN / TO STDOUT needs a client to send or receive the rows; "
               "strata has none",
               "INSERT ... VALUES for the rows, or COPY from a file on the database server",
               "psql's \\copy feeds such a COPY; a migration tool has no rows to send it. strata "
               "refuses such files at run time before anything runs; lint says so before.",
               true, "all"},
              {"truncate-cascade", LintSeverity::kError,
               "TRUNCATE ... CASCADE also empties every table with a foreign key to this one",
               "TRUNCATE the intended tables by name, without CASCADE",
               "CASCADE follows foreign keys recursively: tables added later by someone else are "
               "emptied too.",
               true, "all"},
              {"update-column-twice", LintSeverity::kError,
               "an UPDATE that assigns the same column twice fails (\"multiple assignments to "
               "same column\")",
               "assign each column once; combine the expressions",
               "PostgreSQL refuses the statement, so the migration fails at this point; in a "
               "non-transactional revision, after the statements before it have run.",
               true, "all"},
          },
      .check = Check,
      .flagged =
          {
              {"transaction-control", "BEGIN;\nALTER TABLE t ADD COLUMN c int;\nCOMMIT;"},
              {"transaction-control", "COMMIT;", false},
              {"client-copy", "COPY t FROM STDIN;"},
              {"client-copy", "COPY (SELECT a FROM t) TO STDOUT WITH (FORMAT csv);", false},
              {"truncate-cascade", "TRUNCATE t CASCADE;"},
              {"update-column-twice", "UPDATE t SET a = 1, b = 'x', a = 2;"},
          },
      .safe =
          {
              {"transaction-control",
               "SAVEPOINT before_c;\nALTER TABLE t ADD COLUMN c int;\nRELEASE SAVEPOINT "
               "before_c;"},
              {"client-copy", "COPY t FROM '/srv/seed/t.csv' WITH (FORMAT csv);"},
              {"truncate-cascade", "TRUNCATE t;"},
              {"update-column-twice", "UPDATE t SET a = 1, b = 'x';"},
          },
  };
  return family;
}

}  // namespace strata::lint
