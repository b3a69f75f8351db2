// SqlWindows: a large SQL text cut into consecutive windows of whole statements for libpg_query,
// so that its parse trees (tens of times the text's size) exist for one window at a time. Used by
// the PostgreSQL driver's statement splitter and by the linter.
//
// Each window ends just after a ';' that PostgreSQL's scanner sees at the top level (outside
// strings, comments, dollar quotes and parentheses), so it holds whole statements, except that
// the ';' inside a BEGIN ATOMIC body may end one too: the caller then finds the parser reaching
// the end of the window's input inside a statement (EndsInsideAStatement) and calls Widen().
//
// Borrows the text, which must outlive it. Not thread-safe; libpg_query keeps its memory per
// thread.
#ifndef STRATA_SQLSPLIT_SQL_WINDOWS_H_
#define STRATA_SQLSPLIT_SQL_WINDOWS_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace strata {

class SqlWindows {
 public:
  // The usual width of a window: the parse trees of 64 KB of SQL take a few MB, and the cost of
  // a call is small against the parsing itself.
  static constexpr size_t kWindowBytes = 64 * 1024;

  explicit SqlWindows(std::string_view sql) : sql_(sql) {}

  // Loads the next window into text(), widening it until it holds a top-level ';' (or reaches
  // the end of the text). False when every window was taken. After Widen(), loads the same
  // window wider.
  bool Next() {
    while (pos_ < sql_.size()) {
      if (Load()) return true;
      Widen();
    }
    return false;
  }
  // Doubles the window's width for the next Next() (up to the rest of the text).
  void Widen() { width_ = width_ > sql_.size() ? sql_.size() : width_ * 2; }
  // The next window starts after the current one.
  void Advance() { AdvanceTo(pos_ + buffer_.size()); }
  // The next window starts at byte `offset` of the text (after the current window's start).
  void AdvanceTo(size_t offset) {
    pos_ = offset;
    width_ = kWindowBytes;
  }

  // The window's text, NUL-terminated for libpg_query.
  const std::string& text() const { return buffer_; }
  // Where the window starts in the whole text.
  size_t offset() const { return pos_; }
  // True when the window reaches the end of the text.
  bool last() const { return pos_ + buffer_.size() >= sql_.size(); }

 private:
  // Loads the window at pos_ into buffer_. False when it holds no top-level ';' (one statement
  // longer than the window).
  bool Load();
  // The end (one past the ';') of the last statement the scanner finds terminated in buffer_;
  // 0 when there is none.
  size_t LastTerminator();

  std::string_view sql_;
  size_t pos_ = 0;
  size_t width_ = kWindowBytes;
  std::string buffer_;
};

// True when libpg_query's error position (`cursorpos`: 1-based, in bytes; 0 when unknown) lies at
// the end of a window of `size` bytes: the parser ran out of input inside a statement (a BEGIN
// ATOMIC body cut by the window's end) rather than finding a mistake.
inline bool EndsInsideAStatement(int cursorpos, size_t size) {
  return cursorpos > 0 && static_cast<size_t>(cursorpos - 1) >= size;
}

}  // namespace strata

#endif  // STRATA_SQLSPLIT_SQL_WINDOWS_H_
