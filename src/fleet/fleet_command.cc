// One fleet target's command (fleet.h's RunTargetCommand), and RunFleet, which runs it over a
// fleet. A target runs exactly as `strata COMMAND --url URL` would: its own connection and
// migration lock, the same checks, the same exit codes.
#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "strata/fleet.h"
#include "strata/inspect.h"
#include "strata/migrator.h"
#include "strata/plan.h"
#include "strata/url.h"

namespace strata {
namespace {

// Collects the steps a target applied, for its result line.
class StepCollector : public MigrationObserver {
 public:
  void OnStepDone(const Step& step, int64_t /*duration_ms*/) override {
    steps.push_back(fmt::format("{} {}", DirectionName(step.direction), step.revision->id));
  }
  std::vector<std::string> steps;
};

// Registers the migrator's Interrupt with the runner for as long as the migrator lives.
class InterruptRegistration {
 public:
  InterruptRegistration(const InterruptSlot& slot, Migrator& migrator) : slot_(slot) {
    slot_([&migrator] { migrator.Interrupt(); });
  }
  ~InterruptRegistration() { slot_(nullptr); }
  InterruptRegistration(const InterruptRegistration&) = delete;
  InterruptRegistration& operator=(const InterruptRegistration&) = delete;

 private:
  const InterruptSlot& slot_;
};

const char* DriftName(SchemaDrift::State state) { return SchemaDriftStateName(state); }

}  // namespace

TargetResult RunTargetCommand(const FleetRequest& request, const FleetTarget& target,
                              const InterruptSlot& slot) {
  TargetResult r;
  auto fail = [&](const Status& status) {
    r.state = TargetResult::State::kFailed;
    r.exit_code = status.exit_code();
    // One line (libpq's messages have newlines and tabs), with the hint ToString adds.
    r.error = RedactSecrets(status.ToString(), target.url);
    for (char& c : r.error) {
      if (c == '\n' || c == '\t') c = ' ';
    }
    return r;
  };
  // Workers print nothing: what a target says is in its result.
  DriverOptions options = request.driver_options;
  options.on_wait = nullptr;
  options.on_notice = nullptr;
  options.on_progress = nullptr;

  Result<DatabaseUrl> url = ParseDatabaseUrl(target.url);
  if (!url.ok()) return fail(url.status());
  Result<std::unique_ptr<Driver>> driver = OpenDriver(*url, options);
  if (!driver.ok()) return fail(driver.status());
  const RevisionGraph& graph = *request.graph;
  StepCollector collector;
  Migrator migrator(**driver, graph, &collector);
  InterruptRegistration registration(slot, migrator);

  Result<std::vector<std::string>> current = migrator.Current();
  if (!current.ok()) return fail(current.status());
  r.heads_before = *current;
  r.heads_after = *current;
  r.state = TargetResult::State::kDone;

  switch (request.command) {
    case FleetCommand::kCurrent:
      return r;
    case FleetCommand::kCheck: {
      Result<std::vector<const Revision*>> pending = PendingRevisions(graph, *current);
      if (!pending.ok()) return fail(pending.status());
      for (const Revision* p : *pending) r.pending.push_back(p->id);
      if (!r.pending.empty()) {
        r.exit_code = static_cast<int>(ErrorKind::kPending);
        r.error = fmt::format("{} revision(s) not applied", r.pending.size());
      }
      return r;
    }
    case FleetCommand::kStatus: {
      Result<DatabaseStatus> s = InspectDatabase(**driver, graph, request.status_runs);
      if (!s.ok()) return fail(s.status());
      for (const Revision* p : s->pending) r.pending.push_back(p->id);
      r.unresolved_failures = static_cast<int>(s->unresolved_failures.size());
      r.drift = DriftName(s->drift.state);
      Result<std::vector<StandbyState>> standbys = (*driver)->Standbys("");
      if (standbys.ok()) r.standbys = std::move(standbys).value();
      return r;
    }
    case FleetCommand::kUpgrade:
    case FleetCommand::kDowngrade:
      break;
  }

  // Resume: a target already where the command would take it is skipped after this one
  // read-only query, without its lock.
  bool up = request.command == FleetCommand::kUpgrade;
  Result<Plan> plan = up ? PlanUpgrade(graph, *current, request.target)
                         : PlanDowngrade(graph, *current, request.target);
  if (!plan.ok()) return fail(plan.status());
  if (plan->steps.empty()) {
    r.state = TargetResult::State::kSkipped;
    return r;
  }
  migrator.set_allow_changed(request.allow_changed);
  if (up) migrator.set_wait_replicas(request.wait_replicas);
  Result<RunResult> run =
      up ? migrator.Upgrade(request.target) : migrator.Downgrade(request.target);
  r.steps = collector.steps;
  if (!run.ok()) {
    // Where a failure left the target (best effort: the connection may be what failed).
    Result<std::vector<std::string>> now = (*driver)->ReadVersions();
    if (now.ok()) r.heads_after = std::move(now).value();
    return fail(run.status());
  }
  r.heads_before = run->heads_before;
  r.heads_after = run->heads_after;
  r.standbys = run->standbys;
  return r;
}

FleetSummary RunFleet(const FleetRequest& request, const std::vector<FleetTarget>& targets,
                      const FleetOptions& options, FleetObserver* observer) {
  FleetRunner runner(options, observer);
  return runner.Run(
      targets, [&request](const FleetTarget& target, size_t /*index*/, const InterruptSlot& slot) {
        return RunTargetCommand(request, target, slot);
      });
}

}  // namespace strata
