// Backup files on disk: names, manifests, listing, digests and retention (backup.h).
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "core/sha256.h"
#include "strata/backup.h"

namespace strata {
namespace {

namespace fs = std::filesystem;
constexpr const char* kPrefix = "pre_migration_";

std::string Hex(const std::array<uint8_t, 32>& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : digest) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

Result<std::string> FileSha256(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::BackupFailed("cannot read " + path.string());
  Sha256 hash;
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.gcount() > 0)
      hash.Update(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) return Status::BackupFailed("cannot read " + path.string());
  return Hex(hash.Finish());
}

BackupManifest FromJson(const nlohmann::json& j) {
  BackupManifest m;
  m.name = j.at("name").get<std::string>();
  m.format = j.at("format").get<std::string>();
  m.dialect = j.at("dialect").get<std::string>();
  m.database = j.value("database", "");
  m.created_at = j.at("created_at").get<std::string>();
  m.created_unix = j.at("created_unix").get<int64_t>();
  m.heads = j.at("heads").get<std::vector<std::string>>();
  m.server_version = j.value("server_version", "");
  m.pg_dump_version = j.value("pg_dump_version", "");
  m.pg_dump_path = j.value("pg_dump_path", "");
  m.size_bytes = j.at("size_bytes").get<int64_t>();
  m.sha256 = j.at("sha256").get<std::string>();
  m.duration_ms = j.value("duration_ms", int64_t{0});
  m.strata_version = j.value("strata_version", "");
  if (j.contains("table_rows"))
    m.table_rows = j.at("table_rows").get<std::map<std::string, int64_t>>();
  return m;
}

}  // namespace

const char* BackupFormatName(BackupFormat format) {
  switch (format) {
    case BackupFormat::kCustom:
      return "custom";
    case BackupFormat::kPlain:
      return "plain";
    case BackupFormat::kDirectory:
      return "directory";
    case BackupFormat::kSqlite:
      return "sqlite";
  }
  return "custom";
}

const char* BackupFormatExtension(BackupFormat format) {
  switch (format) {
    case BackupFormat::kCustom:
      return "dump";
    case BackupFormat::kPlain:
      return "sql";
    case BackupFormat::kDirectory:
      return "dir";
    case BackupFormat::kSqlite:
      return "db";
  }
  return "dump";
}

Result<BackupFormat> ParseBackupFormat(const std::string& name) {
  if (name == "custom") return BackupFormat::kCustom;
  if (name == "plain") return BackupFormat::kPlain;
  if (name == "directory") return BackupFormat::kDirectory;
  return Status::Usage(fmt::format("unknown backup format '{}'", name))
      .WithHint("use --format custom, plain or directory");
}

nlohmann::json ManifestJson(const BackupManifest& m) {
  return {{"name", m.name},
          {"format", m.format},
          {"dialect", m.dialect},
          {"database", m.database},
          {"created_at", m.created_at},
          {"created_unix", m.created_unix},
          {"heads", m.heads},
          {"server_version", m.server_version},
          {"pg_dump_version", m.pg_dump_version},
          {"pg_dump_path", m.pg_dump_path},
          {"size_bytes", m.size_bytes},
          {"sha256", m.sha256},
          {"duration_ms", m.duration_ms},
          {"strata_version", m.strata_version},
          {"table_rows", m.table_rows}};
}

Result<std::string> BackupDigest(const std::string& path, int64_t* size) {
  std::error_code ec;
  *size = 0;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(path, ec)) {
      if (e.is_regular_file()) files.push_back(e.path());
    }
    if (ec) return Status::BackupFailed(fmt::format("cannot list {}: {}", path, ec.message()));
    std::sort(files.begin(), files.end());
    Sha256 all;
    for (const fs::path& f : files) {
      Result<std::string> digest = FileSha256(f);
      if (!digest.ok()) return digest.status();
      *size += static_cast<int64_t>(fs::file_size(f, ec));
      all.Update(fs::relative(f, path).string());
      all.Update(std::string_view("\0", 1));
      all.Update(*digest);
      all.Update("\n");
    }
    return Hex(all.Finish());
  }
  *size = static_cast<int64_t>(fs::file_size(path, ec));
  if (ec) return Status::BackupFailed(fmt::format("cannot read {}: {}", path, ec.message()));
  return FileSha256(path);
}

Status WriteManifest(const BackupManifest& m) {
  std::string tmp = (fs::path(m.manifest_path).parent_path() /
                     ("." + fs::path(m.manifest_path).filename().string() + ".partial"))
                        .string();
  {
    std::ofstream out(tmp, std::ios::trunc);
    ::chmod(tmp.c_str(), 0600);
    out << ManifestJson(m).dump(2) << "\n";
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      return Status::BackupFailed("cannot write the manifest " + m.manifest_path);
    }
  }
  std::error_code ec;
  fs::rename(tmp, m.manifest_path, ec);
  if (ec)
    return Status::BackupFailed(fmt::format("cannot write {}: {}", m.manifest_path, ec.message()));
  return Status::Ok();
}

