// TakeBackup (backup.h): pg_dump or SQLite's backup API into a temporary name, digest,
// manifest, rename, retention.
#include <fmt/format.h>
#include <sys/stat.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <system_error>

#include "backup/backup_internal.h"
#include "backup/child_process.h"
#include "backup/pg_tools.h"
#include "core/sql_quote.h"
#include "driver/server_version.h"
#include "strata/migrator.h"
#include "strata/url.h"

namespace strata {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

std::string UtcStamp(std::time_t t, const char* format) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

// Removes the temporary file or folder unless released: a failed backup leaves nothing.
class PartialFile {
 public:
  explicit PartialFile(std::string path) : path_(std::move(path)) {}
  ~PartialFile() {
    if (!path_.empty()) {
      std::error_code ec;
      fs::remove_all(path_, ec);
      // SQLite's side files of the destination: a backup that failed for lack of space cannot
      // roll its journal back and leaves it behind.
      for (const char* suffix : {"-journal", "-wal", "-shm"}) fs::remove(path_ + suffix, ec);
    }
  }
  void Release() { path_.clear(); }

 private:
  std::string path_;
};

void Progress(const BackupOptions& o, const std::string& line) {
  if (o.on_progress) o.on_progress(line);
}

// pg_dump into `tmp`, inside a REPEATABLE READ transaction whose snapshot pg_dump shares
// (--snapshot), so the row counts in the manifest are those of the dump.
Status DumpPostgres(Driver& driver, const BackupOptions& o, const std::string& tmp,
                    BackupManifest& m) {
  Result<ServerVersion> server = ReadServerVersion(driver);
  if (!server.ok()) return Status::BackupFailed(server.status().message());
  m.server_version = server->text;
  Result<backup::PgTool> pg_dump = backup::FindPgTool("pg_dump", server->major, o.pg_dump_path);
  if (!pg_dump.ok()) return pg_dump.status();
  m.pg_dump_version = pg_dump->version;
  m.pg_dump_path = pg_dump->path;

  auto query = [&](const std::string& sql) -> Result<Driver::Rows> {
    Result<Driver::Rows> rows = driver.Query(sql);
    if (!rows.ok()) return Status::BackupFailed(rows.status().message());
    return rows;
  };
  Result<Driver::Rows> begin = query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
  if (!begin.ok()) return begin.status();
  struct EndTransaction {
    Driver& d;
    ~EndTransaction() { (void)d.Query("COMMIT"); }
  } end{driver};
  Result<Driver::Rows> snapshot = query("SELECT pg_export_snapshot()");
  if (!snapshot.ok()) return snapshot.status();
  std::string snapshot_id = snapshot->at(0).at(0).value_or("");
  Result<std::vector<std::string>> heads = driver.ReadVersions();
  if (!heads.ok()) return Status::BackupFailed(heads.status().message());
  m.heads = *heads;
  Result<std::map<std::string, int64_t>> rows = CountTableRows(driver);
  if (!rows.ok()) return Status::BackupFailed(rows.status().message());
  m.table_rows = *rows;

  UrlWithoutPassword conn = SplitPassword(o.url);
  std::vector<std::string> argv = {pg_dump->path,
                                   "--format=" + std::string(BackupFormatName(o.format)),
                                   "--file=" + tmp, "--snapshot=" + snapshot_id, "--no-password"};
  if (o.format == BackupFormat::kDirectory && o.jobs > 1) {
    argv.push_back("--jobs=" + std::to_string(o.jobs));
  }
  // A plain script drops what it creates first, as pg_restore --clean does.
  if (o.format == BackupFormat::kPlain) {
    argv.push_back("--clean");
    argv.push_back("--if-exists");
  }
  argv.push_back("--dbname=" + conn.url);
  std::vector<std::pair<std::string, std::string>> env;
  if (!conn.password.empty()) env.emplace_back("PGPASSWORD", conn.password);
  Result<backup::ChildResult> run = backup::RunChild(argv, env);
  if (!run.ok()) return run.status();
  if (run->exit_code != 0) {
    std::string output = RedactSecrets(run->output, o.url);
    while (!output.empty() && output.back() == '\n') output.pop_back();
    return Status::BackupFailed(
               fmt::format("{} failed (exit {}): {}", pg_dump->path, run->exit_code, output))
        .WithHint("nothing was migrated; fix the cause and run the backup again");
  }
  return Status::Ok();
}

Status CopySqlite(Driver& driver, const BackupOptions& o, const std::string& tmp,
                  BackupManifest& m) {
  Result<DatabaseUrl> url = ParseDatabaseUrl(o.url);
  if (!url.ok()) return url.status();
  if (url->sqlite_path == ":memory:") {
    return Status::BackupFailed("an in-memory SQLite database cannot be backed up");
  }
  Result<Driver::Rows> version = driver.Query("SELECT sqlite_version()");
  if (version.ok() && !version->empty() && version->front().at(0)) {
    m.server_version = *version->front().at(0);
  }
  STRATA_RETURN_IF_ERROR(backup::SqliteCopy(url->sqlite_path, tmp));
  // Heads and row counts from the copy itself: exactly what it holds.
  DatabaseUrl copy_url;
  copy_url.kind = DatabaseKind::kSqlite;
  copy_url.original = "sqlite:///" + tmp;
  copy_url.sqlite_path = tmp;
  DriverOptions options;
  options.version_table = o.version_table;
  Result<std::unique_ptr<Driver>> copy = OpenDriver(copy_url, options);
  if (!copy.ok()) return Status::BackupFailed(copy.status().message());
  Result<std::vector<std::string>> heads = (*copy)->ReadVersions();
  if (!heads.ok()) return Status::BackupFailed(heads.status().message());
  m.heads = *heads;
  Result<std::map<std::string, int64_t>> rows = CountTableRows(**copy);
  if (!rows.ok()) return Status::BackupFailed(rows.status().message());
  m.table_rows = *rows;
  return Status::Ok();
}

}  // namespace

