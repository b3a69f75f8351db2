// `strata init [DIR]`: creates the migrations folder and a commented strata.toml.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "cli/commands.h"
#include "cli/format.h"

namespace strata::cli {
namespace fs = std::filesystem;

Status RunInit(const Context& ctx, const InitOptions& o) {
  const std::string dir = o.dir.empty() ? ctx.settings().dir : o.dir;
  const std::string config =
      ctx.settings().config_file.empty() ? "strata.toml" : ctx.settings().config_file;
  std::error_code ec;
  bool dir_existed = fs::exists(dir, ec);
  if (dir_existed && !fs::is_directory(dir, ec)) {
    return Status::Usage(fmt::format("'{}' exists and is not a folder", dir));
  }
  if (dir_existed && !fs::is_empty(dir, ec)) {
    return Status::Usage(fmt::format("'{}' already exists and is not empty", dir))
        .WithHint(
            "strata is already set up here; use `strata revision -m MESSAGE` to add a revision");
  }
  if (!fs::create_directories(dir, ec) && ec) {
    return Status::Usage(fmt::format("cannot create '{}': {}", dir, ec.message()));
  }
  bool config_written = false;
  if (!fs::exists(config, ec)) {
    // Written to a temp file and renamed, so an interrupted init leaves no half file.
    const std::string tmp = config + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << DefaultConfigFileText(dir);
      if (!out.flush()) {
        return Status::Usage(fmt::format("cannot write '{}'", tmp));
      }
    }
    fs::rename(tmp, config, ec);
    if (ec) return Status::Usage(fmt::format("cannot write '{}': {}", config, ec.message()));
    config_written = true;
  }
  if (ctx.json()) {
    PrintJson({{"dir", dir}, {"config", config}, {"config_written", config_written}});
  } else {
    ctx.Progress(fmt::format("Created migrations folder {}", dir));
    ctx.Progress(config_written ? fmt::format("Wrote {}", config)
                                : fmt::format("Kept the existing {}", config));
    ctx.Progress("Next: strata revision -m \"create users\"");
  }
  return Status::Ok();
}

}  // namespace strata::cli
