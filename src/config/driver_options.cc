// DriverOptionsFor (config.h): settings to driver options, shared by every client.
#include "strata/config.h"
#include "strata/driver.h"

namespace strata {

DriverOptions DriverOptionsFor(const Settings& settings) {
  DriverOptions options;
  options.version_table = settings.version_table;
  options.version_schema = settings.version_schema;
  options.lock_timeout = settings.lock_timeout;
  options.statement_lock_timeout = settings.statement_lock_timeout;
  options.statement_timeout = settings.statement_timeout;
  options.retries = settings.retries;
  options.idle_in_transaction_threshold = settings.idle_in_transaction_threshold;
  options.refuse_if_blocked = settings.refuse_if_blocked;
  return options;
}

}  // namespace strata
