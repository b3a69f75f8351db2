#include "cli/context.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "cli/progress_line.h"
#include "strata/script.h"
#include "strata/url.h"

namespace strata::cli {

Result<Context> Context::Create(const GlobalOptions& options) {
  Context ctx;
  if (options.format == "text") {
    ctx.format_ = OutputFormat::kText;
  } else if (options.format == "json") {
    ctx.format_ = OutputFormat::kJson;
  } else {
    return Status::Usage(
        fmt::format("--format must be 'text' or 'json', not '{}'", options.format));
  }
  ctx.quiet_ = options.quiet;
  ctx.verbose_ = options.verbose;
  Result<Settings> settings = LoadSettings(options.overrides);
  if (!settings.ok()) return settings.status();
  ctx.settings_ = std::move(settings).value();
  return ctx;
}

std::string Context::redacted_url() const { return RedactUrl(settings_.url); }

Result<RevisionGraph> Context::LoadGraph() const {
  return LoadScriptDirectory(settings_.dir, settings_.max_revision_size);
}

Result<std::unique_ptr<Driver>> Context::OpenDatabase() const {
  Result<DatabaseUrl> url = ParseDatabaseUrl(settings_.url);
  if (!url.ok()) return url.status();
  return OpenDriver(*url, driver_options());
}

DriverOptions Context::driver_options() const {
  DriverOptions options = DriverOptionsFor(settings_);
  bool quiet = quiet_;
  // A large revision's progress, on a terminal only; the other lines blank it first.
  std::shared_ptr<ProgressLine> progress;
  if (!quiet && ::isatty(STDERR_FILENO)) {
    progress = std::make_shared<ProgressLine>();
    options.on_progress = [progress](const StepProgress& p) { progress->Update(p); };
  }
  options.on_wait = [quiet, progress](const std::string& line) {
    if (quiet) return;
    if (progress) progress->Clear();
    std::fprintf(stderr, "%s\n", line.c_str());
  };
  // What the database says about a revision's statements: a WARNING always (even with -q: it
  // may mean the revision did something other than intended), NOTICE and the rest with -v.
  bool verbose = verbose_ > 0;
  options.on_notice = [verbose, progress](const std::string& severity, const std::string& line) {
    if (severity != "WARNING" && !verbose) return;
    if (progress) progress->Clear();
    std::fprintf(stderr, "%s\n", line.c_str());
  };
  return options;
}

void Context::Progress(const std::string& line) const {
  if (quiet_) return;
  std::FILE* out = json() ? stderr : stdout;
  std::fprintf(out, "%s\n", line.c_str());
  std::fflush(out);
}

void Print(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

}  // namespace strata::cli
