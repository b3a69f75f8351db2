// BackupOptionsFor, BackupSummaryLines, BackupBeforeUpgrade (backup.h): the backup `upgrade
// --backup` takes, shared by the CLI and the Python module.
#include <fmt/format.h>

#include "strata/backup.h"
#include "strata/migrator.h"
#include "strata/plan.h"

namespace strata {

std::string BackupSizeText(int64_t bytes) {
  if (bytes < 1024) return fmt::format("{} bytes", bytes);
  if (bytes < 1024 * 1024) return fmt::format("{:.1f} KiB", bytes / 1024.0);
  if (bytes < int64_t{1024} * 1024 * 1024) return fmt::format("{:.1f} MiB", bytes / 1048576.0);
  return fmt::format("{:.2f} GiB", bytes / 1073741824.0);
}

BackupOptions BackupOptionsFor(const Settings& settings) {
  BackupOptions options;
  options.url = settings.url;
  options.out_dir = settings.backup_dir;
  options.format = BackupFormat::kCustom;
  options.pg_dump_path = settings.pg_dump_path;
  options.version_table = settings.version_table;
  options.version_schema = settings.version_schema;
  options.keep_days = settings.backup_keep_days;
  return options;
}

std::vector<std::string> BackupSummaryLines(const BackupResult& result, int keep_days) {
  const BackupManifest& m = result.manifest;
  std::vector<std::string> lines;
  lines.push_back(fmt::format("Backup written: {} ({}, {} ms, sha256 {}), database at {}", m.path,
                              BackupSizeText(m.size_bytes), m.duration_ms, m.sha256.substr(0, 12),
                              RevisionList(m.heads)));
  for (const std::string& p : result.retention.removed) {
    lines.push_back(fmt::format("Removed old backup {} (backup_keep_days = {})", p, keep_days));
  }
  for (const std::string& p : result.retention.kept_for_revision) {
    lines.push_back(
        fmt::format("Kept old backup {}: the newest taken before an applied revision", p));
  }
  return lines;
}

Result<std::optional<BackupResult>> BackupBeforeUpgrade(
    Driver& driver, const RevisionGraph& graph, const std::string& target, const Settings& settings,
    const std::function<void(const std::string&)>& on_progress) {
  Result<std::vector<std::string>> current = Migrator(driver, graph, nullptr).Current();
  if (!current.ok()) return current.status();
  Result<Plan> plan = PlanUpgrade(graph, *current, target);
  if (!plan.ok()) return plan.status();
  if (plan->steps.empty()) return std::optional<BackupResult>();
  BackupOptions options = BackupOptionsFor(settings);
  options.on_progress = on_progress;
  Result<BackupResult> backup = TakeBackup(driver, options);
  if (!backup.ok()) {
    return Status::BackupFailed("backup before upgrade failed, nothing was migrated: " +
                                backup.status().message())
        .WithHint(backup.status().hint().empty()
                      ? "fix the backup, or upgrade without --backup (and backup_before_upgrade)"
                      : backup.status().hint());
  }
  return std::optional<BackupResult>(std::move(*backup));
}

}  // namespace strata
