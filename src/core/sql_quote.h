// Quoting for the SQL strata writes itself (version-table and strata_log statements, the offline
// script, the pre-flight's catalog queries): the SQL-standard forms that PostgreSQL and SQLite
// both read. Identifiers are always quoted, so a name from strata.toml keeps its case and may be
// a keyword, exactly as written.
//
// Pure; thread-safe.
#ifndef STRATA_CORE_SQL_QUOTE_H_
#define STRATA_CORE_SQL_QUOTE_H_

#include <string>
#include <string_view>

namespace strata {

// a"b -> "a""b"
std::string QuoteIdentifier(std::string_view name);

// "schema"."name", or "name" alone when schema is empty (found through search_path).
std::string QualifiedName(std::string_view schema, std::string_view name);

// it's -> 'it''s'
std::string QuoteLiteral(std::string_view text);

}  // namespace strata

#endif  // STRATA_CORE_SQL_QUOTE_H_
