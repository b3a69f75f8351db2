// The migrations folder (Alembic's ScriptDirectory): reading every revision file into a graph
// and writing new revision files.
//
// Reads and writes the file system; otherwise stateless and thread-compatible.
#ifndef STRATA_SCRIPT_H_
#define STRATA_SCRIPT_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "strata/graph.h"
#include "strata/revision.h"
#include "strata/status.h"

namespace strata {

// Whether the graph's revisions keep their sections' SQL. kDrop keeps everything else (ids,
// parents, headers, each section's first line, file_size): for a reader that goes through the
// revisions one at a time and reads each again (lint), so that the folder's SQL is not all in
// memory at once.
enum class SqlBodies { kKeep, kDrop };

// Reads every `*.sql` file directly inside `dir` (sorted by file name) and builds the graph.
// kInvalidScripts when the folder is missing (hint: `strata init`), when any file is malformed,
// larger than `max_revision_size` bytes (naming the setting that raises it) or not text, or
// when the graph is invalid; all problems are reported together.
Result<RevisionGraph> LoadScriptDirectory(const std::filesystem::path& dir,
                                          uint64_t max_revision_size = kDefaultMaxRevisionSize,
                                          SqlBodies bodies = SqlBodies::kKeep);

// Reads and parses one revision file (`strata lint FILE`), failing as LoadScriptDirectory does
// for one file.
Result<Revision> ReadRevisionFile(const std::filesystem::path& path,
                                  uint64_t max_revision_size = kDefaultMaxRevisionSize);

struct NewRevision {
  std::string message;               // -m
  std::vector<std::string> parents;  // resolved ids; empty = from base
  std::vector<std::string> branch_labels;
  std::vector<std::string> depends_on;
  std::string rev_id;  // empty = generate 12 random hex digits
  bool transactional = true;
  std::string create_date;    // empty = now, local time "YYYY-MM-DD HH:MM:SS"
  std::string upgrade_sql;    // body of the upgrade section (may be empty)
  std::string downgrade_sql;  // body of the downgrade section (may be empty)
};

struct WrittenRevision {
  std::string id;
  std::filesystem::path path;
};

// Writes `<id>_<slug>.sql` into `dir` atomically (temp file + link), refusing to overwrite an
// existing file. Returns the id (generated when NewRevision::rev_id is empty) and the path.
Result<WrittenRevision> WriteRevisionFile(const std::filesystem::path& dir,
                                          const NewRevision& revision);

// "Add email column!" -> "add_email_column" (at most 40 characters).
std::string Slugify(const std::string& message);

}  // namespace strata

#endif  // STRATA_SCRIPT_H_
