// The SQL text of strata's own bookkeeping that more than one module must spell identically:
// the DDL of the version table and strata_log, and the PostgreSQL migration-lock key. The
// drivers run it; the offline script (`upgrade --sql`) prints it. Keeping one copy means a
// printed script creates exactly the tables a live run would.
//
// Pure; thread-safe. Names are passed already quoted (and schema-qualified) by the caller,
// because each dialect quotes in its own module.
#ifndef STRATA_CORE_BOOKKEEPING_SQL_H_
#define STRATA_CORE_BOOKKEEPING_SQL_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace strata {

// Alembic's exact layout (both dialects), so that Alembic and strata can take turns on one
// database: CREATE TABLE IF NOT EXISTS <table> (version_num VARCHAR(32) NOT NULL,
// CONSTRAINT <pkc> PRIMARY KEY (version_num)); -- with the trailing ';', no newline.
std::string VersionTableDdl(std::string_view quoted_table, std::string_view quoted_pkc);

// strata_log, one row per applied step (driver.h); with the trailing ';', no newline.
std::string SqliteLogTableDdl(std::string_view quoted_log_table);
std::string PostgresLogTableDdl(std::string_view quoted_log_table);

// Adds strata_log.schema_hash (nullable) to a strata_log made before the column existed; no ';'.
std::string SqliteAddSchemaHashDdl(std::string_view quoted_log_table);
std::string PostgresAddSchemaHashDdl(std::string_view quoted_log_table);

// The PostgreSQL advisory-lock key for a version table: 64-bit FNV-1a of
// "strata:<schema>.<table>" (unquoted names; <schema> is version_schema or, when unset, the
// session's current_schema()).
int64_t MigrationLockKey(std::string_view schema, std::string_view table);

}  // namespace strata

#endif  // STRATA_CORE_BOOKKEEPING_SQL_H_
