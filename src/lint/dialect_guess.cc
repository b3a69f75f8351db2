// GuessLintDialect (lint.h): the dialect a set of revision files is written for, from words that
// only SQLite's grammar has. A forward scan over words outside comments and quoted text; no
// parse, so a PostgreSQL history of any size is read once, quickly.
#include <fmt/format.h>

#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "strata/lint.h"

namespace strata {
namespace {

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool Is(std::string_view word, std::string_view upper) {
  if (word.size() != upper.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(word[i])) != upper[i]) return false;
  }
  return true;
}

// Where the words of `sql` start, skipping comments (`--`, nesting `/* */`) and quoted text
// ('…', "…", $tag$…$tag$). A section starts a new statement after each `;`, marked by an empty
// word so that statement-initial keywords can be told apart.
struct Word {
  std::string_view text;
  size_t offset;
};

std::vector<Word> Words(std::string_view sql) {
  std::vector<Word> out{{"", 0}};
  size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      int depth = 0;
      do {
        if (sql.compare(i, 2, "/*") == 0) {
          ++depth;
          i += 2;
        } else if (sql.compare(i, 2, "*/") == 0) {
          --depth;
          i += 2;
        } else {
          ++i;
        }
      } while (i < sql.size() && depth > 0);
    } else if (c == '\'' || c == '"') {
      for (++i; i < sql.size(); ++i) {
        if (sql[i] == c) {
          if (i + 1 < sql.size() && sql[i + 1] == c) {
            ++i;  // a doubled quote stays inside
          } else {
            break;
          }
        }
      }
      ++i;
    } else if (c == '$') {
      // $tag$ (a tag does not start with a digit: $1 is a parameter).
      size_t end = i + 1;
      if (end < sql.size() && !std::isdigit(static_cast<unsigned char>(sql[end]))) {
        while (end < sql.size() && IsWordChar(sql[end])) ++end;
      }
      if (end < sql.size() && sql[end] == '$') {
        std::string_view tag = sql.substr(i, end - i + 1);
        size_t close = sql.find(tag, end + 1);
        i = close == std::string_view::npos ? sql.size() : close + tag.size();
      } else {
        ++i;
      }
    } else if (c == ';') {
      out.push_back({"", i});
      ++i;
    } else if (IsWordChar(c)) {
      size_t start = i;
      while (i < sql.size() && IsWordChar(sql[i])) ++i;
      out.push_back({sql.substr(start, i - start), start});
    } else {
      ++i;
    }
  }
  return out;
}

// The SQLite-only construct at words[i], or "".
std::string SqliteOnly(const std::vector<Word>& words, size_t i) {
  std::string_view w = words[i].text;
  auto next = [&](size_t k) { return i + k < words.size() ? words[i + k].text : ""; };
  bool starts = i > 0 && words[i - 1].text.empty();
  if (Is(w, "AUTOINCREMENT")) return "AUTOINCREMENT";
  if (starts && Is(w, "PRAGMA")) return "PRAGMA";
  if (Is(w, "WITHOUT") && Is(next(1), "ROWID")) return "WITHOUT ROWID";
  if (starts && Is(w, "ATTACH") && Is(next(1), "DATABASE")) return "ATTACH DATABASE";
  if (starts && Is(w, "REPLACE") && Is(next(1), "INTO")) return "REPLACE INTO";
  if (starts && Is(w, "INSERT") && Is(next(1), "OR")) {
    for (std::string_view action : {"REPLACE", "IGNORE", "ABORT", "FAIL", "ROLLBACK"}) {
      if (Is(next(2), action)) return fmt::format("INSERT OR {}", action);
    }
  }
  return "";
}

int LineOf(const SqlSection& section, size_t offset) {
  int line = section.first_line;
  for (size_t i = 0; i < offset && i < section.sql.size(); ++i) line += section.sql[i] == '\n';
  return line;
}

}  // namespace

LintDialectGuess GuessLintDialect(const std::vector<const Revision*>& revisions) {
  for (const Revision* rev : revisions) {
    const SqlSection* sections[] = {&rev->upgrade, rev->downgrade ? &*rev->downgrade : nullptr};
    for (const SqlSection* section : sections) {
      if (section == nullptr) continue;
      std::vector<Word> words = Words(section->sql);
      for (size_t i = 0; i < words.size(); ++i) {
        if (words[i].text.empty()) continue;
        std::string found = SqliteOnly(words, i);
        if (found.empty()) continue;
        return {LintDialect::kSqlite,
                fmt::format("{}:{} uses {}, which only SQLite has",
                            rev->path.empty() ? rev->id : rev->path,
                            LineOf(*section, words[i].offset), found)};
      }
    }
  }
  return {LintDialect::kPostgres, "no database URL is configured and nothing in the files is "
                                  "SQLite-only"};
}

}  // namespace strata
