// What every command receives: resolved settings, output format, and helpers to reach the
// migrations folder and the database. The CLI is a thin client of the library; commands only
// translate between options, library calls and printed output.
#ifndef STRATA_CLI_CONTEXT_H_
#define STRATA_CLI_CONTEXT_H_

#include <memory>
#include <optional>
#include <string>

#include "strata/config.h"
#include "strata/driver.h"
#include "strata/graph.h"
#include "strata/status.h"

namespace strata::cli {

enum class OutputFormat { kText, kJson };

struct GlobalOptions {
  SettingsOverrides overrides;
  std::string format = "text";
  bool quiet = false;
  int verbose = 0;
  bool no_color = false;
};

class Context {
 public:
  // Resolves settings (DESIGN §1). kInvalidScripts for a bad config, kUsage for a bad --format.
  static Result<Context> Create(const GlobalOptions& options);

  const Settings& settings() const { return settings_; }
  OutputFormat format() const { return format_; }
  bool json() const { return format_ == OutputFormat::kJson; }
  bool quiet() const { return quiet_; }
  int verbose() const { return verbose_; }

  // The database URL with its password masked, for every message.
  std::string redacted_url() const;

  // Loads and validates the migrations folder (kInvalidScripts with every problem).
  Result<RevisionGraph> LoadGraph() const;

  // Opens the database. `on_wait` lines go to stderr unless quiet; the database's WARNINGs about
  // a revision's statements always, its NOTICEs with -v; a large revision's progress when stderr
  // is a terminal, unless quiet (progress_line.h).
  Result<std::unique_ptr<Driver>> OpenDatabase() const;
  // The driver options OpenDatabase uses (settings, and on_wait printing to stderr).
  DriverOptions driver_options() const;

  // Progress for people: stdout in text mode, stderr in JSON mode (stdout holds only the JSON
  // document), nothing with -q.
  void Progress(const std::string& line) const;

 private:
  Settings settings_;
  OutputFormat format_ = OutputFormat::kText;
  bool quiet_ = false;
  int verbose_ = 0;
};

// Writes text to stdout as is.
void Print(const std::string& text);

}  // namespace strata::cli

#endif  // STRATA_CLI_CONTEXT_H_
