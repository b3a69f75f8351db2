// Quoting of PostgreSQL identifiers for the names strata builds SQL from (version_table,
// version_schema, strata_log). Always quoted, so a name keeps its case and may be a keyword,
// exactly as written in strata.toml.
//
// Pure; thread-safe.
#ifndef STRATA_DRIVER_POSTGRES_IDENTIFIERS_H_
#define STRATA_DRIVER_POSTGRES_IDENTIFIERS_H_

#include <string>
#include <string_view>

namespace strata::pg {

// a"b -> "a""b"
std::string QuoteIdent(std::string_view name);

// "schema"."name", or "name" alone when schema is empty (found through search_path).
std::string QualifiedName(std::string_view schema, std::string_view name);

}  // namespace strata::pg

#endif  // STRATA_DRIVER_POSTGRES_IDENTIFIERS_H_
