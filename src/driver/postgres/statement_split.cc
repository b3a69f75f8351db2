#include "driver/postgres/statement_split.h"

#include <fmt/format.h>
#include <pg_query.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "driver/sql_text.h"

namespace strata::pg {
namespace {

// The statement's first `n` words, upper-cased.
std::vector<std::string> LeadingWords(std::string_view statement, size_t n) {
  std::vector<std::string> words;
  size_t i = SkipBlanksAndComments(statement, 0);
  while (words.size() < n && i < statement.size()) {
    std::string word;
    while (i < statement.size() &&
           (std::isalnum(static_cast<unsigned char>(statement[i])) || statement[i] == '_')) {
      word += static_cast<char>(std::toupper(static_cast<unsigned char>(statement[i])));
      ++i;
    }
    if (word.empty()) break;
    words.push_back(std::move(word));
    i = SkipBlanksAndComments(statement, i);
  }
  return words;
}

std::vector<SqlStatement> FromSplit(const std::string& sql, const PgQuerySplitResult& split) {
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

}  // namespace

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
  return FromSplit(sql, split);
}

std::vector<SqlStatement> SplitStatementsLoosely(const std::string& sql) {
  PgQuerySplitResult split = pg_query_split_with_scanner(sql.c_str());
  std::vector<SqlStatement> out;
  if (split.error == nullptr) out = FromSplit(sql, split);
  pg_query_free_split_result(split);
  if (out.empty()) out.push_back({sql, 0});
  return out;
}

bool IsTransactionControl(std::string_view statement) {
  std::vector<std::string> w = LeadingWords(statement, 3);
  if (w.empty()) return false;
  const std::string& first = w[0];
  if (first == "BEGIN" || first == "COMMIT" || first == "END" || first == "ABORT") return true;
  if (first == "START" || first == "PREPARE") return w.size() > 1 && w[1] == "TRANSACTION";
  if (first == "ROLLBACK") {
    // ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name stays inside the transaction.
    size_t next = w.size() > 1 && (w[1] == "WORK" || w[1] == "TRANSACTION") ? 2 : 1;
    return !(w.size() > next && w[next] == "TO");
  }
  return false;
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

bool IsClientCopy(std::string_view statement) {
  std::vector<std::string> w = LeadingWords(statement, 1);
  if (w.empty() || w[0] != "COPY") return false;
  const std::string sql(statement);
  PgQueryParseResult parsed = pg_query_parse(sql.c_str());
  bool client = false;
  if (parsed.error == nullptr && parsed.parse_tree != nullptr) {
    nlohmann::json tree = nlohmann::json::parse(parsed.parse_tree, nullptr, false);
    if (tree.is_object() && tree.contains("stmts") && tree["stmts"].size() == 1) {
      const nlohmann::json& stmt = tree["stmts"][0]["stmt"];
      // No filename: STDIN or STDOUT (PROGRAM sets one too).
      client = stmt.contains("CopyStmt") && !stmt["CopyStmt"].contains("filename");
    }
  }
  pg_query_free_parse_result(parsed);
  return client;
}

bool IsConcurrentIndexBuild(std::string_view statement) {
  std::vector<std::string> w = LeadingWords(statement, 4);
  bool index = (w.size() >= 2 && w[0] == "CREATE" && (w[1] == "INDEX" || w[1] == "UNIQUE")) ||
               (!w.empty() && w[0] == "REINDEX");
  std::string upper;
  for (char c : statement) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return index && upper.find("CONCURRENTLY") != std::string::npos;
}

}  // namespace strata::pg
