// A section parsed a window at a time (sqlsplit/sql_windows.h): each window's statements with their
// trees, their first tokens and their `-- strata:allow` comments. Parsing only: no rule runs here,
// so windows can be parsed ahead on other threads (section_prefetch.h).
#ifndef STRATA_LINT_PARSED_WINDOWS_H_
#define STRATA_LINT_PARSED_WINDOWS_H_

#include <functional>
#include <string>
#include <vector>

#include "lint/statement_parse.h"

namespace strata::lint {

struct ParsedWindow {
  size_t base = 0;          // where the window starts in the section
  size_t length = 0;        // the window's length
  ParsedStatements parsed;  // `start` and `error_at` relative to the section; `location` to base
  // Statements to check: all of the last window's; the others hold their last statement back,
  // and the next window starts at it, so that an allow comment on the line where it ends
  // (`...; -- strata:allow x`) is seen with it.
  size_t checked = 0;
  std::vector<std::string> leading;  // first window: allow ids before the first statement
};

// Parses `sql` window by window and hands each window to `fn`, in order. Deep statements recurse
// in libpg_query: a section of kSmallSqlBytes or more must be parsed on a large stack
// (core/large_stack.h).
void ForEachParsedWindow(const std::string& sql, const std::function<void(ParsedWindow&)>& fn);

}  // namespace strata::lint

#endif  // STRATA_LINT_PARSED_WINDOWS_H_
