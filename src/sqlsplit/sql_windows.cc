#include "sqlsplit/sql_windows.h"

#include <pg_query.h>

#include <algorithm>

namespace strata {

bool SqlWindows::Load() {
  const size_t size = std::min(width_, sql_.size() - pos_);
  buffer_.assign(sql_.substr(pos_, size));
  if (last()) return true;
  size_t cut = LastTerminator();
  if (cut == 0) return false;
  buffer_.resize(cut);
  return true;
}

size_t SqlWindows::LastTerminator() {
  for (int attempt = 0; attempt < 2; ++attempt) {
    PgQuerySplitResult split = pg_query_split_with_scanner(buffer_.c_str());
    if (split.error != nullptr) {
      // A token the window's end cut short (an unterminated string or comment): the text before
      // that token scans the same as in the whole text, so scan only that.
      const int at = split.error->cursorpos;  // 1-based start of the token
      pg_query_free_split_result(split);
      if (attempt > 0 || at <= 1 || static_cast<size_t>(at - 1) >= buffer_.size()) return 0;
      buffer_.resize(static_cast<size_t>(at - 1));
      continue;
    }
    size_t cut = 0;
    for (int i = 0; i < split.n_stmts; ++i) {
      size_t end = static_cast<size_t>(split.stmts[i]->stmt_location) +
                   static_cast<size_t>(split.stmts[i]->stmt_len);
      if (end < buffer_.size() && buffer_[end] == ';') cut = std::max(cut, end + 1);
    }
    pg_query_free_split_result(split);
    return cut;
  }
  return 0;
}

}  // namespace strata
