// GuessLintDialect (lint.h): the dialect a set of revision files is written for, from words that
// only SQLite's grammar has. A forward scan over words outside comments and quoted text; no
// parse, so a PostgreSQL history of any size is read once, quickly.
#include <fmt/format.h>

#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "lint/statement_parse.h"
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

// The words of `sql` one at a time, skipping comments (`--`, nesting `/* */`) and quoted text
// ('…', "…", $tag$…$tag$). A section starts a new statement after each `;`, marked by an empty
// word (and the section's start by one too) so that statement-initial keywords can be told
// apart. Read as needed rather than listed, so a revision of millions of words costs nothing per
// word.
struct Word {
  std::string_view text;
  size_t offset;
};

class Words {
 public:
  explicit Words(std::string_view sql) : sql_(sql) {}

  // The next word; false at the end.
  bool Next(Word* word) {
    if (!started_) {
      started_ = true;
      *word = {"", 0};
      return true;
    }
    std::string_view sql = sql_;
    size_t& i = i_;
    while (i < sql.size()) {
      char c = sql[i];
      if (size_t after = lint::SkipComment(sql, i); after != i) {
        i = after;
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
        *word = {"", i};
        ++i;
        return true;
      } else if (IsWordChar(c)) {
        size_t start = i;
        while (i < sql.size() && IsWordChar(sql[i])) ++i;
        *word = {sql.substr(start, i - start), start};
        return true;
      } else {
        ++i;
      }
    }
    return false;
  }

 private:
  std::string_view sql_;
  size_t i_ = 0;
  bool started_ = false;
};

// The SQLite-only construct at word `w`, which follows `before` (empty at a statement's start)
// and precedes `next1` and `next2` (empty past the end), or "".
std::string SqliteOnly(std::string_view before, std::string_view w, std::string_view next1,
                       std::string_view next2) {
  bool starts = before.empty();
  if (Is(w, "AUTOINCREMENT")) return "AUTOINCREMENT";
  if (starts && Is(w, "PRAGMA")) return "PRAGMA";
  if (Is(w, "WITHOUT") && Is(next1, "ROWID")) return "WITHOUT ROWID";
  if (starts && Is(w, "ATTACH") && Is(next1, "DATABASE")) return "ATTACH DATABASE";
  if (starts && Is(w, "REPLACE") && Is(next1, "INTO")) return "REPLACE INTO";
  if (starts && Is(w, "INSERT") && Is(next1, "OR")) {
    for (std::string_view action : {"REPLACE", "IGNORE", "ABORT", "FAIL", "ROLLBACK"}) {
      if (Is(next2, action)) return fmt::format("INSERT OR {}", action);
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

LintDialectGuess GuessLintDialect(const std::vector<const Revision*>& revisions,
                                  const RevisionReader& reader) {
  for (const Revision* given : revisions) {
    // Read one at a time: only this revision's SQL is in memory.
    std::optional<Result<Revision>> read;
    if (reader) {
      read = reader(*given);
      if (!read->ok()) continue;  // the linter reports it
    }
    const Revision* rev = read ? &read->value() : given;
    const SqlSection* sections[] = {&rev->upgrade, rev->downgrade ? &*rev->downgrade : nullptr};
    for (const SqlSection* section : sections) {
      if (section == nullptr) continue;
      // Each word is judged with the one before it and the two after it: four in view (the
      // first word is the section's start marker, so every word judged has one before it).
      Words words(section->sql);
      Word view[4];
      int n = 0;
      while (n < 4 && words.Next(&view[n])) ++n;
      while (n >= 2) {
        const Word& at = view[1];
        if (!at.text.empty()) {
          std::string found = SqliteOnly(view[0].text, at.text, n > 2 ? view[2].text : "",
                                         n > 3 ? view[3].text : "");
          if (!found.empty()) {
            return {LintDialect::kSqlite, fmt::format("{}:{} uses {}, which only SQLite has",
                                                      rev->path.empty() ? rev->id : rev->path,
                                                      LineOf(*section, at.offset), found)};
          }
        }
        view[0] = view[1];
        view[1] = view[2];
        view[2] = view[3];
        if (n == 4 && words.Next(&view[3])) continue;
        --n;
      }
    }
  }
  return {LintDialect::kPostgres,
          "no database URL is configured and nothing in the files is "
          "SQLite-only"};
}

}  // namespace strata
