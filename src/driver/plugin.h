// The ABI between strata and its dynamically loaded PostgreSQL driver module.
//
// PostgreSQL support lives in strata_postgres.so (built from src/driver/postgres/), loaded with
// dlopen only when a postgres URL is used, so that SQLite commands do not pay libpq's start-up
// cost (27 shared libraries). The module and the executable are built from the same tree by the
// same compiler, so C++ types (Driver, DatabaseUrl, DriverOptions, Status) cross the boundary
// as they are; the entry points use C linkage only so that dlsym can find them by name.
//
// The module exports two functions (declare them with STRATA_PLUGIN_EXPORT in the module):
//
//   extern "C" int strata_plugin_abi_version(void);
//     Returns STRATA_PLUGIN_ABI_VERSION as compiled into the module. The loader refuses a module
//     whose number differs (a stale .so from an older build) with a kConnection error.
//
//   extern "C" strata::Driver* strata_open_postgres(const strata::DatabaseUrl* url,
//                                                   const strata::DriverOptions* options,
//                                                   strata::Status* error);
//     Connects to url->original (a postgresql:// URL or a libpq keyword string). On success
//     returns a Driver allocated with `new`; the caller owns it and deletes it through the
//     virtual destructor (both sides share libstdc++'s operator delete). On failure returns
//     nullptr and assigns *error (kConnection for connection/authentication problems, the
//     message built with RedactUrl/RedactSecrets so it holds no password). Must not throw.
//     `url` and `options` are only borrowed for the call; copy what the driver keeps.
//
// The loader never dlcloses the module, so drivers and the code of their vtables stay valid for
// the life of the process. Loading is thread-safe (guarded by a mutex in the loader).
#ifndef STRATA_DRIVER_PLUGIN_H_
#define STRATA_DRIVER_PLUGIN_H_

#include "strata/driver.h"
#include "strata/status.h"
#include "strata/url.h"

// Bump whenever driver.h, url.h or status.h change in a way that alters object layout or
// vtables.
#define STRATA_PLUGIN_ABI_VERSION 4

#define STRATA_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))

namespace strata::plugin {

inline constexpr const char* kPostgresModuleName = "strata_postgres.so";
inline constexpr const char* kAbiVersionSymbol = "strata_plugin_abi_version";
inline constexpr const char* kOpenPostgresSymbol = "strata_open_postgres";

using AbiVersionFn = int (*)();
using OpenPostgresFn = Driver* (*)(const DatabaseUrl* url, const DriverOptions* options,
                                   Status* error);

}  // namespace strata::plugin

#endif  // STRATA_DRIVER_PLUGIN_H_
