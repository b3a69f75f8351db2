// `strata upgrade`, `strata downgrade`, `strata stamp`: run a plan through the Migrator.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/interrupt.h"
#include "strata/migrator.h"

namespace strata::cli {
namespace {

std::string JoinOrBase(const std::vector<std::string>& ids) {
  if (ids.empty()) return "<base>";
  std::string out;
  for (const std::string& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out;
}

// Prints Alembic-style progress and collects the steps for --format json.
class ProgressObserver : public MigrationObserver {
 public:
  explicit ProgressObserver(const Context& ctx) : ctx_(ctx) {}

  void OnStepStart(const Step& step) override {
    ctx_.Progress(fmt::format("Running {} {} -> {}, {}", DirectionName(step.direction),
                              JoinOrBase(step.from_ids), JoinOrBase(step.to_ids),
                              step.revision->message));
  }
  void OnStepDone(const Step& step, int64_t duration_ms) override {
    steps_.push_back({{"revision", step.revision->id},
                      {"direction", DirectionName(step.direction)},
                      {"from", step.from_ids},
                      {"to", step.to_ids},
                      {"message", step.revision->message},
                      {"duration_ms", duration_ms}});
    if (ctx_.verbose() > 0) ctx_.Progress(fmt::format("  done in {} ms", duration_ms));
  }
  void OnInfo(const std::string& line) override { ctx_.Progress(line); }

  nlohmann::json steps() const { return steps_; }

 private:
  const Context& ctx_;
  nlohmann::json steps_ = nlohmann::json::array();
};

enum class Command { kUpgrade, kDowngrade, kStamp };

Status Migrate(const Context& ctx, Command command, const std::string& target, bool purge) {
  Result<RevisionGraph> graph = ctx.LoadGraph();
  if (!graph.ok()) return graph.status();
  Result<std::unique_ptr<Driver>> db = ctx.OpenDatabase();
  if (!db.ok()) return db.status();

  ProgressObserver observer(ctx);
  Migrator migrator(**db, *graph, &observer);
  Result<RunResult> result = Status::Ok();
  {
    InterruptScope interrupt(migrator);
    switch (command) {
      case Command::kUpgrade:
        result = migrator.Upgrade(target);
        break;
      case Command::kDowngrade:
        result = migrator.Downgrade(target);
        break;
      case Command::kStamp:
        result = migrator.Stamp(target, purge);
        break;
    }
  }
  if (!result.ok()) return result.status();

  const char* name = command == Command::kUpgrade     ? "upgrade"
                     : command == Command::kDowngrade ? "downgrade"
                                                      : "stamp";
  if (ctx.json()) {
    PrintJson({{"command", name},
               {"target", target},
               {"database", ctx.redacted_url()},
               {"heads_before", result->heads_before},
               {"heads_after", result->heads_after},
               {"steps", observer.steps()}});
  } else if (command == Command::kStamp) {
    ctx.Progress(fmt::format("Stamped {} -> {}", JoinOrBase(result->heads_before),
                             JoinOrBase(result->heads_after)));
  } else if (result->steps_applied == 0) {
    ctx.Progress(
        fmt::format("Nothing to do: the database is at {}.", JoinOrBase(result->heads_after)));
  }
  return Status::Ok();
}

}  // namespace

Status RunUpgrade(const Context& ctx, const MigrateOptions& o) {
  return Migrate(ctx, Command::kUpgrade, o.target.empty() ? "head" : o.target, false);
}

Status RunDowngrade(const Context& ctx, const MigrateOptions& o) {
  return Migrate(ctx, Command::kDowngrade, o.target, false);
}

Status RunStamp(const Context& ctx, const StampOptions& o) {
  return Migrate(ctx, Command::kStamp, o.target, o.purge);
}

}  // namespace strata::cli
