#include "backup/pg_tools.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

#include "backup/child_process.h"

namespace strata::backup {
namespace {

namespace fs = std::filesystem;

bool IsExecutable(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

// What `<path> --version` says, or an error line for the message.
Result<PgTool> Probe(const fs::path& path) {
  Result<ChildResult> run = RunChild({path.string(), "--version"});
  if (!run.ok()) return run.status();
  PgTool tool{path.string(), ParseToolVersion(run->output), 0};
  tool.major = MajorVersion(tool.version);
  if (run->exit_code != 0 || tool.major == 0) {
    return Status::BackupFailed(
        fmt::format("{} --version did not report a version", path.string()));
  }
  return tool;
}

}  // namespace

std::string ParseToolVersion(const std::string& output) {
  size_t p = output.find("(PostgreSQL) ");
  if (p == std::string::npos) return "";
  p += 13;
  size_t end = p;
  while (end < output.size() &&
         (std::isdigit(static_cast<unsigned char>(output[end])) || output[end] == '.')) {
    ++end;
  }
  return output.substr(p, end - p);
}

int MajorVersion(const std::string& version) { return std::atoi(version.c_str()); }

Result<PgTool> FindPgTool(const std::string& tool, int server_major,
                          const std::string& configured) {
  std::vector<fs::path> candidates;
  if (!configured.empty()) {
    fs::path p = configured;
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      candidates.push_back(p / tool);
    } else {
      candidates.push_back(p.parent_path() / tool);
    }
  } else {
    std::vector<int> majors;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
      int major = std::atoi(entry.path().filename().c_str());
      if (major > 0) majors.push_back(major);
    }
    // The server's own major first, then newer ones, then older (reported as too old).
    std::sort(majors.begin(), majors.end(), [server_major](int a, int b) {
      bool fa = a >= server_major, fb = b >= server_major;
      if (fa != fb) return fa;
      return fa ? a < b : a > b;
    });
    for (int m : majors)
      candidates.push_back(fs::path("/usr/lib/postgresql") / std::to_string(m) / "bin" / tool);
    if (const char* path = std::getenv("PATH")) {
      std::string all = path;
      size_t start = 0;
      while (start <= all.size()) {
        size_t colon = all.find(':', start);
        std::string dir =
            all.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
        if (!dir.empty()) candidates.push_back(fs::path(dir) / tool);
        if (colon == std::string::npos) break;
        start = colon + 1;
      }
    }
  }
  std::vector<std::string> found;
  for (const fs::path& p : candidates) {
    if (!IsExecutable(p)) continue;
    Result<PgTool> probe = Probe(p);
    if (!probe.ok()) {
      found.push_back(probe.status().message());
      continue;
    }
    if (probe->major >= server_major) return probe;
    found.push_back(fmt::format("{} is version {}", probe->path, probe->version));
  }
  std::string seen = found.empty() ? fmt::format("no {} was found", tool) : "";
  for (const std::string& f : found) seen += (seen.empty() ? "" : "; ") + f;
  std::string where = configured.empty() ? "in /usr/lib/postgresql/*/bin or on PATH"
                                         : fmt::format("in pg_dump_path ({})", configured);
  return Status::BackupFailed(
             fmt::format("no {} {} is at least as new as the server (PostgreSQL {}): {}; an "
                         "older {} cannot read a newer server",
                         tool, where, server_major, seen, tool))
      .WithHint(fmt::format("install postgresql-client-{} (Debian/Ubuntu, from apt.postgresql.org) "
                            "and set pg_dump_path in strata.toml to its bin folder",
                            server_major));
}

}  // namespace strata::backup
