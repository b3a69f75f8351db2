// RestoreBackup and VerifyBackup (backup.h).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <system_error>

#include "backup/backup_internal.h"
#include "backup/child_process.h"
#include "backup/pg_tools.h"
#include "driver/server_version.h"
#include "strata/url.h"

namespace strata {
namespace {

namespace fs = std::filesystem;

void Progress(const RestoreOptions& o, const std::string& line) {
  if (o.on_progress) o.on_progress(line);
}

Result<std::unique_ptr<Driver>> Open(const std::string& url, const DriverOptions& options) {
  Result<DatabaseUrl> parsed = ParseDatabaseUrl(url);
  if (!parsed.ok()) return parsed.status();
  return OpenDriver(*parsed, options);
}

// The tables in the target, strata's own included; empty means a fresh database.
Result<int64_t> CountTables(Driver& driver) {
  bool pg = std::string(driver.dialect()) == "postgresql";
  Result<Driver::Rows> rows = driver.Query(
      pg ? "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
           "c.relkind IN ('r', 'p', 'v', 'm', 'S') AND n.nspname NOT IN ('pg_catalog', "
           "'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE "
           "'pg\\_temp%'"
         : "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'");
  if (!rows.ok()) return rows.status();
  return std::stoll(rows->at(0).at(0).value_or("0"));
}

Status RestorePostgres(const RestoreOptions& o, const BackupManifest& m, Driver& target,
                       bool clean) {
  Result<ServerVersion> server = ReadServerVersion(target);
  if (!server.ok()) return Status::BackupFailed(server.status().message());
  // The restoring tool must read the dump (as new as the pg_dump that wrote it) and the server.
  int need = std::max(server->major, backup::MajorVersion(m.pg_dump_version));
  bool plain = m.format == "plain";
  Result<backup::PgTool> tool =
      backup::FindPgTool(plain ? "psql" : "pg_restore", need, o.pg_dump_path);
  if (!tool.ok()) return tool.status();
  UrlWithoutPassword conn = SplitPassword(o.target_url);
  std::vector<std::string> argv;
  if (plain) {
    // The script itself drops what it creates (pg_dump --clean --if-exists).
    argv = {tool->path,
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "--single-transaction",
            "--no-password",
            "-f",
            m.path,
            "--dbname=" + conn.url};
  } else {
    argv = {tool->path, "--exit-on-error", "--no-password", "--dbname=" + conn.url};
    if (clean) {
      argv.push_back("--clean");
      argv.push_back("--if-exists");
    }
    // One transaction (all or nothing) where pg_restore allows it: not with --jobs.
    argv.push_back("--single-transaction");
    argv.push_back(m.path);
  }
  std::vector<std::pair<std::string, std::string>> env;
  if (!conn.password.empty()) env.emplace_back("PGPASSWORD", conn.password);
  Result<backup::ChildResult> run = backup::RunChild(argv, env);
  if (!run.ok()) return run.status();
  if (run->exit_code != 0) {
    std::string output = RedactSecrets(run->output, o.target_url);
    while (!output.empty() && output.back() == '\n') output.pop_back();
    return Status::BackupFailed(
               fmt::format("{} failed (exit {}): {}", tool->path, run->exit_code, output))
        .WithHint(
            "the restore ran in one transaction and was rolled back; the target is as "
            "it was");
  }
  return Status::Ok();
}

}  // namespace

Result<RestoreResult> RestoreBackup(const RestoreOptions& o) {
  Result<BackupManifest> manifest = ReadManifest(o.backup_path);
  if (!manifest.ok()) return manifest.status();
  const BackupManifest& m = *manifest;
  Progress(o, fmt::format("Checking the sha256 of {}", m.path));
  STRATA_RETURN_IF_ERROR(CheckBackupDigest(m));

  Result<DatabaseUrl> url = ParseDatabaseUrl(o.target_url);
  if (!url.ok()) return url.status();
  const bool pg_target = url->kind == DatabaseKind::kPostgres;
  if ((m.dialect == "postgresql") != pg_target) {
    return Status::BackupFailed(fmt::format("{} is a {} backup; {} is not a {} database", m.path,
                                            m.dialect, RedactUrl(o.target_url), m.dialect));
  }
  RestoreResult result;
  result.manifest = m;
  {
    Result<std::unique_ptr<Driver>> target = Open(o.target_url, o.driver_options);
    if (!target.ok()) return target.status();
    Result<int64_t> tables = CountTables(**target);
    if (!tables.ok()) return Status::BackupFailed(tables.status().message());
    result.target_was_empty = *tables == 0;
    if (!result.target_was_empty && !o.yes) {
      std::string what =
          pg_target
              ? "restoring over it drops and recreates every object the backup holds (pg_restore "
                "--clean), but objects created after the backup (new tables, indexes, functions) "
                "survive and may not fit the restored schema"
              : "restoring over it replaces the whole database file's content with the backup's";
      return Status::BackupFailed(fmt::format("{} is not empty ({} tables, views or sequences); {}",
                                              RedactUrl(o.target_url), *tables, what))
          .WithHint(
              "the safe way is to restore into a fresh database (`strata restore FILE --into "
              "URL`) and switch the application to it; add --yes to restore over this one "
              "anyway");
    }
    Progress(o, fmt::format("Restoring {} into {}", m.path, RedactUrl(o.target_url)));
    if (pg_target) {
      STRATA_RETURN_IF_ERROR(RestorePostgres(o, m, **target, !result.target_was_empty));
    }
  }
  if (!pg_target) {
    if (url->sqlite_path == ":memory:") {
      return Status::BackupFailed("cannot restore into an in-memory SQLite database");
    }
    STRATA_RETURN_IF_ERROR(backup::SqliteCopy(m.path, url->sqlite_path));
  }
  Result<std::unique_ptr<Driver>> after = Open(o.target_url, o.driver_options);
  if (!after.ok()) return after.status();
  Result<std::vector<std::string>> heads = (*after)->ReadVersions();
  if (!heads.ok()) return Status::BackupFailed(heads.status().message());
  result.heads_after = *heads;
  Result<std::map<std::string, int64_t>> rows = CountTableRows(**after);
  if (rows.ok()) result.table_rows = *rows;
  return result;
}

Result<RestoreResult> VerifyBackup(const std::string& backup_path, const std::string& server_url,
                                   const std::string& pg_dump_path,
                                   const DriverOptions& driver_options) {
  Result<BackupManifest> manifest = ReadManifest(backup_path);
  if (!manifest.ok()) return manifest.status();
  std::random_device rd;
  std::string suffix = fmt::format("{}_{:08x}", getpid(), rd());
  RestoreOptions o;
  o.backup_path = backup_path;
  o.pg_dump_path = pg_dump_path;
  o.driver_options = driver_options;
  std::unique_ptr<Driver> server;
  std::string scratch_name, scratch_file;
  if (manifest->dialect == "postgresql") {
    Result<std::unique_ptr<Driver>> opened = Open(server_url, driver_options);
    if (!opened.ok()) return opened.status();
    server = std::move(opened).value();
    scratch_name = "strata_verify_backup_" + suffix;
    Result<std::string> scratch = server->CreateScratchDatabase(scratch_name);
    if (!scratch.ok()) {
      return Status::BackupFailed("cannot create a scratch database to verify the backup in: " +
                                  scratch.status().message())
          .WithHint("give the role CREATEDB, or restore by hand with --into URL");
    }
    o.target_url = *scratch;
  } else {
    scratch_file =
        (fs::temp_directory_path() / ("strata_verify_backup_" + suffix + ".db")).string();
    o.target_url = "sqlite:///" + scratch_file;
  }
  Result<RestoreResult> restored = RestoreBackup(o);
  if (server) {
    Status dropped = server->DropScratchDatabase(scratch_name);
    (void)dropped;  // best effort: the verdict below matters more
  } else {
    std::error_code ec;
    fs::remove(scratch_file, ec);
  }
  if (!restored.ok()) return restored.status();
  std::vector<std::string> problems;
  if (restored->heads_after != manifest->heads) {
    problems.push_back(fmt::format("heads are {}, the manifest says {}",
                                   fmt::join(restored->heads_after, ","),
                                   fmt::join(manifest->heads, ",")));
  }
  for (const auto& [table, rows] : manifest->table_rows) {
    auto it = restored->table_rows.find(table);
    if (it == restored->table_rows.end()) {
      problems.push_back(fmt::format("table {} is missing", table));
    } else if (it->second != rows) {
      problems.push_back(
          fmt::format("table {} has {} rows, the manifest says {}", table, it->second, rows));
    }
  }
  for (const auto& [table, rows] : restored->table_rows) {
    if (!manifest->table_rows.count(table)) {
      problems.push_back(fmt::format("table {} ({} rows) is not in the manifest", table, rows));
    }
  }
  if (!problems.empty()) {
    std::string all;
    for (const std::string& p : problems) all += (all.empty() ? "" : "; ") + p;
    return Status::BackupFailed(
               fmt::format("{} restores, but not to what its manifest describes: {}",
                           manifest->path, all))
        .WithHint("do not rely on this backup; take a new one with `strata backup`");
  }
  return restored;
}

}  // namespace strata
