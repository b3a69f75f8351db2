// Small helpers over SQL text shared by the drivers: where a statement really starts, which
// file line an offset is on, and a one-line excerpt of a statement for messages.
//
// Pure; thread-safe.
#ifndef STRATA_DRIVER_SQL_TEXT_H_
#define STRATA_DRIVER_SQL_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "strata/revision.h"

namespace strata {

// The offset of the first byte at or after `pos` that is neither blank nor inside a `--` or
// `/* */` comment; sql.size() when there is none. Used to point at a statement rather than at
// the blank lines and comments before it.
size_t SkipBlanksAndComments(std::string_view sql, size_t pos);

// The 1-based file line of byte `offset` of `section.sql`. Counts from the section's start:
// for many offsets of one section, use a LineCounter.
int LineOfOffset(const SqlSection& section, size_t offset);

// LineOfOffset for offsets asked in increasing order (a revision's statements as they run),
// counting on from the previous answer, so that naming the line of every statement of a big
// section takes time linear in its size. An offset before the previous one counts from the start
// again. Borrows the section.
class LineCounter {
 public:
  explicit LineCounter(const SqlSection& section) : section_(section), line_(section.first_line) {}
  int LineOf(size_t offset);

 private:
  const SqlSection& section_;
  size_t offset_ = 0;
  int line_;
};

// The statement on one line (blank runs collapsed, trailing ';' dropped), cut to `max_chars`
// with "..." so that error lines stay readable.
std::string StatementExcerpt(std::string_view statement, size_t max_chars = 120);

}  // namespace strata

#endif  // STRATA_DRIVER_SQL_TEXT_H_
