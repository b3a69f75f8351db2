// `strata lint [PATHS...]`: lints the revision files (lint_run.h: which files, which rules, which
// revisions are pending when a URL was given with --url) and prints findings like a compiler:
// `file:line: error[rule-id]: risk` then `  safe pattern: ...`.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/format.h"
#include "strata/lint_run.h"

namespace strata::cli {

Status RunLint(const Context& ctx, const LintOptions& o) {
  LintRequest request;
  request.paths = o.paths;
  request.dialect = o.dialect;
  request.settings = ctx.settings();
  request.driver = ctx.driver_options();
  // lint does not connect to a database by itself: only a URL given on the command line.
  request.use_database = ctx.settings().url_source == "--url";
  request.pg_version = o.pg_version;
  Result<LintRun> run = LintFiles(request);
  if (!run.ok()) return run.status();
  const LintReport& all = run->report;
  const std::string& dialect_reason = run->dialect_reason;
  const bool postgres = run->dialect == "postgresql";
  int errors = all.errors();
  int warnings = all.warnings();
  if (ctx.json()) {
    PrintJson(LintJson(*run));
  } else {
    std::string out;
    if (!ctx.quiet()) {
      out += fmt::format("lint: {} rules ({})", postgres ? "PostgreSQL" : "SQLite", dialect_reason);
      if (postgres && run->pg_version > 0) {
        out += fmt::format(", for PostgreSQL {} ({})", run->pg_version, run->pg_version_source);
      }
      out += "\n";
    }
    if (!all.skipped_rules.empty()) {
      std::string ids;
      for (const std::string& id : all.skipped_rules) ids += (ids.empty() ? "" : ", ") + id;
      out += fmt::format("sqlite: skipped rules (PostgreSQL only): {}\n", ids);
    }
    for (const LintNote& n : all.notes) {
      out += fmt::format("{}:{}: note: {}\n", n.file, n.line, n.message);
    }
    for (const LintFinding& f : all.findings) {
      out +=
          fmt::format("{}:{}: {}[{}]: {}{} (revision {})\n  safe pattern: {}\n", f.file, f.line,
                      LintSeverityName(f.severity), f.rule, f.detail.empty() ? "" : f.detail + ": ",
                      f.risk, f.revision, f.safe_pattern);
    }
    if (!ctx.quiet()) {
      out += fmt::format("lint: {} error{}, {} warning{} in {} revision{} ({} statements checked",
                         errors, errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s",
                         all.revisions, all.revisions == 1 ? "" : "s", all.statements);
      if (all.not_checked > 0) {
        out += fmt::format(", {} not checked: see the notes", all.not_checked);
      }
      if (all.silenced > 0) out += fmt::format(", {} silenced", all.silenced);
      out += ")\n";
    }
    Print(out);
  }
  return LintStatus(*run);
}

}  // namespace strata::cli
