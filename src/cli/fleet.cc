// Fleet runs from the command line (cli/fleet.h): target list in, progress bar, JSON lines and
// a summary table out.
#include "cli/fleet.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cli/format.h"
#include "cli/interrupt.h"

namespace strata::cli {
namespace {

std::string Heads(const std::vector<std::string>& heads) {
  return heads.empty() ? "<base>" : RevisionList(heads);
}

nlohmann::json ResultJson(FleetCommand command, const TargetResult& r) {
  nlohmann::json j = {
      {"target", r.target},
      {"index", r.index},
      {"host", r.host},
      {"command", FleetCommandName(command)},
      {"state", TargetStateName(r.state)},
      {"heads_before", r.heads_before},
      {"heads_after", r.heads_after},
      {"steps", r.steps},
      {"duration_ms", r.duration_ms},
      {"exit_code", r.exit_code},
      {"error", r.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.error)}};
  if (command == FleetCommand::kCheck || command == FleetCommand::kStatus) j["pending"] = r.pending;
  if (command == FleetCommand::kStatus) {
    j["unresolved_failures"] = r.unresolved_failures;
    j["schema"] = r.drift;
  }
  if (command == FleetCommand::kStatus || !r.standbys.empty()) {
    nlohmann::json standbys = nlohmann::json::array();
    for (const StandbyState& s : r.standbys) {
      standbys.push_back(
          {{"name", s.name},
           {"client_addr", s.client_addr},
           {"state", s.state},
           {"replay_lsn", s.replay_lsn},
           {"behind_bytes", s.behind_bytes},
           {"replay_lag_seconds", s.replay_lag_seconds ? nlohmann::json(*s.replay_lag_seconds)
                                                       : nlohmann::json(nullptr)}});
    }
    j["standbys"] = standbys;
  }
  return j;
}

// The progress bar on stderr (a terminal only) and the JSON lines on stdout, as targets finish.
class FleetPrinter : public FleetObserver {
 public:
  FleetPrinter(const Context& ctx, FleetCommand command, bool bar)
      : ctx_(ctx), command_(command), bar_(bar) {}

  void OnTargetDone(const TargetResult& r, size_t finished, size_t total) override {
    switch (r.state) {
      case TargetResult::State::kDone:
        ++done_;
        break;
      case TargetResult::State::kSkipped:
        ++skipped_;
        break;
      case TargetResult::State::kFailed:
        ++failed_;
        break;
      case TargetResult::State::kNotRun:
        ++not_run_;
        break;
    }
    if (ctx_.json()) PrintJsonLine(ResultJson(command_, r));
    if (bar_) Draw(finished, total);
  }

  void Finish() {
    if (bar_) std::fprintf(stderr, "\r%*s\r", static_cast<int>(width_), "");
  }

 private:
  void Draw(size_t finished, size_t total) {
    constexpr int kCells = 30;
    int filled = total == 0 ? kCells : static_cast<int>(finished * kCells / total);
    std::string line =
        fmt::format("[{}{}] {}/{}  ok {}  skipped {}  failed {}{}", std::string(filled, '#'),
                    std::string(kCells - filled, '.'), finished, total, done_, skipped_, failed_,
                    not_run_ ? fmt::format("  not run {}", not_run_) : std::string());
    width_ = std::max(width_, line.size());
    std::fprintf(stderr, "\r%-*s", static_cast<int>(width_), line.c_str());
    std::fflush(stderr);
  }

  const Context& ctx_;
  FleetCommand command_;
  bool bar_;
  size_t width_ = 0;
  int done_ = 0, skipped_ = 0, failed_ = 0, not_run_ = 0;
};

std::string Cut(std::string s, size_t width) {
  if (s.size() > width) s = s.substr(0, width - 3) + "...";
  return s;
}

std::string SummaryTable(FleetCommand command, const FleetSummary& summary) {
  size_t target_width = 6;
  for (const TargetResult& r : summary.results) {
    target_width = std::max(target_width, std::min<size_t>(r.target.size(), 60));
  }
  std::string out = fmt::format(
      "{:<{}}  {:<8} {:>4}  {:<28} {:>5} {:>8}  {}\n", "TARGET", target_width, "STATE", "EXIT",
      command == FleetCommand::kCheck ? "CURRENT (PENDING)" : "HEADS BEFORE -> AFTER", "STEPS",
      "MS", "ERROR");
  for (const TargetResult& r : summary.results) {
    std::string heads;
    if (r.state == TargetResult::State::kNotRun) {
      heads = "-";
    } else if (command == FleetCommand::kUpgrade || command == FleetCommand::kDowngrade) {
      heads = Heads(r.heads_before) + " -> " + Heads(r.heads_after);
    } else {
      heads = Heads(r.heads_after);
      if (!r.pending.empty()) heads += fmt::format(" ({} pending)", r.pending.size());
    }
    out += fmt::format("{:<{}}  {:<8} {:>4}  {:<28} {:>5} {:>8}  {}\n", Cut(r.target, target_width),
                       target_width, TargetStateName(r.state), r.exit_code, Cut(heads, 28),
                       r.steps.size(), r.duration_ms, r.error);
  }
  out += fmt::format(
      "{} target(s) in {:.1f} s: {} done, {} skipped (already there), {} failed, {} not run; "
      "exit {}\n",
      summary.results.size(), static_cast<double>(summary.duration_ms) / 1000, summary.done,
      summary.skipped, summary.failed, summary.not_run, summary.worst_exit_code);
  return out;
}

Result<std::vector<FleetTarget>> ReadTargets(const Context& ctx, const FleetCliOptions& f) {
  if (!f.targets.empty() && !f.targets_query.empty()) {
    return Status::Usage("--targets and --targets-query cannot be used together");
  }
  if (!f.targets_query.empty()) {
    Result<std::vector<std::string>> urls =
        QueryTargetUrls(ctx.settings().url, f.targets_query, DriverOptions{});
    if (!urls.ok()) return urls.status();
    return TargetsFromUrls(*urls, "--targets-query");
  }
  std::string text;
  if (f.targets == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), {});
    return ParseTargetList(text, "stdin");
  }
  std::ifstream in(f.targets, std::ios::binary);
  if (!in) {
    return Status::Usage(fmt::format("cannot read the target list {}", f.targets))
        .WithHint("--targets takes a file of database URLs, one a line, or - for stdin");
  }
  text.assign(std::istreambuf_iterator<char>(in), {});
  return ParseTargetList(text, f.targets);
}

}  // namespace

