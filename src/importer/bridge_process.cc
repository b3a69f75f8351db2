// Running the Alembic bridge (alembic_bridge.h).
#include <fmt/format.h>

#include <cstdlib>

#include "importer/alembic_bridge.h"
#include "strata/import.h"

namespace strata {

std::string AlembicPython() {
  const char* python = std::getenv("STRATA_ALEMBIC_PYTHON");
  return python != nullptr && *python != '\0' ? python : "/usr/bin/python3";
}

Result<std::unique_ptr<ChildProcess>> StartAlembicBridge(
    const std::vector<std::string>& args, const std::vector<std::string>& extra_env) {
  std::vector<std::string> argv = {AlembicPython(), "-c", kAlembicBridgeSource};
  argv.insert(argv.end(), args.begin(), args.end());
  Result<std::unique_ptr<ChildProcess>> child = ChildProcess::Start(argv, extra_env);
  if (!child.ok()) {
    return Status(child.status())
        .WithHint(
            "install python3-alembic (Debian), or set STRATA_ALEMBIC_PYTHON to a Python that "
            "has Alembic");
  }
  return child;
}

std::string BridgeStderrTail(const ChildProcess& child) {
  const std::string& text = child.stderr_text();
  size_t end = text.find_last_not_of("\n ");
  if (end == std::string::npos) return "";
  size_t start = end;
  for (int lines = 0; start > 0; --start) {
    if (text[start - 1] == '\n' && ++lines == 3) break;
  }
  return text.substr(start, end + 1 - start);
}

}  // namespace strata
