// NormaliseSqlText (snapshot.h): one pass over the text with a cursor that only moves forward, so
// any input, however malformed, costs linear time and no stack.
#include <string>
#include <string_view>

#include "strata/snapshot.h"

namespace strata {
namespace {

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// The closing character of a quote opened by `c`, or '\0' when `c` opens none.
char ClosingQuote(char c) {
  switch (c) {
    case '\'':
    case '"':
    case '`':
      return c;
    case '[':
      return ']';
    default:
      return '\0';
  }
}

// Whether one space goes between the last character written, `prev`, and `next`, given whether
// blanks or comments stood between them in the input.
bool SpaceBetween(char prev, char next, bool blank) {
  if (prev == '\0' || prev == '(') return false;
  if (next == ')' || next == ',' || next == ';') return false;
  if (prev == ',') return true;
  if (next == '(') return false;
  return blank;
}

}  // namespace

std::string NormaliseSqlText(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  bool blank = false;
  size_t i = 0;
  const size_t n = sql.size();
  while (i < n) {
    char c = sql[i];
    if (IsBlank(c)) {
      blank = true;
      ++i;
      continue;
    }
    if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      while (i < n && sql[i] != '\n') ++i;
      blank = true;
      continue;
    }
    if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      size_t end = sql.find("*/", i + 2);
      i = end == std::string_view::npos ? n : end + 2;
      blank = true;
      continue;
    }
    if (SpaceBetween(out.empty() ? '\0' : out.back(), c, blank)) out += ' ';
    blank = false;
    if (char close = ClosingQuote(c); close != '\0') {
      // Copied byte for byte up to the closing quote; a doubled quote ('it''s') stays inside,
      // since the second half of the pair is read as the opening of the next quoted run.
      size_t end = sql.find(close, i + 1);
      end = end == std::string_view::npos ? n : end + 1;
      out.append(sql.substr(i, end - i));
      i = end;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

}  // namespace strata
