// Backups, their manifests and retention, and restores (DESIGN §7).
//
// A backup is one file (or, for pg_dump's directory format, one folder) named
// `pre_migration_YYYYmmdd_HHMMSS.<dump|sql|dir|db>` in the backup folder, and beside it a manifest
// `<name>.json` saying what it holds: the database's heads at backup time, the server and pg_dump
// versions, the size, a sha256, how long it took, the row count of every table, and strata's
// version. Both are written under a temporary name (`.<name>.partial`) and renamed when complete,
// so a killed backup never leaves a file that looks finished; files are mode 0600, folders 0700.
//
// PostgreSQL backups run a pg_dump at least as new as the server, with the password in the
// child's environment (PGPASSWORD), never on its command line. SQLite backups use SQLite's online
// backup API, consistent while the application writes.
//
// Every function here fails with kBackupFailed (exit 8) unless it says otherwise; messages show
// URLs only through RedactUrl. Not thread-safe (they use the caller's Driver).
#ifndef STRATA_BACKUP_H_
#define STRATA_BACKUP_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "strata/config.h"
#include "strata/driver.h"
#include "strata/graph.h"
#include "strata/status.h"

namespace strata {

enum class BackupFormat { kCustom, kPlain, kDirectory, kSqlite };

// "custom" | "plain" | "directory" | "sqlite"; the file extension "dump" | "sql" | "dir" | "db".
const char* BackupFormatName(BackupFormat format);
const char* BackupFormatExtension(BackupFormat format);
// kUsage for anything but custom, plain and directory.
Result<BackupFormat> ParseBackupFormat(const std::string& name);

struct BackupManifest {
  std::string name;  // pre_migration_20260209_102133.dump
  std::string path;  // the backup's path (folder + name)
  std::string manifest_path;
  std::string format;      // BackupFormatName
  std::string dialect;     // "postgresql" | "sqlite"
  std::string database;    // the URL, redacted
  std::string created_at;  // ISO-8601 UTC, when the backup started
  int64_t created_unix = 0;
  std::vector<std::string> heads;  // the version table's rows at backup time
  std::string server_version;      // "15.4", "3.40.1"
  std::string pg_dump_version;     // "15.4"; empty for SQLite
  std::string pg_dump_path;
  int64_t size_bytes = 0;
  std::string sha256;  // of the file; of a folder: of its files' names and digests
  int64_t duration_ms = 0;
  std::string strata_version;
  std::map<std::string, int64_t> table_rows;  // "schema.table" (PostgreSQL) or "table" -> rows
};

struct BackupOptions {
  std::string url;  // the database backed up (with its password: never print it)
  std::string out_dir = "backups";
  BackupFormat format = BackupFormat::kCustom;  // PostgreSQL; SQLite is always kSqlite
  int jobs = 0;                                 // pg_dump --jobs, directory format only
  std::string pg_dump_path;                     // strata.toml's pg_dump_path; empty = search
  std::string version_table = "alembic_version";
  std::string version_schema;
  int keep_days = 7;  // retention after a successful backup; 0 keeps everything
  // Called with progress lines ("Backing up ... to ..."). May be empty.
  std::function<void(const std::string&)> on_progress;
};

struct RetentionResult {
  std::vector<std::string> removed;            // backup paths removed (with their manifests)
  std::vector<std::string> kept_for_revision;  // old backups kept as the newest before a revision
};

struct BackupResult {
  BackupManifest manifest;
  RetentionResult retention;
};

// Takes a backup of the database `driver` is connected to (the same database as options.url),
// writes its manifest, then applies retention. A failed backup leaves no finished-looking file
// and deletes nothing. kUsage for --jobs with another format than directory; kBackupFailed for
// everything else (no fitting pg_dump, pg_dump failed, disk full...), with the next step.
Result<BackupResult> TakeBackup(Driver& driver, const BackupOptions& options);

// The manifests in `dir`, oldest first. A missing folder is an empty list; an unreadable
// manifest is skipped with its path in `problems` (when not null).
Result<std::vector<BackupManifest>> ListBackups(const std::string& dir,
                                                std::vector<std::string>* problems = nullptr);

// Reads one backup's manifest: `backup_path` + ".json". kBackupFailed when it is missing or
// malformed.
Result<BackupManifest> ReadManifest(const std::string& backup_path);

// A revision applied at a time, for retention: the newest backup taken before it is kept.
struct AppliedRevision {
  std::string revision;
  int64_t applied_unix = 0;
};

// Removes strata's own backups (names matching pre_migration_*, with a manifest) older than
// `keep_days` days before `now_unix`, and their manifests; never another file, and never the
// newest backup taken before each of `applied`. keep_days 0 removes nothing.
Result<RetentionResult> ApplyRetention(const std::string& dir, int keep_days, int64_t now_unix,
                                       const std::vector<AppliedRevision>& applied);

// The upgrade rows of strata_log that are still in effect (not undone by a later downgrade of
// the same revision), with their times, read through `driver`.
Result<std::vector<AppliedRevision>> ReadAppliedRevisions(Driver& driver);

// Recomputes the backup's sha256 and compares it with the manifest's.
Status CheckBackupDigest(const BackupManifest& manifest);

// Row counts of every table (strata's own included), as BackupManifest::table_rows.
Result<std::map<std::string, int64_t>> CountTableRows(Driver& driver);

struct RestoreOptions {
  std::string backup_path;  // the backup file or folder (its manifest beside it)
  std::string target_url;   // where to restore (with its password: never print it)
  bool yes = false;         // restore although the target is not empty
  std::string pg_dump_path;
  DriverOptions driver_options;
  std::function<void(const std::string&)> on_progress;
};

struct RestoreResult {
  BackupManifest manifest;
  std::vector<std::string> heads_after;       // the target's version table after restoring
  std::map<std::string, int64_t> table_rows;  // filled by VerifyBackup only
  bool target_was_empty = true;
};

// Checks the digest, refuses a non-empty target without options.yes (saying what a restore
// over it keeps and drops), restores (pg_restore --clean --if-exists / psql / SQLite's backup
// API), then reads the target's heads.
Result<RestoreResult> RestoreBackup(const RestoreOptions& options);

// Restores into a temporary database (a scratch PostgreSQL database made through `server_url`,
// or a temporary SQLite file), compares heads and row counts with the manifest, and drops it.
// kBackupFailed naming each difference.
Result<RestoreResult> VerifyBackup(const std::string& backup_path, const std::string& server_url,
                                   const std::string& pg_dump_path,
                                   const DriverOptions& driver_options);

// BackupOptions as the settings say: url, backup_dir, backup_keep_days, pg_dump_path and the
// version table; the custom format. No on_progress.
BackupOptions BackupOptionsFor(const Settings& settings);

// A backup's size for people: "812 bytes", "1.4 MiB", "2.03 GiB".
std::string BackupSizeText(int64_t bytes);

// The lines a finished backup is reported with: "Backup written: PATH (SIZE, MS ms, sha256
// ...), database at HEADS", then one per backup retention removed or kept.
std::vector<std::string> BackupSummaryLines(const BackupResult& result, int keep_days);

// `upgrade --backup` (and backup_before_upgrade = true), before anything is migrated: plans the
// upgrade of the database `driver` is connected to up to `target` and, only when that plan has
// steps, takes a backup as BackupOptionsFor(settings) says, TakeBackup's progress lines going
// to `on_progress` (may be empty). nullopt when nothing is pending (no backup taken). Fails as
// PlanUpgrade for a bad target; a failed backup is kBackupFailed "backup before upgrade failed,
// nothing was migrated: ..." with the backup's hint.
Result<std::optional<BackupResult>> BackupBeforeUpgrade(
    Driver& driver, const RevisionGraph& graph, const std::string& target, const Settings& settings,
    const std::function<void(const std::string&)>& on_progress);

}  // namespace strata

#endif  // STRATA_BACKUP_H_
