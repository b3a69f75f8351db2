// ReadServerVersion (server_version.h).
#include "driver/server_version.h"

#include <cstdlib>

namespace strata {

Result<ServerVersion> ReadServerVersion(Driver& driver) {
  Result<Driver::Rows> rows = driver.Query(
      "SELECT current_setting('server_version'), current_setting('server_version_num')");
  if (!rows.ok()) return rows.status();
  if (rows->empty() || rows->front().size() < 2 || !rows->front()[0] || !rows->front()[1]) {
    return Status::Connection("the server did not report its version (server_version_num)");
  }
  ServerVersion v;
  v.text = *rows->front()[0];
  v.text = v.text.substr(0, v.text.find(' '));
  v.major = std::atoi(rows->front()[1]->c_str()) / 10000;
  return v;
}

}  // namespace strata
