#include "driver/postgres/statement_split.h"

#include <fmt/format.h>
#include <pg_query.h>

#include <algorithm>
#include <cctype>

#include "driver/sql_text.h"

namespace strata::pg {

Result<std::vector<SqlStatement>> SplitStatements(const std::string& sql, size_t* error_offset) {
  PgQuerySplitResult split = pg_query_split_with_parser(sql.c_str());
  struct Guard {  // frees libpg_query's result on every path
    PgQuerySplitResult& r;
    ~Guard() { pg_query_free_split_result(r); }
  } guard{split};
  if (split.error != nullptr) {
    // cursorpos is 1-based, in bytes; 0 when unknown.
    if (error_offset != nullptr) {
      *error_offset =
          split.error->cursorpos > 0 ? std::min<size_t>(split.error->cursorpos - 1, sql.size()) : 0;
    }
    return Status::MigrationFailed(fmt::format("cannot parse the SQL: {}", split.error->message));
  }
  std::vector<SqlStatement> out;
  out.reserve(split.n_stmts);
  for (int i = 0; i < split.n_stmts; ++i) {
    size_t begin = std::min<size_t>(split.stmts[i]->stmt_location, sql.size());
    size_t len = split.stmts[i]->stmt_len;
    // stmt_len 0 means "to the end of the input" (PostgreSQL's RawStmt convention).
    if (len == 0 || begin + len > sql.size()) len = sql.size() - begin;
    std::string_view text(sql.data() + begin, len);
    if (SkipBlanksAndComments(text, 0) >= text.size()) continue;
    out.push_back({std::string(text), begin});
  }
  return out;
}

size_t CharPositionToOffset(std::string_view text, int position) {
  size_t offset = 0;
  // Step over position-1 UTF-8 characters; continuation bytes (10xxxxxx) start none.
  for (int chars = 1; chars < position && offset < text.size(); ++chars) {
    ++offset;
    while (offset < text.size() && (static_cast<unsigned char>(text[offset]) & 0xC0) == 0x80) {
      ++offset;
    }
  }
  return std::min(offset, text.size());
}

bool IsConcurrentIndexBuild(std::string_view statement) {
  std::string upper;
  for (char c : statement.substr(SkipBlanksAndComments(statement, 0))) {
    upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  bool index = upper.starts_with("CREATE INDEX") || upper.starts_with("CREATE UNIQUE INDEX") ||
               upper.starts_with("REINDEX");
  return index && upper.find("CONCURRENTLY") != std::string::npos;
}

}  // namespace strata::pg
