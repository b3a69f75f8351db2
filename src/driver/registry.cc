// OpenDriver: SQLite is built in; PostgreSQL is loaded from strata_postgres.so on first use
// (see plugin.h for the ABI and why it is a separate module).
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

#include "driver/plugin.h"
#include "driver/sqlite/sqlite_driver.h"
#include "strata/driver.h"

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

// Where the module may be, in the order tried. STRATA_POSTGRES_MODULE, when set, is the only
// place: a path someone chose and got wrong must be reported, not quietly replaced by another copy.
// Otherwise: beside the executable (a build tree), where `cmake --install` puts it relative to the
// executable (any prefix, any DESTDIR), beside libstrata.so, then the configured install path.
std::vector<std::string> ModuleCandidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("STRATA_POSTGRES_MODULE"); env != nullptr && *env != '\0') {
    out.emplace_back(env);
    return out;
  }
  auto add = [&out](const std::filesystem::path& path) {
    std::string p = path.lexically_normal().string();
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(std::move(p));
  };
  std::filesystem::path exe_dir = ExecutableDir();
  if (!exe_dir.empty()) {
    add(exe_dir / plugin::kPostgresModuleName);
#ifdef STRATA_POSTGRES_MODULE_RELDIR
    add(exe_dir / STRATA_POSTGRES_MODULE_RELDIR / plugin::kPostgresModuleName);
#endif
    add(exe_dir / ".." / "lib" / "strata" / plugin::kPostgresModuleName);
  }
  std::filesystem::path object_dir = ThisObjectDir();
  if (!object_dir.empty() && object_dir != exe_dir) {
    add(object_dir / "strata" / plugin::kPostgresModuleName);
    add(object_dir / plugin::kPostgresModuleName);
#ifdef STRATA_POSTGRES_MODULE_FROM_PYTHON
    // The Python extension, installed in <prefix>/lib/python3/dist-packages/strata/.
    add(object_dir / STRATA_POSTGRES_MODULE_FROM_PYTHON / plugin::kPostgresModuleName);
#endif
  }
#ifdef STRATA_POSTGRES_MODULE_INSTALL_PATH
  add(STRATA_POSTGRES_MODULE_INSTALL_PATH);
#endif
#ifdef STRATA_POSTGRES_MODULE_BUILD_PATH
  add(STRATA_POSTGRES_MODULE_BUILD_PATH);
#endif
  return out;
}

struct LoadedModule {
  plugin::OpenPostgresFn open = nullptr;
  Status error;  // why `open` is null
};

LoadedModule LoadPostgresModule() {
  std::vector<std::string> candidates = ModuleCandidates();
  for (const std::string& path : candidates) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) continue;
    // RTLD_LOCAL: the module's copy of strata_core and libpq's symbols stay out of our way.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      // A module that exists but cannot load (missing libpq, wrong architecture) is the answer
      // the user needs; trying further candidates would hide it.
      const char* why = dlerror();
      return {nullptr, Status::Connection("cannot load the PostgreSQL driver module " + path +
                                          ": " + (why ? why : "unknown error"))
                           .WithHint("install libpq (Debian: libpq5)")};
    }
    auto abi = reinterpret_cast<plugin::AbiVersionFn>(dlsym(handle, plugin::kAbiVersionSymbol));
    auto open =
        reinterpret_cast<plugin::OpenPostgresFn>(dlsym(handle, plugin::kOpenPostgresSymbol));
    if (abi == nullptr || open == nullptr) {
      return {nullptr, Status::Connection("the PostgreSQL driver module " + path +
                                          " does not export " + plugin::kAbiVersionSymbol +
                                          " and " + plugin::kOpenPostgresSymbol)};
    }
    if (int version = abi(); version != STRATA_PLUGIN_ABI_VERSION) {
      return {nullptr,
              Status::Connection("the PostgreSQL driver module " + path + " has ABI version " +
                                 std::to_string(version) + ", this strata needs " +
                                 std::to_string(STRATA_PLUGIN_ABI_VERSION))
                  .WithHint("install the strata_postgres.so that came with this strata")};
    }
    return {open, Status::Ok()};  // never dlclosed: see plugin.h
  }
  std::string looked;
  for (const std::string& path : candidates) looked += (looked.empty() ? "" : ", ") + path;
  return {nullptr,
          Status::Connection("the PostgreSQL driver module " +
                             std::string(plugin::kPostgresModuleName) +
                             " was not found (looked in: " + looked + ")")
              .WithHint("install it next to the strata executable or in ../lib/strata/, or set "
                        "STRATA_POSTGRES_MODULE to its path")};
}

// Loaded at most once per process; a failure is remembered too, since the files will not
// appear while we run.
const LoadedModule& PostgresModule() {
  static std::once_flag once;
  static LoadedModule module;
  std::call_once(once, [] { module = LoadPostgresModule(); });
  return module;
}

}  // namespace

Result<std::unique_ptr<Driver>> OpenDriver(const DatabaseUrl& url, const DriverOptions& options) {
  switch (url.kind) {
    case DatabaseKind::kSqlite:
      return OpenSqliteDriver(url, options);
    case DatabaseKind::kPostgres: {
      const LoadedModule& module = PostgresModule();
      if (module.open == nullptr) {
        return Status::Error(module.error.kind(), "cannot open " + RedactUrl(url.original) + ": " +
                                                      module.error.message())
            .WithHint(module.error.hint());
      }
      Status error;
      Driver* driver = module.open(&url, &options, &error);
      if (driver == nullptr) {
        if (error.ok()) {
          return Status::Connection("cannot open " + RedactUrl(url.original) +
                                    ": the PostgreSQL driver gave no reason");
        }
        return error;
      }
      return std::unique_ptr<Driver>(driver);
    }
  }
  return Status::Usage("unsupported database URL " + RedactUrl(url.original));
}

}  // namespace strata
