// Revision: one migration as read from a `<revision>_<slug>.sql` file (DESIGN §2).
//
// ParseRevisionFile is pure (no I/O): the caller reads the file and passes its text and path.
// The header is authoritative; the file name is only for people.
//
// File layout:
//   -- <message>                         first comment line
//   --
//   -- Revision ID: <id>                 required
//   -- Revises: <id>[, <id>...]          empty, absent or None = starts from base
//   -- Branch Labels: a, b               optional
//   -- Depends On: rev, rev              optional
//   -- Transactional: false              optional (true|false)
//   -- Create Date: 2026-02-09 10:21:33  optional
//   --
//   -- <explanation, any number of comment lines>
//
//   -- migrate:upgrade                   required, exactly once
//   <sql>
//   -- migrate:downgrade                 optional, at most once, after upgrade
//   <sql>
#ifndef STRATA_REVISION_H_
#define STRATA_REVISION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/status.h"

namespace strata {

// A section of SQL and where it starts in its file (1-based line of the first body line, i.e.
// the line after the `-- migrate:...` marker), so database errors can be mapped to file:line.
struct SqlSection {
  std::string sql;
  int first_line = 0;
};

struct Revision {
  std::string id;                          // 1-32 chars of [0-9A-Za-z_]
  std::vector<std::string> parents;        // "Revises:"; several = merge; empty = base
  std::vector<std::string> branch_labels;  // "Branch Labels:"
  std::vector<std::string> depends_on;     // "Depends On:"
  bool transactional = true;               // "Transactional:"
  std::string message;                     // first header line, e.g. "Add email column"
  std::string create_date;                 // "Create Date:", verbatim
  std::string explanation;                 // free text after the fields, '\n'-joined
  SqlSection upgrade;
  std::optional<SqlSection> downgrade;  // absent = cannot be downgraded past
  std::string path;                     // file the revision was read from (may be empty)
  uint64_t file_size = 0;               // that file's size in bytes (0 when not read from one)

  // 1-based lines of the header fields in `path` (0 = absent or not parsed from a file), so that
  // graph errors such as an unknown parent can point at file:line. Not rendered.
  int id_line = 0;
  int revises_line = 0;
  int depends_on_line = 0;
  int branch_labels_line = 0;
};

// True when `id` is 1-32 characters of [0-9A-Za-z_].
bool IsValidRevisionId(std::string_view id);

// The largest revision file strata reads unless strata.toml's max_revision_size says otherwise:
// a revision's SQL is held in memory (once) while it is checked and run.
inline constexpr uint64_t kDefaultMaxRevisionSize = uint64_t{64} << 20;

// Parses a revision file. Fails with kInvalidScripts and file:line on: a missing or invalid
// "Revision ID", invalid ids in Revises/Depends On, an invalid Transactional value, a repeated
// header field, a missing or repeated upgrade section, a downgrade section before the upgrade
// section, SQL before the first section marker (once per file, at its first such line), a file
// that is not text (a NUL byte: reported alone, at its line).
Result<Revision> ParseRevisionFile(std::string_view text, std::string_view path);

// The same, taking over `text`'s buffer for the largest section instead of copying it (the
// folder loader's way with a large file: one copy of it in memory, not two). `text` is left
// empty or unspecified.
Result<Revision> ParseOwnedRevisionFile(std::string&& text, std::string_view path);

// Renders a revision in the file format above. ParseRevisionFile(RenderRevisionFile(r)) == r
// for every field (path excepted).
std::string RenderRevisionFile(const Revision& revision);

// sha256 of a section's SQL as 64 lowercase hex digits (stored in strata_log).
std::string SectionChecksum(std::string_view sql);

}  // namespace strata

#endif  // STRATA_REVISION_H_
