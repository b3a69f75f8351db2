// Statement splitting and parsing for the linter (statement_parse.h).
#include "lint/statement_parse.h"

#include <pg_query.h>

#include <algorithm>

#include "core/large_stack.h"
#include "sqlsplit/sql_windows.h"

namespace strata::lint {

size_t SkipComment(std::string_view s, size_t pos) {
  if (s.compare(pos, 2, "--") == 0) {
    size_t end = s.find('\n', pos);
    return end == std::string_view::npos ? s.size() : end;
  }
  if (s.compare(pos, 2, "/*") != 0) return pos;
  int depth = 1;  // PostgreSQL block comments nest
  pos += 2;
  while (pos < s.size() && depth > 0) {
    if (s.compare(pos, 2, "/*") == 0) {
      ++depth;
      pos += 2;
    } else if (s.compare(pos, 2, "*/") == 0) {
      --depth;
      pos += 2;
    } else {
      ++pos;
    }
  }
  return std::min(pos, s.size());
}

// Skips blanks, comments and `;` from `pos`. Records `--` comments as [begin, end) offsets.
size_t SkipBlanksAndComments(std::string_view s, size_t pos,
                             std::vector<std::pair<size_t, size_t>>* comments) {
  while (pos < s.size()) {
    char c = s[pos];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == ';') {
      ++pos;
    } else if (size_t end = SkipComment(s, pos); end != pos) {
      if (comments != nullptr && c == '-') comments->emplace_back(pos, end);
      pos = end;
    } else {
      break;
    }
  }
  return std::min(pos, s.size());
}

