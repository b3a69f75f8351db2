// Revision files (DESIGN §2): parsing and rendering. Pure: the caller does the I/O.
//
// The header is the run of comment and blank lines before the first `-- migrate:` marker.
// Known `Key: value` fields are recognised on any header comment line (case-insensitive keys);
// the first other non-empty comment line, if it comes before every field, is the message, and
// the remaining comment lines are the explanation. Rendering writes exactly what parsing reads
// back, which the fuzz target checks.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/sha256.h"
#include "strata/revision.h"

namespace strata {

namespace {

constexpr std::string_view kWhitespace = " \t\r\f\v";

// Plain loops rather than find_first_not_of(kWhitespace): the latter calls memchr per
// character, and trimming is most of the parser's time on a 10,000-file history.
constexpr bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view TrimRight(std::string_view s) {
  size_t end = s.size();
  while (end > 0 && IsSpace(s[end - 1])) --end;
  return s.substr(0, end);
}

std::string_view Trim(std::string_view s) {
  s = TrimRight(s);
  size_t begin = 0;
  while (begin < s.size() && IsSpace(s[begin])) ++begin;
  return s.substr(begin);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// The lines of a text, one at a time, split on '\n' with the '\r's before it dropped so that
// CRLF files parse like LF files (and a rendered file, which has LF endings, parses to the same
// text). A final newline does not start another line; an empty text is one empty line. Lines are
// read as needed rather than listed, so a revision of millions of lines costs no index of them.
class Lines {
 public:
  struct Line {
    std::string_view text;  // without its '\n' and the '\r's before it
    size_t begin = 0;       // offset of its first byte in the text
    int number = 0;         // 1-based
  };

  explicit Lines(std::string_view text) : text_(text) {}

  bool Next(Line* line) {
    if (pos_ > text_.size() || (pos_ == text_.size() && number_ > 0)) return false;
    size_t nl = text_.find('\n', pos_);
    size_t end = nl == std::string_view::npos ? text_.size() : nl;
    std::string_view content = text_.substr(pos_, end - pos_);
    while (!content.empty() && content.back() == '\r') content.remove_suffix(1);
    *line = {content, pos_, ++number_};
    pos_ = nl == std::string_view::npos ? text_.size() + 1 : nl + 1;
    return true;
  }
  // How many lines were read.
  int count() const { return number_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int number_ = 0;
};

// Drops the '\r's that end lines (those before a '\n'), in place: a section's text as its lines
// read (see Lines).
void DropLineEndCRs(std::string& sql) {
  if (sql.find('\r') == std::string::npos) return;
  size_t w = 0;
  for (size_t r = 0; r < sql.size();) {
    if (sql[r] == '\r') {
      size_t run = r;
      while (run < sql.size() && sql[run] == '\r') ++run;
      if (run < sql.size() && sql[run] == '\n') {
        r = run;  // the '\n' is copied next
        continue;
      }
      while (r < run) sql[w++] = sql[r++];
      continue;
    }
    sql[w++] = sql[r++];
  }
  sql.resize(w);
}

enum class Field { kRevisionId, kRevises, kCreateDate, kBranchLabels, kDependsOn, kTransactional };

struct FieldName {
  Field field;
  std::string_view name;  // canonical spelling, used in messages and when rendering
};

constexpr std::array<FieldName, 6> kFields = {{
    {Field::kRevisionId, "Revision ID"},
    {Field::kRevises, "Revises"},
    {Field::kCreateDate, "Create Date"},
    {Field::kBranchLabels, "Branch Labels"},
    {Field::kDependsOn, "Depends On"},
    {Field::kTransactional, "Transactional"},
}};

// Recognises "Key: value" for a known key; returns the field index or -1.
int MatchField(std::string_view content, std::string_view* value) {
  size_t colon = content.find(':');
  if (colon == std::string_view::npos) return -1;
  std::string_view key = Trim(content.substr(0, colon));
  for (size_t i = 0; i < kFields.size(); ++i) {
    if (EqualsIgnoreCase(key, kFields[i].name)) {
      *value = Trim(content.substr(colon + 1));
      return static_cast<int>(i);
    }
  }
  return -1;
}

// A section marker is "--", optional blanks, "migrate:" and one word, alone on its line.
// "-- migrate: users to the new table" (a space after the colon) is an ordinary comment.
bool IsMarker(std::string_view line, std::string_view* name) {
  line = Trim(line);
  if (line.substr(0, 2) != "--") return false;
  std::string_view rest = line.substr(2);
  rest.remove_prefix(std::min(rest.find_first_not_of(" \t"), rest.size()));
  constexpr std::string_view kMigrate = "migrate:";
  if (rest.substr(0, kMigrate.size()) != kMigrate) return false;
  rest.remove_prefix(kMigrate.size());
  if (rest.find_first_of(kWhitespace) != std::string_view::npos) return false;
  *name = rest;
  return true;
}

bool IsValidLabel(std::string_view label) {
  if (label.empty() || label.size() > 64) return false;
  if (label == "head" || label == "heads" || label == "base") return false;
  unsigned char first = static_cast<unsigned char>(label.front());
  if (!std::isalnum(first) && first != '_') return false;
  for (unsigned char c : label) {
    if (!std::isalnum(c) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

// Splits "a, b ,c" into trimmed items. Empty items are reported through `bad`.
std::vector<std::string> SplitList(std::string_view value, bool* empty_item) {
  std::vector<std::string> items;
  *empty_item = false;
  if (value.empty()) return items;
  size_t start = 0;
  for (;;) {
    size_t comma = value.find(',', start);
    std::string_view item = Trim(value.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (item.empty()) {
      *empty_item = true;
    } else {
      items.emplace_back(item);
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return items;
}

class Parser {
 public:
  // `buffer`, when given, holds `text` and may be taken over by the largest section, so that a
  // large revision is not held twice.
  Parser(std::string_view text, std::string_view path, std::string* buffer)
      : path_(path), buffer_(buffer) {
    // A UTF-8 byte order mark (Windows editors) is not part of the first line.
    if (text.substr(0, 3) == "\xEF\xBB\xBF") {
      text.remove_prefix(3);
      bom_ = 3;
    }
    text_ = text;
    rev_.path = std::string(path);
  }

  Result<Revision> Run() {
    // A file that is not text (random bytes, a binary or a UTF-16 file in the folder) is one
    // problem, not one per line that happens to read as SQL.
    if (size_t nul = text_.find('\0'); nul != std::string_view::npos) {
      const int line = 1 + static_cast<int>(std::count(text_.begin(), text_.begin() + nul, '\n'));
      return Status::InvalidScripts(
                 fmt::format("not a text file: line {} holds a NUL byte (0x00); a revision file "
                             "is SQL text",
                             line))
          .WithLocation(std::string(path_), line)
          .WithHint(
              "move it out of the migrations folder (every *.sql file there is read as a "
              "revision), or save it as UTF-8 text if it is UTF-16");
    }
    Lines lines(text_);
    std::optional<Lines::Line> first_marker = ParseHeader(lines);
    ParseSections(lines, first_marker);
    if (rev_.id.empty() && !saw_field_[static_cast<size_t>(Field::kRevisionId)]) {
      Fail(1,
           "missing '-- Revision ID:' header line; add one, e.g. '-- Revision ID: 3f2a9c1b7d4e'");
    }
    if (!problems_.empty()) return Combine(problems_);
    return std::move(rev_);
  }

 private:
  void Fail(int line, std::string msg) {
    problems_.push_back(
        Status::InvalidScripts(std::move(msg)).WithLocation(std::string(path_), line));
  }

  // Reads the header: the lines before the first section marker, which it returns (nullopt
  // when there is none).
  std::optional<Lines::Line> ParseHeader(Lines& lines) {
    std::vector<std::string_view> explanation;
    bool seen_message_or_field = false;
    int first_sql_line = 0, last_sql_line = 0, sql_lines = 0;
    std::optional<Lines::Line> marker;
    Lines::Line line;
    while (lines.Next(&line)) {
      const int line_no = line.number;
      std::string_view name;
      if (IsMarker(line.text, &name)) {
        marker = line;
        break;
      }
      std::string_view raw = Trim(line.text);
      std::string_view content;
      if (raw.empty()) {
        content = {};
      } else if (raw.substr(0, 2) == "--") {
        content = raw.substr(2);
        if (!content.empty() && content.front() == ' ') content.remove_prefix(1);
      } else {
        if (sql_lines++ == 0) first_sql_line = line_no;
        last_sql_line = line_no;
        continue;
      }
      std::string_view value;
      int field = MatchField(content, &value);
      if (field >= 0) {
        seen_message_or_field = true;
        SetField(static_cast<size_t>(field), value, line_no);
        continue;
      }
      if (!seen_message_or_field && !Trim(content).empty()) {
        seen_message_or_field = true;
        rev_.message = std::string(Trim(content));
        continue;
      }
      if (seen_message_or_field) explanation.push_back(content);
    }
    if (sql_lines > 0) {
      // Reported once, at the first such line: a SQL file without markers is one mistake.
      Fail(first_sql_line,
           fmt::format("SQL before the first section marker{}; put statements after '-- "
                       "migrate:upgrade' (only comments and blank lines may precede it)",
                       sql_lines == 1
                           ? std::string()
                           : fmt::format(" ({} lines, up to line {})", sql_lines, last_sql_line)));
    }
    // Leading and trailing empty lines are layout, not explanation.
    size_t b = 0, e = explanation.size();
    while (b < e && explanation[b].empty()) ++b;
    while (e > b && explanation[e - 1].empty()) --e;
    for (size_t i = b; i < e; ++i) {
      if (i > b) rev_.explanation += '\n';
      rev_.explanation += explanation[i];
    }
    return marker;
  }

  void SetField(size_t index, std::string_view value, int line) {
    const std::string_view name = kFields[index].name;
    if (saw_field_[index]) {
      Fail(line, fmt::format("'{}' appears twice (first on line {}); keep one", name,
                             field_line_[index]));
      return;
    }
    saw_field_[index] = true;
    field_line_[index] = line;
    bool empty_item = false;
    switch (kFields[index].field) {
      case Field::kRevisionId:
        rev_.id_line = line;
        if (!IsValidRevisionId(value)) {
          Fail(line,
               fmt::format("invalid Revision ID '{}': use 1-32 characters of [0-9A-Za-z_]", value));
        } else {
          rev_.id = std::string(value);
        }
        break;
      case Field::kRevises:
        rev_.revises_line = line;
        if (EqualsIgnoreCase(value, "None")) value = {};
        rev_.parents = SplitList(value, &empty_item);
        CheckIds("Revises", rev_.parents, empty_item, line);
        break;
      case Field::kDependsOn:
        rev_.depends_on_line = line;
        if (EqualsIgnoreCase(value, "None")) value = {};
        rev_.depends_on = SplitList(value, &empty_item);
        // A dependency may name a revision or a branch label, as in Alembic.
        CheckList("Depends On", rev_.depends_on, empty_item, line, IsValidLabel,
                  "revision ids or branch labels");
        break;
      case Field::kBranchLabels:
        rev_.branch_labels_line = line;
        if (EqualsIgnoreCase(value, "None")) value = {};
        rev_.branch_labels = SplitList(value, &empty_item);
        CheckList("Branch Labels", rev_.branch_labels, empty_item, line, IsValidLabel,
                  "labels of [0-9A-Za-z_.-], not 'head', 'heads' or 'base'");
        break;
      case Field::kTransactional:
        if (EqualsIgnoreCase(value, "true")) {
          rev_.transactional = true;
        } else if (EqualsIgnoreCase(value, "false")) {
          rev_.transactional = false;
        } else {
          Fail(line, fmt::format("invalid Transactional value '{}': use 'true' or 'false'", value));
        }
        break;
      case Field::kCreateDate:
        rev_.create_date = std::string(value);
        break;
    }
  }

  void CheckIds(std::string_view field, const std::vector<std::string>& ids, bool empty_item,
                int line) {
    CheckList(field, ids, empty_item, line, IsValidRevisionId,
              "revision ids of 1-32 characters of [0-9A-Za-z_], comma separated");
  }

  void CheckList(std::string_view field, const std::vector<std::string>& items, bool empty_item,
                 int line, bool (*valid)(std::string_view), std::string_view what) {
    if (empty_item) {
      Fail(line, fmt::format("empty item in '{}'; list {}", field, what));
    }
    for (size_t i = 0; i < items.size(); ++i) {
      if (!valid(items[i])) {
        Fail(line, fmt::format("invalid item '{}' in '{}'; use {}", items[i], field, what));
      }
      for (size_t j = 0; j < i; ++j) {
        if (items[j] == items[i]) {
          Fail(line, fmt::format("'{}' is listed twice in '{}'", items[i], field));
        }
      }
    }
  }

  // Where a section's body lies in the text: from its first line (leading blank lines are kept,
  // so that first_line stays the line after the marker) to the end of its last non-blank line
  // (trailing blank lines are layout).
  struct Body {
    SqlSection* section = nullptr;
    size_t begin = std::string_view::npos;
    size_t end = std::string_view::npos;  // npos: no non-blank line
    size_t size() const { return end == std::string_view::npos ? 0 : end - begin; }
  };

  void ParseSections(Lines& lines, const std::optional<Lines::Line>& first_marker) {
    enum { kNone, kUp, kDown } current = kNone;
    int upgrade_marker_line = 0;
    std::vector<Body> bodies;
    Body* body = nullptr;
    auto handle = [&](const Lines::Line& line) {
      const int line_no = line.number;
      std::string_view name;
      if (!IsMarker(line.text, &name)) {
        if (body == nullptr) return;
        if (body->begin == std::string_view::npos) body->begin = line.begin;
        if (!Trim(line.text).empty()) body->end = line.begin + line.text.size();
        return;
      }
      body = nullptr;
      if (name == "upgrade") {
        if (current != kNone) {
          Fail(line_no, fmt::format("'-- migrate:upgrade' appears twice (first on line {}); "
                                    "keep one upgrade section",
                                    upgrade_marker_line));
          return;
        }
        current = kUp;
        upgrade_marker_line = line_no;
        rev_.upgrade.first_line = line_no + 1;
        body = &bodies.emplace_back(Body{&rev_.upgrade});
      } else if (name == "downgrade") {
        if (current == kNone) {
          Fail(line_no,
               "'-- migrate:downgrade' comes before '-- migrate:upgrade'; put the upgrade section "
               "first");
          return;
        }
        if (rev_.downgrade.has_value()) {
          Fail(line_no, "'-- migrate:downgrade' appears twice; keep one downgrade section");
          return;
        }
        current = kDown;
        rev_.downgrade = SqlSection{"", line_no + 1};
        body = &bodies.emplace_back(Body{&*rev_.downgrade});
      } else {
        Fail(line_no, fmt::format("unknown section marker '-- migrate:{}'; use "
                                  "'-- migrate:upgrade' or '-- migrate:downgrade'",
                                  name));
      }
    };
    bodies.reserve(2);  // at most an upgrade and a downgrade: `body` stays valid
    if (first_marker.has_value()) {
      handle(*first_marker);
      Lines::Line line;
      while (lines.Next(&line)) handle(line);
    }
    if (upgrade_marker_line == 0) {
      Fail(first_marker.has_value() ? first_marker->number : lines.count(),
           "no '-- migrate:upgrade' section; add a line '-- migrate:upgrade' followed by the SQL "
           "to run");
    }
    TakeBodies(bodies);
  }

  // Fills the sections from the text: each a copy, except that the largest takes over the
  // caller's buffer (when given) once the others are copied.
  void TakeBodies(std::vector<Body>& bodies) {
    Body* largest = nullptr;
    if (buffer_ != nullptr) {
      for (Body& b : bodies) {
        if (largest == nullptr || b.size() > largest->size()) largest = &b;
      }
    }
    for (Body& b : bodies) {
      if (&b == largest || b.size() == 0) continue;
      b.section->sql.assign(text_.substr(b.begin, b.size()));
      DropLineEndCRs(b.section->sql);
    }
    if (largest == nullptr || largest->size() == 0) return;
    std::string sql = std::move(*buffer_);  // text_ views it: nothing reads text_ after this
    sql.resize(bom_ + largest->end);
    sql.erase(0, bom_ + largest->begin);
    DropLineEndCRs(sql);
    largest->section->sql = std::move(sql);
  }

  std::string_view text_;
  std::string_view path_;
  std::string* buffer_ = nullptr;
  size_t bom_ = 0;
  Revision rev_;
  std::vector<Status> problems_;
  std::array<bool, kFields.size()> saw_field_{};
  std::array<int, kFields.size()> field_line_{};
};

std::string JoinComma(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += items[i];
  }
  return out;
}

void AppendSection(std::string* out, std::string_view marker, const SqlSection& section) {
  *out += marker;
  *out += '\n';
  if (!section.sql.empty()) {
    *out += section.sql;
    *out += '\n';
  }
}

}  // namespace

bool IsValidRevisionId(std::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (unsigned char c : id) {
    if (!std::isalnum(c) && c != '_') return false;
  }
  return true;
}

Result<Revision> ParseRevisionFile(std::string_view text, std::string_view path) {
  return Parser(text, path, nullptr).Run();
}

Result<Revision> ParseOwnedRevisionFile(std::string&& text, std::string_view path) {
  std::string_view view = text;
  return Parser(view, path, &text).Run();
}

std::string RenderRevisionFile(const Revision& revision) {
  std::string out;
  std::string message = revision.message;
  // The message is one line by construction; never let it spill into the header.
  for (char& c : message) {
    if (c == '\n') c = ' ';
  }
  if (!message.empty()) {
    out += fmt::format("-- {}\n--\n", message);
  }
  out += fmt::format("-- Revision ID: {}\n", revision.id);
  out += revision.parents.empty() ? std::string("-- Revises:\n")
                                  : fmt::format("-- Revises: {}\n", JoinComma(revision.parents));
  if (!revision.create_date.empty()) {
    out += fmt::format("-- Create Date: {}\n", revision.create_date);
  }
  if (!revision.branch_labels.empty()) {
    out += fmt::format("-- Branch Labels: {}\n", JoinComma(revision.branch_labels));
  }
  if (!revision.depends_on.empty()) {
    out += fmt::format("-- Depends On: {}\n", JoinComma(revision.depends_on));
  }
  if (!revision.transactional) out += "-- Transactional: false\n";
  if (!revision.explanation.empty()) {
    out += "--\n";
    size_t start = 0;
    for (;;) {
      size_t nl = revision.explanation.find('\n', start);
      std::string_view line =
          std::string_view(revision.explanation)
              .substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      out += line.empty() ? std::string("--\n") : fmt::format("-- {}\n", line);
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }
  out += '\n';
  AppendSection(&out, "-- migrate:upgrade", revision.upgrade);
  if (revision.downgrade.has_value()) {
    out += '\n';
    AppendSection(&out, "-- migrate:downgrade", *revision.downgrade);
  }
  return out;
}

std::string SectionChecksum(std::string_view sql) { return Sha256Hex(sql); }

}  // namespace strata
