// SplitCache: the statement splits of one plan's sections, made by the pre-flight and taken by
// the steps, so that a section is parsed once per run even when the pre-flight has to look at
// it (other sessions are connected: the usual case in production).
//
// A section is known by its text's address, size and hash: the plan's revisions outlive the run,
// and a stale entry (a run stopped before its step, a section at a reused address) cannot match
// different text. Not thread-safe (one per driver, as the session).
#ifndef STRATA_DRIVER_POSTGRES_SPLIT_CACHE_H_
#define STRATA_DRIVER_POSTGRES_SPLIT_CACHE_H_

#include <string_view>
#include <unordered_map>

#include "driver/postgres/statement_split.h"

namespace strata::pg {

class SplitCache {
 public:
  // Splits `sql` and keeps the split for Take. Returns it.
  const Result<StatementList>& Keep(std::string_view sql);
  // The split of `sql`: the one kept for it (then forgotten), or a new one. `error_offset` as for
  // SplitStatements.
  Result<StatementList> Take(std::string_view sql, size_t* error_offset);
  void Clear() { entries_.clear(); }

 private:
  struct Entry {
    size_t size;
    size_t hash;
    size_t error_offset;
    Result<StatementList> split;
  };
  std::unordered_map<const char*, Entry> entries_;
};

}  // namespace strata::pg

#endif  // STRATA_DRIVER_POSTGRES_SPLIT_CACHE_H_
