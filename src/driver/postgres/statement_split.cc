#include "driver/postgres/statement_split.h"

#include <fmt/format.h>
#include <pg_query.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <nlohmann/json.hpp>

#include "driver/sql_text.h"

namespace strata::pg {
namespace {

// How much of a section libpg_query sees at once. Its parse trees take tens of times the text's
// size, so this bounds the splitter's memory to a few MB; the cost per call is small against
// the parsing itself.
constexpr size_t kWindowBytes = 256 * 1024;

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

// Consecutive windows of a section, each ending just after a ';' that PostgreSQL's scanner sees
// at the top level (outside strings, comments, dollar quotes and parentheses), so that each
// window holds whole statements, except that a BEGIN ATOMIC body's inner ';' may end one too
// (the parser then finds the window's input ending early, and the caller widens it).
class Windows {
 public:
  explicit Windows(std::string_view sql) : sql_(sql) {}

  bool done() const { return pos_ >= sql_.size(); }
  // Loads the next window into text(). False when no top-level ';' was found in it: Widen()
  // and call again.
  bool Load() {
    const size_t size = std::min(width_, sql_.size() - pos_);
    buffer_.assign(sql_.substr(pos_, size));
    if (last()) return true;
    size_t cut = LastTerminator();
    if (cut == 0) return false;
    buffer_.resize(cut);
    return true;
  }
  void Widen() { width_ = width_ > sql_.size() ? sql_.size() : width_ * 2; }
  // Moves past the current window.
  void Advance() {
    pos_ += buffer_.size();
    width_ = kWindowBytes;
  }
  // The window's text, NUL-terminated for libpg_query.
  const std::string& text() const { return buffer_; }
  size_t offset() const { return pos_; }
  // True when the window reaches the end of the section.
  bool last() const { return pos_ + buffer_.size() >= sql_.size(); }

 private:
  // The end (one past the ';') of the last statement the scanner finds terminated in buffer_;
  // 0 when there is none.
  size_t LastTerminator() {
    for (int attempt = 0; attempt < 2; ++attempt) {
      SplitResult split{pg_query_split_with_scanner(buffer_.c_str())};
      if (split.r.error != nullptr) {
        // A token the window's end cut short (an unterminated string or comment): the text
        // before that token scans the same as in the whole section, so scan only that.
        const int at = split.r.error->cursorpos;  // 1-based start of the token
        if (attempt > 0 || at <= 1 || static_cast<size_t>(at - 1) >= buffer_.size()) return 0;
        buffer_.resize(static_cast<size_t>(at - 1));
        continue;
      }
      size_t cut = 0;
      for (int i = 0; i < split.r.n_stmts; ++i) {
        size_t end = static_cast<size_t>(split.r.stmts[i]->stmt_location) +
                     static_cast<size_t>(split.r.stmts[i]->stmt_len);
        if (end < buffer_.size() && buffer_[end] == ';') cut = std::max(cut, end + 1);
      }
      return cut;
    }
    return 0;
  }

  std::string_view sql_;
  size_t pos_ = 0;
  size_t width_ = kWindowBytes;
  std::string buffer_;
};

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
  Windows windows(sql);
  while (!windows.done()) {
    if (!windows.Load()) {
      windows.Widen();
      continue;
    }
    const std::string& text = windows.text();
    SplitResult split{pg_query_split_with_parser(text.c_str())};
    if (split.r.error != nullptr) {
      // cursorpos is 1-based, in bytes; 0 when unknown.
      const size_t at = split.r.error->cursorpos > 0 ? split.r.error->cursorpos - 1 : 0;
      if (at >= text.size() && !windows.last()) {
        // The window ended inside a statement that holds ';' of its own (BEGIN ATOMIC ...
        // END): a wider window takes it whole.
        windows.Widen();
        continue;
      }
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
  Windows windows(sql);
  while (!windows.done()) {
    if (!windows.Load()) {
      windows.Widen();
      continue;
    }
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

bool IsClientCopy(std::string_view statement) {
  if (FirstWord(statement) != "COPY") return false;
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
