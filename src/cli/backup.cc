// `strata backup`, `strata backup list`, `strata restore`: thin clients of backup.h.
#include "strata/backup.h"

#include <fmt/format.h>

#include "cli/backup_run.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "strata/json_report.h"
#include "strata/plan.h"
#include "strata/url.h"

namespace strata::cli {
Result<BackupResult> TakeConfiguredBackup(const Context& ctx, Driver& driver,
                                          const BackupCommandOptions& o) {
  BackupOptions options = BackupOptionsFor(ctx.settings());
  if (!o.out_dir.empty()) options.out_dir = o.out_dir;
  Result<BackupFormat> format = ParseBackupFormat(o.format);
  if (!format.ok()) return format.status();
  options.format = *format;
  options.jobs = o.jobs;
  options.on_progress = [&ctx](const std::string& line) { ctx.Progress(line); };
  Result<BackupResult> result = TakeBackup(driver, options);
  if (result.ok()) PrintBackupSummary(ctx, *result);
  return result;
}

void PrintBackupSummary(const Context& ctx, const BackupResult& result) {
  if (ctx.json()) return;
  for (const std::string& line : BackupSummaryLines(result, ctx.settings().backup_keep_days)) {
    ctx.Progress(line);
  }
}

Status RunBackup(const Context& ctx, const BackupCommandOptions& o) {
  if (o.jobs < 0) return Status::Usage("--jobs must be at least 1");
  Result<std::unique_ptr<Driver>> db = ctx.OpenDatabase();
  if (!db.ok()) return db.status();
  Result<BackupResult> result = TakeConfiguredBackup(ctx, **db, o);
  if (!result.ok()) return result.status();
  if (ctx.json()) {
    nlohmann::json doc = BackupResultJson(*result);
    doc["command"] = "backup";
    PrintJson(doc);
  }
  return Status::Ok();
}

Status RunBackupList(const Context& ctx, const BackupCommandOptions& o) {
  std::string dir = o.out_dir.empty() ? ctx.settings().backup_dir : o.out_dir;
  std::vector<std::string> problems;
  Result<std::vector<BackupManifest>> list = ListBackups(dir, &problems);
  if (!list.ok()) return list.status();
  for (const std::string& p : problems) std::fprintf(stderr, "strata: warning: %s\n", p.c_str());
  if (ctx.json()) {
    nlohmann::json backups = nlohmann::json::array();
    for (const BackupManifest& m : *list) backups.push_back(BackupManifestJson(m));
    PrintJson({{"command", "backup list"}, {"dir", dir}, {"backups", backups}});
    return Status::Ok();
  }
  if (list->empty()) {
    ctx.Progress(fmt::format("No backups in {}.", dir));
    return Status::Ok();
  }
  std::string out;
  for (const BackupManifest& m : *list) {
    out += fmt::format("{}  {}  {:>10}  {}  at {}\n", m.created_at, m.path,
                       BackupSizeText(m.size_bytes),
                       m.dialect == "postgresql" ? "pg_dump " + m.pg_dump_version : "sqlite",
                       RevisionList(m.heads));
  }
  Print(out);
  return Status::Ok();
}

Status RunRestore(const Context& ctx, const RestoreCommandOptions& o) {
  if (o.verify && (o.yes || !o.into.empty())) {
    return Status::Usage(
        "--verify restores into a temporary database of its own; it takes "
        "neither --yes nor --into");
  }
  auto on_progress = [&ctx](const std::string& line) { ctx.Progress(line); };
  Result<RestoreResult> result = Status::Ok();
  if (o.verify) {
    ctx.Progress(fmt::format("Verifying {} on a temporary database", o.file));
    result =
        VerifyBackup(o.file, ctx.settings().url, ctx.settings().pg_dump_path, ctx.driver_options());
  } else {
    RestoreOptions options;
    options.backup_path = o.file;
    options.target_url = o.into.empty() ? ctx.settings().url : o.into;
    options.yes = o.yes;
    options.pg_dump_path = ctx.settings().pg_dump_path;
    options.driver_options = ctx.driver_options();
    options.on_progress = on_progress;
    result = RestoreBackup(options);
  }
  if (!result.ok()) return result.status();
  std::string target =
      o.verify ? "a temporary database" : RedactUrl(o.into.empty() ? ctx.settings().url : o.into);
  if (ctx.json()) {
    PrintJson({{"command", "restore"},
               {"backup", BackupManifestJson(result->manifest)},
               {"target", target},
               {"verified", o.verify},
               {"heads_after", result->heads_after},
               {"table_rows", result->table_rows}});
  } else if (o.verify) {
    ctx.Progress(
        fmt::format("Backup verified: restored to {} with {} tables whose row counts "
                    "match the manifest; the temporary database was dropped.",
                    RevisionList(result->heads_after), result->table_rows.size()));
  } else {
    ctx.Progress(fmt::format("Restored {} into {}: the database is back at {}.",
                             result->manifest.path, target, RevisionList(result->heads_after)));
  }
  return Status::Ok();
}

}  // namespace strata::cli
