#include "core/bookkeeping_sql.h"

namespace strata {

std::string VersionTableDdl(std::string_view quoted_table, std::string_view quoted_pkc) {
  return "CREATE TABLE IF NOT EXISTS " + std::string(quoted_table) +
         " (version_num VARCHAR(32) NOT NULL, CONSTRAINT " + std::string(quoted_pkc) +
         " PRIMARY KEY (version_num));";
}

std::string SqliteLogTableDdl(std::string_view quoted_log_table) {
  return "CREATE TABLE IF NOT EXISTS " + std::string(quoted_log_table) +
         " (id INTEGER PRIMARY KEY AUTOINCREMENT,"
         " revision VARCHAR(32) NOT NULL,"
         " direction VARCHAR(16) NOT NULL,"
         " status VARCHAR(16) NOT NULL,"
         " checksum VARCHAR(64) NOT NULL DEFAULT '',"
         " started_at VARCHAR(32) NOT NULL,"
         " duration_ms INTEGER NOT NULL DEFAULT 0,"
         " applied_by VARCHAR(255) NOT NULL DEFAULT '',"
         " strata_version VARCHAR(32) NOT NULL DEFAULT '',"
         " error TEXT,"
         " schema_hash VARCHAR(64));";
}

std::string PostgresLogTableDdl(std::string_view quoted_log_table) {
  return "CREATE TABLE IF NOT EXISTS " + std::string(quoted_log_table) +
         " (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
         "revision VARCHAR(32) NOT NULL, direction TEXT NOT NULL, status TEXT NOT NULL, "
         "checksum TEXT NOT NULL, started_at TIMESTAMPTZ NOT NULL, duration_ms BIGINT NOT NULL, "
         "applied_by TEXT NOT NULL, strata_version TEXT NOT NULL, error TEXT, schema_hash TEXT);";
}

std::string SqliteAddSchemaHashDdl(std::string_view quoted_log_table) {
  return "ALTER TABLE " + std::string(quoted_log_table) + " ADD COLUMN schema_hash VARCHAR(64)";
}

std::string PostgresAddSchemaHashDdl(std::string_view quoted_log_table) {
  return "ALTER TABLE " + std::string(quoted_log_table) +
         " ADD COLUMN IF NOT EXISTS schema_hash TEXT";
}

int64_t MigrationLockKey(std::string_view schema, std::string_view table) {
  uint64_t hash = 14695981039346656037ull;
  auto mix = [&hash](std::string_view text) {
    for (unsigned char c : text) {
      hash ^= c;
      hash *= 1099511628211ull;
    }
  };
  mix("strata:");
  mix(schema);
  mix(".");
  mix(table);
  return static_cast<int64_t>(hash);
}

}  // namespace strata
