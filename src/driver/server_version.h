// The PostgreSQL server's version, read over an open driver: for backup (a pg_dump at least as
// new as the server) and lint (which grammar the target speaks). Thread-safe as the driver is
// (not at all: one caller at a time).
#ifndef STRATA_DRIVER_SERVER_VERSION_H_
#define STRATA_DRIVER_SERVER_VERSION_H_

#include <string>

#include "strata/driver.h"
#include "strata/status.h"

namespace strata {

// {"15.4", 15} from server_version and server_version_num.
struct ServerVersion {
  std::string text;
  int major = 0;
};

// Fails as Driver::Query does (kUsage on a driver without queries, i.e. SQLite), or kConnection
// when the server does not report a version.
Result<ServerVersion> ReadServerVersion(Driver& driver);

}  // namespace strata

#endif  // STRATA_DRIVER_SERVER_VERSION_H_
