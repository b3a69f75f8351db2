// libFuzzer target: arbitrary bytes as the CREATE text SQLite stores (sqlite_schema.sql) through
// NormaliseSqlText (snapshot.h). Must never crash or hang; the result is never more than twice
// as long as the input (one space per ',' at most), normalising it again changes nothing, and it
// never starts with a space (it may end with one inside an unterminated quote).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "strata/snapshot.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;  // one pass over the text; big inputs only slow the search
  std::string sql(reinterpret_cast<const char*>(data), size);
  std::string once = strata::NormaliseSqlText(sql);
  if (once.size() > 2 * sql.size()) std::abort();
  if (strata::NormaliseSqlText(once) != once) std::abort();
  if (!once.empty() && once.front() == ' ') std::abort();
  return 0;
}