Result<BackupManifest> ReadManifest(const std::string& backup_path) {
  std::string path = backup_path;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  std::string manifest_path = path + ".json";
  std::ifstream in(manifest_path);
  if (!in) {
    return Status::BackupFailed(fmt::format("no manifest {} beside the backup", manifest_path))
        .WithHint(
            "restore only backups taken by `strata backup`; their manifest holds the "
            "sha256 that proves the file is whole");
  }
  try {
    BackupManifest m = FromJson(nlohmann::json::parse(in));
    m.path = path;
    m.manifest_path = manifest_path;
    if (m.name != fs::path(path).filename().string()) {
      return Status::BackupFailed(fmt::format("the manifest {} describes {}, not {}", manifest_path,
                                              m.name, fs::path(path).filename().string()));
    }
    return m;
  } catch (const std::exception& e) {
    return Status::BackupFailed(fmt::format("malformed manifest {}: {}", manifest_path, e.what()));
  }
}

Result<std::vector<BackupManifest>> ListBackups(const std::string& dir,
                                                std::vector<std::string>* problems) {
  std::vector<BackupManifest> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind(kPrefix, 0) != 0 || e.path().extension() != ".json") continue;
    std::string backup = (e.path().parent_path() / e.path().stem()).string();
    Result<BackupManifest> m = ReadManifest(backup);
    if (!m.ok()) {
      if (problems) problems->push_back(m.status().message());
      continue;
    }
    if (!fs::exists(backup, ec)) {
      if (problems)
        problems->push_back(fmt::format("{}: the backup itself is missing", e.path().string()));
      continue;
    }
    out.push_back(std::move(m).value());
  }
  if (ec) return Status::BackupFailed(fmt::format("cannot list {}: {}", dir, ec.message()));
  std::sort(out.begin(), out.end(), [](const BackupManifest& a, const BackupManifest& b) {
    return std::tie(a.created_unix, a.name) < std::tie(b.created_unix, b.name);
  });
  return out;
}

Status CheckBackupDigest(const BackupManifest& manifest) {
  int64_t size = 0;
  Result<std::string> digest = BackupDigest(manifest.path, &size);
  if (!digest.ok()) return digest.status();
  if (*digest != manifest.sha256 || size != manifest.size_bytes) {
    return Status::BackupFailed(
               fmt::format("{} is damaged: its sha256 is {} ({} bytes), the manifest says {} ({} "
                           "bytes)",
                           manifest.path, *digest, size, manifest.sha256, manifest.size_bytes))
        .WithHint("restore an older backup (`strata backup list`); this one cannot be trusted");
  }
  return Status::Ok();
}

Result<RetentionResult> ApplyRetention(const std::string& dir, int keep_days, int64_t now_unix,
                                       const std::vector<AppliedRevision>& applied) {
  RetentionResult result;
  if (keep_days <= 0) return result;
  Result<std::vector<BackupManifest>> list = ListBackups(dir);
  if (!list.ok()) return list.status();
  // The newest backup taken before each applied revision undoes it: keep those whatever age.
  std::set<std::string> protect;
  for (const AppliedRevision& rev : applied) {
    const BackupManifest* newest = nullptr;
    for (const BackupManifest& m : *list) {
      if (m.created_unix <= rev.applied_unix) newest = &m;
    }
    if (newest) protect.insert(newest->name);
  }
  const int64_t cutoff = now_unix - int64_t{keep_days} * 86400;
  for (const BackupManifest& m : *list) {
    if (m.created_unix >= cutoff) continue;
    if (protect.count(m.name)) {
      result.kept_for_revision.push_back(m.path);
      continue;
    }
    std::error_code ec;
    fs::remove_all(m.path, ec);
    if (ec) return Status::BackupFailed(fmt::format("cannot remove {}: {}", m.path, ec.message()));
    fs::remove(m.manifest_path, ec);
    result.removed.push_back(m.path);
  }
  return result;
}

Result<std::vector<AppliedRevision>> ReadAppliedRevisions(Driver& driver) {
  Result<std::vector<LogEntry>> log = driver.ReadLog(1000000);
  if (!log.ok()) return log.status();
  std::vector<AppliedRevision> out;
  std::set<std::string> seen;
  for (const LogEntry& e : *log) {  // newest first: the newest row of a revision decides
    if (e.revision.empty() || e.status != "done" || seen.count(e.revision)) continue;
    if (e.direction != "upgrade" && e.direction != "downgrade") continue;
    seen.insert(e.revision);
    if (e.direction != "upgrade") continue;
    std::tm tm{};
    if (!strptime(e.started_at.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) continue;
    out.push_back({e.revision, static_cast<int64_t>(timegm(&tm))});
  }
  return out;
}

}  // namespace strata
