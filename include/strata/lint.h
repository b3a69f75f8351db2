// Lint: zero-downtime safety rules over revision files (DESIGN §6).
//
// Every section of every revision is parsed with PostgreSQL's own parser (libpg_query, the
// PostgreSQL 15 grammar) and the parse tree is walked; no pattern matching over SQL text. The
// linter is history-aware: revisions are fed oldest first (upgrade order), and it keeps a model
// of which tables earlier revisions created, renamed and dropped, which NOT NULL checks were
// validated, and which indexes belong to which table. A table created in the revision being
// linted, or in a revision not yet applied to the target database, is new and empty: indexing
// it without CONCURRENTLY or adding a NOT NULL column to it cannot block anyone, and is not
// flagged.
//
// Pure: no file or database I/O (the CLI reads files and asks the database which revisions are
// pending). A Linter is not thread-safe; separate Linters may run on separate threads.
#ifndef STRATA_LINT_H_
#define STRATA_LINT_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "strata/graph.h"
#include "strata/revision.h"

namespace strata {

enum class LintSeverity { kError, kWarning };

// "error" / "warning".
const char* LintSeverityName(LintSeverity severity);

struct LintRule {
  std::string_view id;  // stable, kebab-case: what `-- strata:allow` and `[lint] allow` name
  LintSeverity severity;
  std::string_view risk;                 // one line: what goes wrong in production
  std::string_view safe_pattern;         // one line: what to write instead
  std::string_view rationale;            // why, for docs/lint.md
  bool postgres_only;                    // skipped when linting for SQLite
  std::string_view pg_versions = "all";  // the PostgreSQL versions the risk applies to
  bool sqlite_only = false;              // skipped when linting for PostgreSQL
  bool opt_in = false;                   // off unless `[lint] enable` names it
};

// Every rule, in the order docs/lint.md lists them.
const std::vector<LintRule>& LintRules();
// nullptr for an unknown id.
const LintRule* FindLintRule(std::string_view id);

struct LintFinding {
  std::string rule;
  LintSeverity severity = LintSeverity::kError;
  std::string file;
  int line = 0;  // 1-based line of the statement's first token (of the error, for parse-error)
  std::string revision;
  std::string section;  // "upgrade" | "downgrade" | "" (whole revision)
  std::string detail;   // what was found: "users.email", the parser's message, ...
  std::string risk;
  std::string safe_pattern;
};

// Something that is not a finding but that the user must know, e.g. a statement the PostgreSQL
// parser cannot read in a SQLite project ("not checked (SQLite syntax)").
struct LintNote {
  std::string file;
  int line = 0;
  std::string revision;
  std::string message;
};

enum class LintDialect { kPostgres, kSqlite };

struct LintConfig {
  LintDialect dialect = LintDialect::kPostgres;
  // statement_lock_timeout is set in the settings: the runtime sets lock_timeout itself, so the
  // missing-lock-timeout rule does not apply.
  bool statement_lock_timeout_set = false;
  // A statement_timeout is set for the migration's sessions (the database, the role or the
  // caller): the missing-statement-timeout rule does not apply.
  bool statement_timeout_set = false;
  // Rule ids silenced everywhere ([lint] allow in strata.toml).
  std::vector<std::string> allow;
  // Opt-in rules turned on ([lint] enable in strata.toml), e.g. require-table-schema.
  std::vector<std::string> enable;
  // Ids of the revisions not yet applied to the target database, when a database was consulted.
  // Tables they create count as new and empty. nullopt: no database; a table created in an
  // earlier revision exists (and may hold data).
  std::optional<std::set<std::string>> pending;
  // The target server's major version (from --url or --pg-version); 0 = not known. Above 15, a
  // statement the PostgreSQL 15 parser cannot read that uses newer DDL words is a note, not a
  // parse-error.
  int pg_version = 0;
  // Volatility of functions in the target database ('i', 's', 'v' by name, from
  // pg_proc.provolatile), when --url names one; functions the history creates take precedence.
  std::map<std::string, char> function_volatility;
  // The live catalog, when --url names a PostgreSQL database: the definitions of its columns
  // (`ALTER TABLE t ADD COLUMN c type ...`) and functions (`CREATE FUNCTION ...`), as
  // `strata schema` prints them. They seed the history model before the first revision, so a
  // table made outside strata has its columns' types, and a user function its volatility.
  std::vector<std::string> catalog;
};

struct LintReport {
  std::vector<LintFinding> findings;  // in upgrade order, then statement order
  std::vector<LintNote> notes;
  std::vector<std::string> skipped_rules;  // rules that do not apply to the dialect
  int revisions = 0;                       // revisions reported on
  int statements = 0;                      // statements parsed and checked
  int not_checked = 0;  // statements not checked, each with a note: SQLite syntax, too large
  int silenced = 0;     // findings silenced by allow comments or config

  int errors() const;
  int warnings() const;
};

// Reads a revision again, with its SQL, for revisions loaded without it (LoadScriptDirectory with
// SqlBodies::kDrop): lint then holds a few revisions' SQL at a time, not the whole folder's. An
// error (the file changed or went away) becomes a note on that revision.
using RevisionReader = std::function<Result<Revision>(const Revision&)>;

class Linter {
 public:
  explicit Linter(LintConfig config);
  ~Linter();
  Linter(Linter&&) noexcept;
  Linter& operator=(Linter&&) noexcept;

  // Lints one revision. Revisions must come oldest first (parents before children) so the
  // history model is right. With `report` false the revision only feeds the history model (it
  // is outside the PATHS asked for). Never fails: SQL that does not parse is a finding.
  void Add(const Revision& revision, bool report = true);

  // Reads (with `reader`) and parses `revisions` ahead on worker threads (one a core), so that
  // Add, called for the same revisions in the same order, mostly finds them parsed. Optional; the
  // revisions must outlive the Linter. With a reader, Add lints what it reads, not the revision
  // it is given.
  void Prefetch(const std::vector<const Revision*>& revisions, RevisionReader reader = nullptr);

  // The findings so far.
  const LintReport& report() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The graph's revisions oldest first: every revision after all of its ancestors.
std::vector<const Revision*> UpgradeOrder(const RevisionGraph& graph);

// Lints `revisions` (oldest first); findings only for the ids in `selected` (nullptr = all).
LintReport LintRevisions(const std::vector<const Revision*>& revisions, const LintConfig& config,
                         const std::set<std::string>* selected = nullptr,
                         RevisionReader reader = nullptr);

// Which rules fit a set of revision files when no database URL says: SQLite when a statement
// uses syntax that only SQLite has (AUTOINCREMENT, PRAGMA, WITHOUT ROWID, INSERT OR REPLACE
// and its siblings, REPLACE INTO, ATTACH DATABASE), PostgreSQL otherwise. `reason` says why, in
// words for the user ("migrations/x.sql:12 uses AUTOINCREMENT, which only SQLite has").
struct LintDialectGuess {
  LintDialect dialect = LintDialect::kPostgres;
  std::string reason;
};
LintDialectGuess GuessLintDialect(const std::vector<const Revision*>& revisions,
                                  const RevisionReader& reader = nullptr);

}  // namespace strata

#endif  // STRATA_LINT_H_
