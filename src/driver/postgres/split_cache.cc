#include "driver/postgres/split_cache.h"

#include <functional>

namespace strata::pg {

const Result<StatementList>& SplitCache::Keep(std::string_view sql) {
  size_t error_offset = 0;
  Result<StatementList> split = SplitStatements(sql, &error_offset);
  auto [it, added] = entries_.insert_or_assign(
      sql.data(),
      Entry{sql.size(), std::hash<std::string_view>()(sql), error_offset, std::move(split)});
  return it->second.split;
}

Result<StatementList> SplitCache::Take(std::string_view sql, size_t* error_offset) {
  auto it = entries_.find(sql.data());
  if (it != entries_.end() && it->second.size == sql.size() &&
      it->second.hash == std::hash<std::string_view>()(sql)) {
    if (error_offset != nullptr) *error_offset = it->second.error_offset;
    Result<StatementList> split = std::move(it->second.split);
    entries_.erase(it);
    return split;
  }
  return SplitStatements(sql, error_offset);
}

}  // namespace strata::pg
