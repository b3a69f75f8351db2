// The module's entry points, found by src/driver/registry.cc with dlsym (ABI: driver/plugin.h).
// PostgreSQL lives in a module of its own so that SQLite commands do not load libpq and its 27
// shared libraries. Nothing here throws across the C boundary.
#include "driver/plugin.h"

#include <exception>
#include <string>

#include "driver/postgres/postgres_driver.h"

STRATA_PLUGIN_EXPORT int strata_plugin_abi_version() { return STRATA_PLUGIN_ABI_VERSION; }

STRATA_PLUGIN_EXPORT strata::Driver* strata_open_postgres(const strata::DatabaseUrl* url,
                                                          const strata::DriverOptions* options,
                                                          strata::Status* error) {
  try {
    auto driver = strata::pg::PostgresDriver::Open(*url, *options);
    if (!driver.ok()) {
      if (error != nullptr) *error = driver.status();
      return nullptr;
    }
    return std::move(driver).value().release();
  } catch (const std::exception& e) {
    if (error != nullptr) {
      *error =
          strata::Status::Connection(std::string("opening the PostgreSQL driver: ") + e.what());
    }
    return nullptr;
  }
}
