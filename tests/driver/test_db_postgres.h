// Helpers for the PostgreSQL-only tests (postgres_driver_test.cc); the backend itself registers
// with test_db.h from test_db_postgres.cc.
#ifndef STRATA_TESTS_DRIVER_TEST_DB_POSTGRES_H_
#define STRATA_TESTS_DRIVER_TEST_DB_POSTGRES_H_

#include <string>

namespace strata::testing {

// `url` (postgresql://... or a libpq keyword string) pointing at `database` instead.
std::string PostgresUrlWithDatabase(const std::string& url, const std::string& database);

}  // namespace strata::testing

#endif  // STRATA_TESTS_DRIVER_TEST_DB_POSTGRES_H_
