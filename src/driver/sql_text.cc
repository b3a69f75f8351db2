#include "driver/sql_text.h"

#include <algorithm>
#include <cctype>
#include <cstddef>

namespace strata {

size_t SkipBlanksAndComments(std::string_view sql, size_t pos) {
  while (pos < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[pos]))) {
      ++pos;
    } else if (sql.compare(pos, 2, "--") == 0) {
      size_t eol = sql.find('\n', pos);
      pos = eol == std::string_view::npos ? sql.size() : eol + 1;
    } else if (sql.compare(pos, 2, "/*") == 0) {
      size_t close = sql.find("*/", pos + 2);
      pos = close == std::string_view::npos ? sql.size() : close + 2;
    } else {
      break;
    }
  }
  return std::min(pos, sql.size());
}

int LineOfOffset(const SqlSection& section, size_t offset) {
  offset = std::min(offset, section.sql.size());
  auto newlines = std::count(section.sql.begin(), section.sql.begin() + offset, '\n');
  return section.first_line + static_cast<int>(newlines);
}

int LineCounter::LineOf(size_t offset) {
  offset = std::min(offset, section_.sql.size());
  if (offset < offset_) {
    offset_ = 0;
    line_ = section_.first_line;
  }
  line_ += static_cast<int>(std::count(section_.sql.begin() + static_cast<std::ptrdiff_t>(offset_),
                                       section_.sql.begin() + static_cast<std::ptrdiff_t>(offset),
                                       '\n'));
  offset_ = offset;
  return line_;
}

std::string StatementExcerpt(std::string_view statement, size_t max_chars) {
  std::string out;
  bool blank = false;
  for (char c : statement) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      blank = true;
      continue;
    }
    if (blank && !out.empty()) out += ' ';
    blank = false;
    out += c;
  }
  while (!out.empty() && (out.back() == ';' || out.back() == ' ')) out.pop_back();
  if (out.size() > max_chars) {
    out.resize(max_chars);
    out += "...";
  }
  return out;
}

}  // namespace strata