Result<std::map<std::string, int64_t>> CountTableRows(Driver& driver) {
  bool pg = std::string(driver.dialect()) == "postgresql";
  Result<Driver::Rows> tables = driver.Query(
      pg ? "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = "
           "c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', "
           "'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE "
           "'pg\\_temp%' ORDER BY 1, 2"
         : "SELECT '', name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
           "'sqlite\\_%' ESCAPE '\\' ORDER BY 2");
  if (!tables.ok()) return tables.status();
  std::map<std::string, int64_t> out;
  if (tables->empty()) return out;
  std::string sql;
  std::vector<std::string> names;
  for (const auto& row : *tables) {
    std::string schema = row.at(0).value_or(""), table = row.at(1).value_or("");
    std::string name = pg ? schema + "." + table : table;
    std::string relation =
        pg ? QuoteIdentifier(schema) + "." + QuoteIdentifier(table) : QuoteIdentifier(table);
    sql += fmt::format("{}SELECT {}, count(*) FROM {}", sql.empty() ? "" : " UNION ALL ",
                       QuoteLiteral(name), relation);
  }
  Result<Driver::Rows> counts = driver.Query(sql);
  if (!counts.ok()) return counts.status();
  for (const auto& row : *counts) {
    out[row.at(0).value_or("")] = std::stoll(row.at(1).value_or("0"));
  }
  return out;
}

Result<BackupResult> TakeBackup(Driver& driver, const BackupOptions& o) {
  const bool pg = std::string(driver.dialect()) == "postgresql";
  BackupFormat format = pg ? o.format : BackupFormat::kSqlite;
  if (!pg && o.format != BackupFormat::kCustom) {
    return Status::Usage("--format applies to PostgreSQL; SQLite backups are database files");
  }
  if (o.jobs > 1 && format != BackupFormat::kDirectory) {
    return Status::Usage("--jobs needs --format directory (pg_dump dumps in parallel only then)");
  }
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (ec) {
    return Status::BackupFailed(
        fmt::format("cannot create the backup folder {}: {}", o.out_dir, ec.message()));
  }

  const auto started = Clock::now();
  const std::time_t now = Clock::to_time_t(started);
  BackupManifest m;
  std::string stem = std::string("pre_migration_") + UtcStamp(now, "%Y%m%d_%H%M%S");
  std::string ext = BackupFormatExtension(format);
  m.name = stem + "." + ext;
  // Two backups in one second: the later one gets a counter rather than replacing the first.
  for (int n = 2; fs::exists(fs::path(o.out_dir) / m.name, ec) ||
                  fs::exists(fs::path(o.out_dir) / (m.name + ".json"), ec);
       ++n) {
    m.name = fmt::format("{}_{}.{}", stem, n, ext);
  }
  m.path = (fs::path(o.out_dir) / m.name).string();
  m.manifest_path = m.path + ".json";
  m.format = BackupFormatName(format);
  m.dialect = driver.dialect();
  m.database = RedactUrl(o.url);
  m.created_at = UtcStamp(now, "%Y-%m-%dT%H:%M:%SZ");
  m.created_unix = static_cast<int64_t>(now);
  m.strata_version = StrataVersion();

  // Built by appending: GCC 12 at -O3 misreads `"." + name` as an overlapping copy (-Wrestrict).
  std::string hidden(1, '.');
  hidden.append(m.name).append(".partial");
  std::string tmp = (fs::path(o.out_dir) / hidden).string();
  fs::remove_all(tmp, ec);
  PartialFile partial(tmp);
  Progress(o, fmt::format("Backing up {} to {}", m.database, m.path));
  Status dumped = pg ? DumpPostgres(driver, o, tmp, m) : CopySqlite(driver, o, tmp, m);
  if (!dumped.ok()) return dumped;
  ::chmod(tmp.c_str(), format == BackupFormat::kDirectory ? 0700 : 0600);
  Result<std::string> digest = BackupDigest(tmp, &m.size_bytes);
  if (!digest.ok()) return digest.status();
  m.sha256 = *digest;
  m.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  // The manifest first, then the backup's final name: a file that looks finished always has one.
  STRATA_RETURN_IF_ERROR(WriteManifest(m));
  fs::rename(tmp, m.path, ec);
  if (ec) {
    fs::remove(m.manifest_path, ec);
    return Status::BackupFailed(fmt::format("cannot rename {} to {}", tmp, m.path));
  }
  partial.Release();

  BackupResult result{m, {}};
  if (o.keep_days > 0) {
    Result<std::vector<AppliedRevision>> applied = ReadAppliedRevisions(driver);
    if (!applied.ok()) return Status::BackupFailed(applied.status().message());
    Result<RetentionResult> retention =
        ApplyRetention(o.out_dir, o.keep_days, static_cast<int64_t>(now), *applied);
    if (!retention.ok()) return retention.status();
    result.retention = std::move(retention).value();
  }
  return result;
}

}  // namespace strata