Status RunFleetCommand(const Context& ctx, FleetCommand command, const std::string& target,
                       const FleetCliOptions& f, const MigrateOptions* migrate) {
  if (f.parallel < 1) return Status::Usage("--parallel must be at least 1");
  if (f.per_host < 0) return Status::Usage("--per-host must be 0 (no cap) or more");
  if (f.canary < 0) return Status::Usage("--canary must be 0 or more");
  if (f.on_error != "continue" && f.on_error != "stop") {
    return Status::Usage(
        fmt::format("--on-error must be 'continue' or 'stop', not '{}'", f.on_error));
  }
  if (migrate != nullptr && migrate->sql) {
    return Status::Usage("--sql prints one script and touches no database: drop --targets");
  }
  if (migrate != nullptr && (migrate->backup || ctx.settings().backup_before_upgrade)) {
    return Status::Usage(
        "--backup (and backup_before_upgrade) are not supported with --targets yet: back the "
        "fleet up with its own tooling, or run `strata upgrade --backup` per database");
  }
  Result<RevisionGraph> graph = ctx.LoadGraph();
  if (!graph.ok()) return graph.status();
  Result<std::vector<FleetTarget>> targets = ReadTargets(ctx, f);
  if (!targets.ok()) return targets.status();

  FleetRequest request;
  request.command = command;
  request.target = target;
  request.graph = &*graph;
  request.driver_options = ctx.driver_options();
  if (migrate != nullptr) {
    request.allow_changed = migrate->allow_changed;
    std::chrono::milliseconds wait = ctx.settings().wait_replicas;
    if (migrate->wait_replicas && wait.count() == 0) wait = std::chrono::seconds(60);
    request.wait_replicas.timeout = wait;
  }

  FleetOptions options;
  options.parallel = f.parallel;
  options.per_host = f.per_host;
  options.canary = f.canary;
  options.stop_on_error = f.on_error == "stop";
  bool bar = !ctx.quiet() && ::isatty(STDERR_FILENO);
  FleetPrinter printer(ctx, command, bar);
  FleetSummary summary;
  {
    // Ctrl-C or SIGTERM: the handler only sets a flag, which the runner polls.
    InterruptScope interrupt;
    options.stop_requested = InterruptScope::Flag();
    summary = RunFleet(request, *targets, options, &printer);
  }
  printer.Finish();
  if (ctx.json()) {
    PrintJsonLine({{"summary",
                    {{"command", FleetCommandName(command)},
                     {"targets", summary.results.size()},
                     {"done", summary.done},
                     {"skipped", summary.skipped},
                     {"failed", summary.failed},
                     {"not_run", summary.not_run},
                     {"canary_failed", summary.canary_failed},
                     {"stopped", summary.stopped},
                     {"duration_ms", summary.duration_ms},
                     {"exit_code", summary.worst_exit_code}}}});
  } else if (!ctx.quiet() || summary.worst_exit_code != 0) {
    Print(SummaryTable(command, summary));
  }
  if (summary.worst_exit_code == 0) return Status::Ok();
  std::string what =
      summary.canary_failed ? "a canary target failed, the rest did not run"
      : summary.failed > 0
          ? fmt::format("{} of {} target(s) failed", summary.failed, summary.results.size())
          : fmt::format("{} of {} target(s) reported exit {}", summary.done, summary.results.size(),
                        summary.worst_exit_code);
  if (summary.not_run > 0 && !summary.canary_failed) {
    what += fmt::format(", {} not run", summary.not_run);
  }
  return Status::Error(static_cast<ErrorKind>(summary.worst_exit_code),
                       what + "; the exit code is the worst target's")
      .WithHint(
          "the table (or the JSON lines) names each target's error; rerun the same "
          "command to resume: targets already done are skipped");
}

}  // namespace strata::cli
