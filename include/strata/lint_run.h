// What `strata lint` does before printing, shared by the CLI and the Python module: which files
// to lint (the migrations folder, or the paths given: folders as histories, files of the
// migrations folder with its whole history, loose files on their own), with which rules (the
// dialect as asked, else as a configured URL says, else as the files say), and which revisions
// are pending in the database (only when asked to look: `use_database`, over one connection
// that also reads the live catalog, the server's version and its statement_timeout).
//
// Reads files and, with use_database, the database; not thread-safe.
#ifndef STRATA_LINT_RUN_H_
#define STRATA_LINT_RUN_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "strata/config.h"
#include "strata/driver.h"
#include "strata/lint.h"
#include "strata/status.h"

namespace strata {

struct LintRequest {
  std::vector<std::string> paths;  // files or folders; empty = the migrations folder
  std::string dialect;             // "postgresql" | "postgres" | "sqlite"; empty = decided
  Settings settings;
  DriverOptions driver;       // to open settings.url when use_database
  bool use_database = false;  // report only revisions pending in the database, and read the
                              // live PostgreSQL catalog (column types, function volatility)
  // The target server's major version (--pg-version); 0 = read it from the server when
  // use_database names a PostgreSQL one, else unknown.
  int pg_version = 0;
};

struct LintRun {
  LintReport report;
  std::string dialect;  // "postgresql" | "sqlite"
  std::string dialect_reason;
  bool from_database = false;     // pending revisions came from the database
  int pg_version = 0;             // the PostgreSQL major version linted for; 0 = unknown
  std::string pg_version_source;  // "--pg-version" | "the server's version" | ""
};

// The PostgreSQL major version lint assumes (LintConfig::pg_version): `requested` (--pg-version)
// when given, else `server` (read from the server named with --url), else 0 = unknown. An
// explicit version wins: it lets a team lint for the server it is about to upgrade to.
struct LintPgVersion {
  int major = 0;
  std::string source;  // as LintRun::pg_version_source
};
LintPgVersion ChooseLintPgVersion(int requested, int server);

// kInvalidScripts for unreadable or malformed files (every one, together) or an unknown rule in
// [lint] allow; kConnection when the database cannot be read with use_database.
Result<LintRun> LintFiles(const LintRequest& request);

// {"findings", "notes", "skipped_rules", "summary"} as `strata lint --format json` prints it.
nlohmann::json LintJson(const LintRun& run);

// kPending (exit 6) when a finding of severity error remains; Ok otherwise.
Status LintStatus(const LintRun& run);

}  // namespace strata

#endif  // STRATA_LINT_RUN_H_
