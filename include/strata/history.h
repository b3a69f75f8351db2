// History ranges for `strata history -r START:END` (Alembic's `-r` syntax). Pure.
#ifndef STRATA_HISTORY_H_
#define STRATA_HISTORY_H_

#include <string_view>
#include <vector>

#include "strata/graph.h"
#include "strata/status.h"

namespace strata {

// The revisions in `range`, newest first. `range` is "START:END" where either side may be empty
// (START empty = base, END empty = heads); each side is "base", "head", "heads", "current", a
// revision id or prefix, or "LABEL@head". A range without a colon names a single revision.
// `current` is the database's heads, needed only when a side is "current" (nullptr otherwise:
// then "current" is a kUsage error). The result holds the descendants of START (inclusive) that
// are ancestors of END (inclusive).
Result<std::vector<const Revision*>> RevisionRange(const RevisionGraph& graph,
                                                   std::string_view range,
                                                   const std::vector<std::string>* current);

}  // namespace strata

#endif  // STRATA_HISTORY_H_