// Rule ids named by a `-- strata:allow a, b` comment; empty for any other comment.
std::vector<std::string> AllowedBy(std::string_view comment) {
  std::vector<std::string> ids;
  size_t i = 2;  // past "--"
  while (i < comment.size() && (comment[i] == ' ' || comment[i] == '\t')) ++i;
  constexpr std::string_view kTag = "strata:allow";
  if (comment.substr(i, kTag.size()) != kTag) return ids;
  i += kTag.size();
  std::string cur;
  for (; i <= comment.size(); ++i) {
    char c = i < comment.size() ? comment[i] : ',';
    if (c == ',' || c == ' ' || c == '\t' || c == '\r') {
      if (!cur.empty()) ids.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  return ids;
}

// Byte offset of the 1-based character position `pos` (the parser's cursorpos counts
// characters, not bytes).
namespace {

size_t CharPositionToOffset(std::string_view text, int pos) {
  size_t offset = 0;
  for (int chars = 1; chars < pos && offset < text.size(); ++chars) {
    ++offset;
    while (offset < text.size() && (static_cast<unsigned char>(text[offset]) & 0xC0) == 0x80) {
      ++offset;
    }
  }
  return std::min(offset, text.size());
}

}  // namespace

// Splits and parses a section (or a window of one). Never fails: problems become statements
// carrying an error. A deep statement needs a large stack (core/large_stack.h): LintSection runs
// big sections on one. A statement too large to parse even so comes back marked `too_large`.
// With `ends_early` given, a text whose parse runs out of input inside a statement (a window cut
// inside a BEGIN ATOMIC body) sets it and returns nothing.
ParsedStatements ParseSection(const std::string& sql, bool* ends_early) {
  ParsedStatements result;
  std::vector<Statement>& out = result.statements;
  // Whole, unless some statement in it may be too large: then one statement at a time, below.
  if (sql.size() <= kMaxParseChars || NonBlankChars(sql) <= kMaxParseChars) {
    pgtree::ParsedSql parsed = pgtree::ParseSql(sql.c_str());
    if (!parsed.ok() && ends_early != nullptr &&
        EndsInsideAStatement(parsed.error_cursor(), sql.size())) {
      *ends_early = true;
      return result;
    }
    if (parsed.ok()) {
      for (const pgtree::ParsedStatement& s : parsed.statements()) {
        Statement st;
        st.location = s.location;
        st.length = s.length;
        st.tree = s.tree;
        out.push_back(std::move(st));
      }
      result.parses.push_back(std::move(parsed));
      return result;
    }
  } else if (ends_early != nullptr) {
    // Too large to build a tree of here, but the parser alone (no tree) still tells whether the
    // text ends inside a statement.
    PgQuerySplitResult probe = pg_query_split_with_parser(sql.c_str());
    *ends_early =
        probe.error != nullptr && EndsInsideAStatement(probe.error->cursorpos, sql.size());
    pg_query_free_split_result(probe);
    if (*ends_early) return result;
  }

  PgQuerySplitResult split = pg_query_split_with_scanner(sql.c_str());
  if (split.error != nullptr) {
    Statement st;
    st.error = split.error->message;
    st.error_at =
        split.error->cursorpos > 0 ? CharPositionToOffset(sql, split.error->cursorpos) : 0;
    out.push_back(std::move(st));
    pg_query_free_split_result(split);
    return result;
  }
  // The scanner leaves out statements it cannot classify (one starting with a misspelt
  // keyword, say), so text between the pieces it returns is parsed as well.
  std::vector<std::pair<size_t, size_t>> pieces;  // [location, length)
  size_t cursor = 0;
  auto add_gap = [&](size_t end) {
    if (end > cursor &&
        SkipBlanksAndComments(std::string_view(sql).substr(0, end), cursor, nullptr) < end) {
      pieces.emplace_back(cursor, end - cursor);
    }
  };
  for (int i = 0; i < split.n_stmts; ++i) {
    size_t loc = std::min<size_t>(split.stmts[i]->stmt_location, sql.size());
    size_t len = split.stmts[i]->stmt_len;
    if (len == 0 || loc + len > sql.size()) len = sql.size() - loc;
    if (loc < cursor) continue;
    add_gap(loc);
    pieces.emplace_back(loc, len);
    cursor = loc + len;
  }
  pg_query_free_split_result(split);
  add_gap(sql.size());
  for (const auto& [loc, len] : pieces) {
    std::string text = sql.substr(loc, len);
    if (size_t chars = NonBlankChars(text); chars > kMaxParseChars) {
      Statement st;
      st.location = loc;
      st.length = len;
      st.too_large = chars;
      st.error_at = loc + SkipBlanksAndComments(text, 0, nullptr);
      out.push_back(std::move(st));
      continue;
    }
    pgtree::ParsedSql one = pgtree::ParseSql(text.c_str());
    if (!one.ok()) {
      Statement st;
      st.location = loc;
      st.length = len;
      st.error = one.error();
      st.error_at = loc + (one.error_cursor() > 0 ? CharPositionToOffset(text, one.error_cursor())
                                                  : SkipBlanksAndComments(text, 0, nullptr));
      out.push_back(std::move(st));
      continue;
    }
    for (const pgtree::ParsedStatement& s : one.statements()) {
      Statement st;
      st.location = loc + s.location;
      st.length = s.length == 0 ? len - s.location : s.length;
      st.tree = s.tree;
      out.push_back(std::move(st));
    }
    result.parses.push_back(std::move(one));
  }
  return result;
}

// Finds each statement's first token and attaches `-- strata:allow` comments: those on the
// lines before a statement belong to it; one on the same line as the end of the previous
// statement (`...; -- strata:allow x`) belongs to that previous statement. Returns the ids named
// before the first statement (file-level allows for rules such as missing-downgrade).
std::vector<std::string> LocateStatements(std::string_view sql, std::vector<Statement>& stmts) {
  std::vector<std::string> leading;
  std::vector<std::pair<size_t, size_t>> comments;
  for (size_t i = 0; i <= stmts.size(); ++i) {
    // The gap between the previous statement's end and this statement's first token.
    size_t gap_begin = 0;
    if (i > 0) {
      const Statement& prev = stmts[i - 1];
      gap_begin = prev.length == 0 ? sql.size() : std::min(prev.location + prev.length, sql.size());
    }
    comments.clear();
    size_t start = SkipBlanksAndComments(sql, gap_begin, &comments);
    if (i < stmts.size()) stmts[i].start = std::max(start, std::min(stmts[i].location, sql.size()));
    for (const auto& [b, e] : comments) {
      std::vector<std::string> ids = AllowedBy(sql.substr(b, e - b));
      if (ids.empty()) continue;
      bool same_line_as_prev =
          i > 0 && sql.substr(gap_begin, b - gap_begin).find('\n') == std::string_view::npos;
      std::vector<std::string>* into = nullptr;
      if (same_line_as_prev) {
        into = &stmts[i - 1].allow;
      } else if (i < stmts.size()) {
        into = &stmts[i].allow;
      }
      if (into != nullptr) into->insert(into->end(), ids.begin(), ids.end());
      if (i == 0) leading.insert(leading.end(), ids.begin(), ids.end());
    }
  }
  return leading;
}

}  // namespace strata::lint
