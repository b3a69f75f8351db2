#include "lint/parsed_windows.h"

#include "sqlsplit/sql_windows.h"

namespace strata::lint {

void ForEachParsedWindow(const std::string& sql, const std::function<void(ParsedWindow&)>& fn) {
  std::vector<std::string> held_allow;  // what the held-back statement's comments allow
  bool first = true;
  SqlWindows windows(sql);
  while (windows.Next()) {
    const std::string& text = windows.text();
    bool ends_early = false;
    ParsedWindow w;
    w.parsed = ParseSection(text, windows.last() ? nullptr : &ends_early);
    std::vector<Statement>& stmts = w.parsed.statements;
    if (!windows.last() && (ends_early || stmts.size() < 2)) {
      windows.Widen();
      continue;
    }
    std::vector<std::string> window_leading = LocateStatements(text, stmts);
    if (first) w.leading = std::move(window_leading);
    if (!first && !stmts.empty()) {
      stmts.front().allow.insert(stmts.front().allow.end(), held_allow.begin(), held_allow.end());
    }
    w.base = windows.offset();
    w.length = text.size();
    for (Statement& st : stmts) {  // all of them: the held-back one's start is used below
      st.start += w.base;
      st.error_at += w.base;
    }
    w.checked = windows.last() ? stmts.size() : stmts.size() - 1;
    const bool last = windows.last();
    size_t next = last ? 0 : stmts.back().start;
    if (!last) held_allow = std::move(stmts.back().allow);
    fn(w);
    if (last) break;
    windows.AdvanceTo(next);
    first = false;
  }
}

}  // namespace strata::lint
