#include "driver/postgres/statement_split.h"

#include <fmt/format.h>
#include <pg_query.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <vector>

#include "core/large_stack.h"
#include "driver/sql_text.h"
#include "sqlsplit/sql_windows.h"

namespace strata::pg {
namespace {

// Frees libpg_query's result on every path.
struct SplitResult {
  PgQuerySplitResult r;
  ~SplitResult() { pg_query_free_split_result(r); }
};

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

// Adds the statements libpg_query found in a window at `offset` of the section.
void AddStatements(const std::string& window, size_t offset, const PgQuerySplitResult& split,
                   StatementList& out) {
  for (int i = 0; i < split.n_stmts; ++i) {
    size_t begin = std::min<size_t>(split.stmts[i]->stmt_location, window.size());
    size_t len = split.stmts[i]->stmt_len;
    // stmt_len 0 means "to the end of the input" (PostgreSQL's RawStmt convention).
    if (len == 0 || begin + len > window.size()) len = window.size() - begin;
    std::string_view text(window.data() + begin, len);
    if (SkipBlanksAndComments(text, 0) >= text.size()) continue;
    out.Add(offset + begin, len);
  }
}

}  // namespace

Result<StatementList> SplitStatements(std::string_view sql, size_t* error_offset) {
  if (sql.size() >= std::numeric_limits<uint32_t>::max()) {
    if (error_offset != nullptr) *error_offset = 0;
    return Status::MigrationFailed(fmt::format(
        "a section of {} bytes cannot be split into statements (the limit is 4 GiB)", sql.size()));
  }
  StatementList out(sql);
  SqlWindows windows(sql);
  while (windows.Next()) {
    const std::string& text = windows.text();
    SplitResult split{pg_query_split_with_parser(text.c_str())};
    if (split.r.error != nullptr) {
      if (!windows.last() && EndsInsideAStatement(split.r.error->cursorpos, text.size())) {
        // The window ended inside a statement that holds ';' of its own (BEGIN ATOMIC ...
        // END): a wider window takes it whole.
        windows.Widen();
        continue;
      }
      // cursorpos is 1-based, in bytes; 0 when unknown.
      const size_t at = split.r.error->cursorpos > 0 ? split.r.error->cursorpos - 1 : 0;
      if (error_offset != nullptr) *error_offset = windows.offset() + std::min(at, text.size());
      return Status::MigrationFailed(
          fmt::format("cannot parse the SQL: {}", split.r.error->message));
    }
    AddStatements(text, windows.offset(), split.r, out);
    windows.Advance();
  }
  return out;
}

StatementList SplitStatementsLoosely(std::string_view sql) {
  StatementList out(sql);
  if (sql.size() >= std::numeric_limits<uint32_t>::max()) return out;
  SqlWindows windows(sql);
  while (windows.Next()) {
    const std::string& text = windows.text();
    SplitResult split{pg_query_split_with_scanner(text.c_str())};
    if (split.r.error != nullptr) {
      // Only the last window can fail to scan (Load cut the others before the bad token).
      size_t rest = windows.offset();
      out.Add(rest, sql.size() - rest);
      break;
    }
    AddStatements(text, windows.offset(), split.r, out);
    windows.Advance();
  }
  if (out.empty()) out.Add(0, sql.size());
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

std::string FirstWord(std::string_view statement) {
  std::vector<std::string> w = LeadingWords(statement, 1);
  return w.empty() ? std::string() : std::move(w[0]);
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

pgtree::ParsedSql ParseStatementTree(std::string_view text) {
  pgtree::ParsedSql tree;
  if (NonBlankChars(text) > kMaxParseChars) return tree;
  auto parse = [&] {
    const std::string sql(text);
    tree = pgtree::ParseSql(sql.c_str());
  };
  if (text.size() < kSmallSqlBytes) {
    parse();
  } else {
    RunWithLargeStack(parse);
  }
  return tree;
}

bool IsClientCopy(std::string_view statement) {
  if (FirstWord(statement) != "COPY") return false;
  const pgtree::ParsedSql tree = ParseStatementTree(statement);
  if (tree.statements().size() != 1 || tree.statements()[0].tree == nullptr) return false;
  // No filename: STDIN or STDOUT (PROGRAM sets one too).
  const pgtree::Node* copy = tree.statements()[0].tree->Find("CopyStmt");
  return copy != nullptr && copy->Find("filename") == nullptr;
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
