// The rule catalog: ids, severities, the one-line risk and safe pattern printed with each
// finding, and the rationale docs/lint.md gives. Ids are stable: users name them in
// `-- strata:allow` comments and in strata.toml.
#include <algorithm>

#include "strata/lint.h"

namespace strata {
namespace {

constexpr LintSeverity kErr = LintSeverity::kError;
constexpr LintSeverity kWarn = LintSeverity::kWarning;

}  // namespace

const char* LintSeverityName(LintSeverity severity) {
  return severity == LintSeverity::kError ? "error" : "warning";
}

const std::vector<LintRule>& LintRules() {
  static const std::vector<LintRule> rules = {
      {"parse-error", kErr, "PostgreSQL cannot parse this statement; the migration will fail here",
       "fix the SQL (the parser's message says where)",
       "A statement the server cannot parse fails the migration; on a non-transactional revision "
       "it fails part way and needs a person.",
       false},
      {"missing-downgrade", kErr, "the revision has no downgrade section and cannot be undone",
       "add a `-- migrate:downgrade` section, or `-- strata:allow missing-downgrade` in the header "
       "when the change is deliberately irreversible",
       "Without a downgrade a bad deploy cannot be rolled back past this revision; "
       "`strata downgrade` refuses before running anything.",
       false},
      {"adding-not-null-column", kErr,
       "adding a NOT NULL column without a default fails on a table that has rows",
       "add the column nullable (or NOT NULL with a constant DEFAULT), backfill, then add a "
       "CHECK (col IS NOT NULL) NOT VALID, VALIDATE it and SET NOT NULL",
       "PostgreSQL must fill the new column for every existing row; with no default that is NULL, "
       "which violates NOT NULL. A constant default is stored in the catalog (PostgreSQL 11+) and "
       "is instant. Tables created in the same revision, or in revisions not yet applied, are "
       "empty and not flagged.",
       true},
      {"volatile-default", kErr,
       "a volatile default (random(), clock_timestamp(), gen_random_uuid(), nextval(), serial, "
       "identity) rewrites the whole table under an ACCESS EXCLUSIVE lock",
       "add the column without a default, SET DEFAULT afterwards (new rows only), and backfill "
       "existing rows in batches",
       "PostgreSQL 11+ stores a non-volatile default once in the catalog, so ADD COLUMN ... "
       "DEFAULT now() or DEFAULT 'x' is instant: now() and CURRENT_TIMESTAMP are STABLE and are "
       "evaluated once, giving every existing row the time of the migration. A VOLATILE function "
       "must be evaluated per row, so the table is rewritten while reads and writes wait. "
       "Functions strata does not know (user-defined) are not flagged.",
       true},
      {"dropping-column", kErr,
       "dropping a column breaks application code that still reads or writes it, and loses its "
       "data",
       "deploy code that no longer uses the column first; drop it in a later release (and say "
       "so with `-- strata:allow dropping-column`)",
       "During a rolling deploy the old code is still running; `SELECT *` caches and ORMs that "
       "name the column fail at once. The drop itself is fast but irreversible. Checked in "
       "upgrade sections only: a downgrade drops what its upgrade added.",
       false},
      {"dropping-table", kErr,
       "dropping a table breaks application code that still uses it, and loses its data",
       "stop using the table in code first; drop it in a later release (with an allow comment)",
       "Same as dropping a column, for a whole table. Checked in upgrade sections only.", false},
      {"renaming-column", kErr,
       "renaming a column breaks running application code that uses the old name",
       "add the new column, write to both, backfill, move reads, then drop the old one; or a "
       "view that exposes the old name",
       "There is no moment at which old and new code both work: the rename is atomic, the deploy "
       "is not. Checked in upgrade sections only.",
       false},
      {"renaming-table", kErr,
       "renaming a table breaks running application code that uses the old name",
       "create the new table (or an updatable view under the old name) and move code over in "
       "steps",
       "As for columns; a view named like the old table keeps old code working during the "
       "deploy. Checked in upgrade sections only.",
       false},
      {"changing-column-type", kErr,
       "changing a column's type usually rewrites the table and its indexes under an ACCESS "
       "EXCLUSIVE lock",
       "add a column of the new type, backfill in batches, switch code over, drop the old column",
       "Only binary-compatible changes (varchar(n) to text or to a larger n, numeric to a wider "
       "precision) skip the rewrite; strata cannot see the old type, so it flags every change on "
       "an existing table: silence the compatible ones with an allow comment.",
       true},
      {"index-not-concurrently", kErr,
       "CREATE INDEX without CONCURRENTLY blocks every write to the table while the index builds",
       "CREATE INDEX CONCURRENTLY IF NOT EXISTS ... in a revision with `Transactional: false`",
       "A plain CREATE INDEX takes a SHARE lock: reads continue, but INSERT/UPDATE/DELETE wait for "
       "the whole build. CONCURRENTLY builds without blocking writes. Tables created in the same "
       "revision, or in revisions not yet applied, are empty and not flagged.",
       true},
      {"concurrently-in-transaction", kErr,
       "CONCURRENTLY cannot run inside a transaction block; the migration fails",
       "put the statement in its own revision with `Transactional: false`",
       "CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY and DETACH PARTITION CONCURRENTLY "
       "are refused by PostgreSQL inside BEGIN ... COMMIT, which is how a transactional revision "
       "runs.",
       true},
      {"foreign-key-not-valid", kErr,
       "adding a foreign key scans the whole table while holding a lock that blocks writes to both "
       "tables",
       "ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, then in a later statement or revision "
       "VALIDATE CONSTRAINT",
       "Validation checks every existing row under SHARE ROW EXCLUSIVE on both tables. NOT VALID "
       "adds the constraint for new rows at once; VALIDATE CONSTRAINT then checks old rows under "
       "a lock that lets reads and writes continue.",
       true},
      {"check-constraint-not-valid", kErr,
       "adding a CHECK constraint scans the whole table under an ACCESS EXCLUSIVE lock",
       "ADD CONSTRAINT ... CHECK (...) NOT VALID, then VALIDATE CONSTRAINT",
       "As for foreign keys: NOT VALID is instant, VALIDATE takes only SHARE UPDATE EXCLUSIVE.",
       true},
      {"setting-not-null", kErr,
       "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock",
       "ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c; then SET NOT "
       "NULL (instant) and DROP CONSTRAINT c",
       "Since PostgreSQL 12, SET NOT NULL skips the scan when a validated CHECK (col IS NOT NULL) "
       "exists. strata looks for one in the history (this and earlier revisions).",
       true},
      {"missing-lock-timeout", kWarn,
       "an ALTER TABLE or CREATE INDEX waiting for its lock queues every later query on the table "
       "behind it",
       "SET lock_timeout = '2s' (SET LOCAL in a transactional revision) before the statement, or "
       "set statement_lock_timeout in strata.toml",
       "A strong lock request waits behind any long-running transaction, and every query that "
       "arrives meanwhile waits behind it: one slow report takes the table down. A lock timeout "
       "makes the migration fail fast instead (strata can retry it). Only statements on existing "
       "tables count.",
       true},
      {"unique-constraint-without-index", kErr,
       "adding a UNIQUE or PRIMARY KEY constraint builds its index under an ACCESS EXCLUSIVE lock",
       "CREATE UNIQUE INDEX CONCURRENTLY in a non-transactional revision, then ADD CONSTRAINT ... "
       "UNIQUE USING INDEX (or PRIMARY KEY USING INDEX)",
       "The index build blocks reads and writes for its whole duration; USING INDEX attaches an "
       "index built concurrently beforehand, which is instant.",
       true},
      {"adding-serial-primary-key", kErr,
       "adding a serial or identity primary key column rewrites the table and builds an index "
       "under an ACCESS EXCLUSIVE lock",
       "add a nullable bigint column, set its default from a sequence, backfill in batches, "
       "build a unique index concurrently, then ADD PRIMARY KEY USING INDEX",
       "Every existing row needs a value from the sequence (a rewrite), and the primary key index "
       "is built while the table is locked.",
       true},
      {"drop-index-not-concurrently", kErr,
       "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the index's table",
       "DROP INDEX CONCURRENTLY IF EXISTS ... in a revision with `Transactional: false`",
       "The drop is quick but must wait for every running query on the table, and blocks all new "
       "ones while it waits.",
       true},
      {"reindex-not-concurrently", kErr,
       "REINDEX without CONCURRENTLY blocks writes (and reads using the index) until it finishes",
       "REINDEX ... CONCURRENTLY in a revision with `Transactional: false`",
       "REINDEX CONCURRENTLY (PostgreSQL 12+) rebuilds without blocking.", true},
      {"detach-partition-not-concurrently", kErr,
       "DETACH PARTITION takes an ACCESS EXCLUSIVE lock on the partitioned table",
       "ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY in a revision with "
       "`Transactional: false`",
       "DETACH PARTITION CONCURRENTLY (PostgreSQL 14+) only takes SHARE UPDATE EXCLUSIVE.", true},
      {"vacuum-full", kErr, "VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock",
       "plain VACUUM, or pg_repack outside migrations",
       "VACUUM FULL blocks every query on the table for the whole rewrite; it is maintenance, "
       "not a schema change.",
       true},
      {"cluster", kErr, "CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock",
       "pg_repack outside migrations",
       "Like VACUUM FULL, CLUSTER blocks every query for the whole rewrite.", true},
      {"transaction-control", kErr,
       "BEGIN/COMMIT/ROLLBACK inside a revision breaks strata's own transaction handling",
       "remove it: transactional revisions run in one transaction; use `Transactional: false` to "
       "run statement by statement",
       "strata wraps a transactional revision and its version-table update in one transaction; a "
       "COMMIT inside would record half a migration. strata refuses such files at run time; lint "
       "says so before.",
       false},
      {"client-copy", kErr,
       "COPY ... FROM STDIN / TO STDOUT needs a client to send or receive the rows; strata has "
       "none",
       "INSERT ... VALUES for the rows, or COPY from a file on the database server",
       "psql's \\copy feeds such a COPY; a migration tool has no rows to send it. strata refuses "
       "such files at run time before anything runs; lint says so before.",
       true},
      {"truncate-cascade", kErr,
       "TRUNCATE ... CASCADE also empties every table with a foreign key to this one",
       "TRUNCATE the intended tables by name, without CASCADE",
       "CASCADE follows foreign keys recursively: tables added later by someone else are emptied "
       "too.",
       true},
      {"missing-if-exists", kErr,
       "in a non-transactional revision, a statement without IF [NOT] EXISTS fails when the "
       "revision is rerun after a partial failure",
       "CREATE ... IF NOT EXISTS, DROP ... IF EXISTS, ADD COLUMN IF NOT EXISTS",
       "A non-transactional revision that fails part way leaves its earlier statements applied; "
       "after the fix it is run again from the top, so each statement must succeed when its "
       "change is already there. (An interrupted CREATE INDEX CONCURRENTLY leaves an INVALID "
       "index that IF NOT EXISTS then skips: precede it with DROP INDEX CONCURRENTLY IF EXISTS.)",
       false},
      {"prefer-jsonb", kWarn,
       "json stores text and reparses it on every access; it has no equality "
       "operator and cannot be indexed with GIN",
       "jsonb",
       "jsonb is binary, indexable and comparable; json only keeps key order and duplicates.",
       true},
      {"prefer-text", kWarn,
       "varchar(n) gains nothing over text, and raising n later means an ALTER on a live table",
       "text, with a CHECK (length(col) <= n) NOT VALID when a limit matters",
       "In PostgreSQL varchar(n) and text are stored the same way; the limit is only a check, and "
       "a "
       "CHECK constraint can be changed without touching the column.",
       true},
      {"prefer-timestamptz", kWarn,
       "timestamp without time zone stores wall-clock times whose zone is lost",
       "timestamptz (timestamp with time zone)",
       "timestamptz stores an instant and converts to the session's zone; timestamp silently "
       "depends on whoever wrote the value.",
       true},
      {"avoid-char", kWarn, "char(n) pads values with spaces and is no faster than text",
       "text (or varchar)", "char(n) blank-pads, which surprises comparisons and lengths.", true},
      {"avoid-money", kWarn, "money depends on the lc_monetary setting and has a fixed precision",
       "numeric, plus a currency column when needed",
       "A dump restored under another locale reads different amounts.", true},
      {"prefer-identity", kWarn,
       "serial creates a sequence owned loosely by the column, with permissions and dump quirks",
       "bigint GENERATED BY DEFAULT AS IDENTITY",
       "Identity columns are the SQL-standard form, tie the sequence to the column, and copy "
       "correctly with CREATE TABLE ... LIKE.",
       true},
  };
  return rules;
}

const LintRule* FindLintRule(std::string_view id) {
  const std::vector<LintRule>& rules = LintRules();
  auto it = std::find_if(rules.begin(), rules.end(), [&](const LintRule& r) { return r.id == id; });
  return it == rules.end() ? nullptr : &*it;
}

int LintReport::errors() const {
  return static_cast<int>(std::count_if(findings.begin(), findings.end(), [](const LintFinding& f) {
    return f.severity == LintSeverity::kError;
  }));
}

int LintReport::warnings() const { return static_cast<int>(findings.size()) - errors(); }

}  // namespace strata
