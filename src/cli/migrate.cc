// `strata upgrade`, `strata downgrade`, `strata stamp`: run a plan through the Migrator.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>

#include "cli/backup_run.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "cli/interrupt.h"
#include "strata/migrator.h"
#include "strata/offline.h"
#include "strata/url.h"

namespace strata::cli {
namespace {

// Prints Alembic-style progress and collects the steps for --format json.
class ProgressObserver : public MigrationObserver {
 public:
  explicit ProgressObserver(const Context& ctx) : ctx_(ctx) {}

  void OnStepStart(const Step& step) override {
    ctx_.Progress(fmt::format("Running {} {} -> {}, {}", DirectionName(step.direction),
                              RevisionList(step.from_ids), RevisionList(step.to_ids),
                              step.revision->message));
  }
  void OnStepDone(const Step& step, int64_t duration_ms) override {
    steps_.push_back(StepJson(step, duration_ms));
    if (ctx_.verbose() > 0) ctx_.Progress(fmt::format("  done in {} ms", duration_ms));
  }
  void OnInfo(const std::string& line) override { ctx_.Progress(line); }

  nlohmann::json steps() const { return steps_; }

 private:
  const Context& ctx_;
  nlohmann::json steps_ = nlohmann::json::array();
};

enum class Command { kUpgrade, kDowngrade, kStamp };

// `--sql`: prints the script instead of running it; the database is not even opened, so the
// dialect comes from --dialect or the URL's scheme.
Status PrintOfflineScript(const Context& ctx, Command command, const MigrateOptions& o,
                          const std::string& target) {
  Result<RevisionGraph> graph = ctx.LoadGraph();
  if (!graph.ok()) return graph.status();
  OfflineOptions options;
  if (!o.dialect.empty()) {
    Result<SqlDialect> dialect = ParseSqlDialect(o.dialect);
    if (!dialect.ok()) return dialect.status();
    options.dialect = *dialect;
  } else {
    Result<DatabaseUrl> url = ParseDatabaseUrl(ctx.settings().url);
    if (!url.ok()) return url.status();
    options.dialect =
        url->kind == DatabaseKind::kSqlite ? SqlDialect::kSqlite : SqlDialect::kPostgres;
  }
  options.version_table = ctx.settings().version_table;
  options.version_schema = ctx.settings().version_schema;
  options.statement_lock_timeout = ctx.settings().statement_lock_timeout;
  options.statement_timeout = ctx.settings().statement_timeout;
  Direction direction = command == Command::kUpgrade ? Direction::kUpgrade : Direction::kDowngrade;
  Result<Plan> plan = PlanOffline(*graph, direction, target);
  if (!plan.ok()) return plan.status();
  std::string script = RenderOfflineScript(*plan, options);
  if (ctx.json()) {
    nlohmann::json steps = nlohmann::json::array();
    for (const Step& step : plan->steps) {
      steps.push_back({{"revision", step.revision->id},
                       {"direction", DirectionName(step.direction)},
                       {"from", step.from_ids},
                       {"to", step.to_ids},
                       {"message", step.revision->message}});
    }
    PrintJson({{"command", DirectionName(direction)},
               {"target", target},
               {"dialect", options.dialect == SqlDialect::kSqlite ? "sqlite" : "postgresql"},
               {"heads_before", plan->heads_before},
               {"heads_after", plan->heads_after},
               {"steps", steps},
               {"sql", script}});
  } else {
    Print(script);
  }
  return Status::Ok();
}

// `--wait-replicas[=T]` or strata.toml's wait_replicas: how long upgrade waits for standbys.
std::chrono::milliseconds WaitReplicasTimeout(const Context& ctx, bool flag) {
  std::chrono::milliseconds wait = ctx.settings().wait_replicas;
  if (flag && wait.count() == 0) wait = std::chrono::seconds(60);
  return wait;
}

// Each standby's lag while upgrade waits, on stderr, about once a second.
std::function<void(const std::vector<StandbyState>&)> LagPrinter(const Context& ctx) {
  auto last = std::make_shared<std::chrono::steady_clock::time_point>();
  bool quiet = ctx.quiet();
  return [last, quiet](const std::vector<StandbyState>& behind) {
    auto now = std::chrono::steady_clock::now();
    if (quiet || now - *last < std::chrono::seconds(1)) return;
    *last = now;
    std::string line = "Waiting for standbys to replay the migration:";
    // Appended piece by piece: `" " + text + ";"` trips GCC 12's false -Wrestrict at -O3.
    for (const StandbyState& s : behind) line.append(" ").append(StandbyLagText(s)).append(";");
    line.pop_back();
    std::fprintf(stderr, "%s\n", line.c_str());
  };
}

// `upgrade --backup`: a backup first, only when the plan has steps; a failed backup stops the
// upgrade before anything runs (exit 8). Returns the backup's JSON (null when none was taken).
Result<nlohmann::json> BackupBeforeUpgrade(const Context& ctx, Driver& driver,
                                           const RevisionGraph& graph, const std::string& target) {
  Result<std::optional<BackupResult>> backup =
      strata::BackupBeforeUpgrade(driver, graph, target, ctx.settings(),
                                  [&ctx](const std::string& line) { ctx.Progress(line); });
  if (!backup.ok()) return backup.status();
  if (!*backup) return nlohmann::json(nullptr);
  PrintBackupSummary(ctx, **backup);
  return BackupResultJson(**backup);
}

Status Migrate(const Context& ctx, Command command, const std::string& target, bool purge,
               bool allow_changed = false, bool backup = false, bool wait_replicas = false) {
  Result<RevisionGraph> graph = ctx.LoadGraph();
  if (!graph.ok()) return graph.status();
  Result<std::unique_ptr<Driver>> db = ctx.OpenDatabase();
  if (!db.ok()) return db.status();
  nlohmann::json backup_json = nullptr;
  if (backup) {
    Result<nlohmann::json> taken = BackupBeforeUpgrade(ctx, **db, *graph, target);
    if (!taken.ok()) return taken.status();
    backup_json = *taken;
  }

  ProgressObserver observer(ctx);
  Migrator migrator(**db, *graph, &observer);
  migrator.set_allow_changed(allow_changed);
  if (command == Command::kUpgrade) {
    ReplicaWait wait;
    wait.timeout = WaitReplicasTimeout(ctx, wait_replicas);
    wait.on_progress = LagPrinter(ctx);
    migrator.set_wait_replicas(std::move(wait));
  }
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
    nlohmann::json doc = RunJson(name, target, ctx.redacted_url(), *result, observer.steps());
    if (command == Command::kUpgrade && !result->commit_lsn.empty()) {
      nlohmann::json standbys = nlohmann::json::array();
      for (const StandbyState& s : result->standbys) {
        standbys.push_back({{"name", s.name},
                            {"client_addr", s.client_addr},
                            {"replay_lsn", s.replay_lsn},
                            {"behind_bytes", s.behind_bytes}});
      }
      doc["replicas"] = {{"commit_lsn", result->commit_lsn}, {"standbys", standbys}};
    }
    if (command == Command::kUpgrade) doc["backup"] = backup_json;
    PrintJson(doc);
  } else if (command == Command::kStamp) {
    ctx.Progress(fmt::format("Stamped {} -> {}", RevisionList(result->heads_before),
                             RevisionList(result->heads_after)));
  } else if (result->steps_applied == 0) {
    ctx.Progress(
        fmt::format("Nothing to do: the database is at {}.", RevisionList(result->heads_after)));
  } else if (!result->commit_lsn.empty()) {
    int replaying = 0;
    for (const StandbyState& s : result->standbys) replaying += ReplaysWal(s) ? 1 : 0;
    ctx.Progress(fmt::format("{} standby(s) replayed the migration (WAL {}).", replaying,
                             result->commit_lsn));
  }
  return Status::Ok();
}

}  // namespace

Status RunUpgrade(const Context& ctx, const MigrateOptions& o) {
  std::string target = o.target.empty() ? "head" : o.target;
  if (o.sql && o.backup) return Status::Usage("--backup does not apply with --sql");
  if (o.sql) return PrintOfflineScript(ctx, Command::kUpgrade, o, target);
  if (!o.dialect.empty()) return Status::Usage("--dialect only applies with --sql");
  return Migrate(ctx, Command::kUpgrade, target, false, o.allow_changed,
                 o.backup || ctx.settings().backup_before_upgrade, o.wait_replicas);
}

Status RunDowngrade(const Context& ctx, const MigrateOptions& o) {
  if (o.sql) return PrintOfflineScript(ctx, Command::kDowngrade, o, o.target);
  if (!o.dialect.empty()) return Status::Usage("--dialect only applies with --sql");
  return Migrate(ctx, Command::kDowngrade, o.target, false);
}

Status RunStamp(const Context& ctx, const StampOptions& o) {
  return Migrate(ctx, Command::kStamp, o.target, o.purge);
}

}  // namespace strata::cli
