// OpenDriver: SQLite is built in; PostgreSQL is loaded from strata_postgres.so on first use
// (see plugin.h for the ABI and why it is a separate module).
#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

#include "driver/module_path.h"
#include "driver/plugin.h"
#include "driver/sqlite/sqlite_driver.h"
#include "strata/driver.h"

namespace strata {
namespace {

struct LoadedModule {
  plugin::OpenPostgresFn open = nullptr;
  Status error;  // why `open` is null
};

LoadedModule LoadPostgresModule() {
  std::vector<std::string> candidates =
      ModuleCandidates(plugin::kPostgresModuleName, "STRATA_POSTGRES_MODULE");
  for (const std::string& path : candidates) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) continue;
    // RTLD_LOCAL: the module's copy of strata_core and libpq's symbols stay out of our way.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      // A module that exists but cannot load (missing libpq, wrong architecture) is the answer
      // the user needs; trying further candidates would hide it.
      const char* error = dlerror();
      const std::string why = error != nullptr ? error : "unknown error";
      // A missing library is the user's to install; an undefined symbol means the module does
      // not belong with this binary (a partial build or install).
      const bool missing_libpq = why.find("libpq") != std::string::npos;
      return {nullptr,
              Status::Connection("cannot load the PostgreSQL driver module " + path + ": " + why)
                  .WithHint(missing_libpq ? "install libpq (Debian: libpq5)"
                                          : "install the strata_postgres.so that came "
                                            "with this strata, or rebuild both")};
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
  std::string looked = CandidateList(candidates);
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
