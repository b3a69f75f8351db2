// ModuleCandidates (module_path.h).
#include "driver/module_path.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace strata {
namespace {

std::filesystem::path ExecutableDir() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return exe.parent_path();
}

// The folder of the file this code was loaded from: the strata executable, or libstrata.so (or a
// Python extension) when a program links the library.
std::filesystem::path ThisObjectDir() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&ExecutableDir), &info) == 0 || info.dli_fname == nullptr) {
    return {};
  }
  std::error_code ec;
  std::filesystem::path file = std::filesystem::canonical(info.dli_fname, ec);
  return ec ? std::filesystem::path() : file.parent_path();
}

}  // namespace

std::vector<std::string> ModuleCandidates(std::string_view file_name, const char* env_var) {
  std::vector<std::string> out;
  if (const char* env = std::getenv(env_var); env != nullptr && *env != '\0') {
    out.emplace_back(env);
    return out;
  }
  auto add = [&out](const std::filesystem::path& path) {
    std::string p = path.lexically_normal().string();
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(std::move(p));
  };
  std::filesystem::path exe_dir = ExecutableDir();
  if (!exe_dir.empty()) {
    add(exe_dir / file_name);
#ifdef STRATA_MODULE_RELDIR
    add(exe_dir / STRATA_MODULE_RELDIR / file_name);
#endif
    add(exe_dir / ".." / "lib" / "strata" / file_name);
  }
  std::filesystem::path object_dir = ThisObjectDir();
  if (!object_dir.empty() && object_dir != exe_dir) {
    add(object_dir / "strata" / file_name);
    add(object_dir / file_name);
#ifdef STRATA_MODULE_FROM_PYTHON
    // The Python extension, installed in <prefix>/lib/python3/dist-packages/strata/.
    add(object_dir / STRATA_MODULE_FROM_PYTHON / file_name);
#endif
  }
#ifdef STRATA_MODULE_INSTALL_DIR
  add(std::filesystem::path(STRATA_MODULE_INSTALL_DIR) / file_name);
#endif
#ifdef STRATA_MODULE_BUILD_DIR
  add(std::filesystem::path(STRATA_MODULE_BUILD_DIR) / file_name);
#endif
  return out;
}

std::string CandidateList(const std::vector<std::string>& candidates) {
  std::string out;
  for (const std::string& path : candidates) out += (out.empty() ? "" : ", ") + path;
  return out;
}

}  // namespace strata
