// Importing an Alembic history (DESIGN §9): one strata revision file per Alembic revision, with
// the same id, parents, branch labels, dependencies, message, create date and docstring, and the
// SQL Alembic's offline mode gives for its upgrade and downgrade in the chosen dialect.
//
// Alembic itself reads the project: a Python bridge (src/importer/alembic_bridge.py, compiled
// in) runs under /usr/bin/python3, or the interpreter named by STRATA_ALEMBIC_PYTHON, with the
// project's own env.py. What offline mode cannot see (op.get_bind(), is_offline_mode(), batch
// mode without copy_from, Alembic's own errors) is written into the revision as
// `-- strata:import-warning` lines at the top of the section concerned, and reported: such a
// conversion exits 6 so nobody deploys it unread.
//
// VerifyImport replays both histories on two scratch databases, Alembic's online (through the
// bridge) and the converted files with strata, revision by revision, comparing schema snapshots
// (snapshot.h) after every upgrade and every downgrade.
//
// Not thread-safe (each call runs child processes and opens its own connections).
#ifndef STRATA_IMPORT_H_
#define STRATA_IMPORT_H_

#include <filesystem>
#include <string>
#include <vector>

#include "strata/graph.h"
#include "strata/offline.h"
#include "strata/snapshot.h"
#include "strata/status.h"
#include "strata/verify.h"

namespace strata {

// The comment that marks what a conversion could not see: "-- strata:import-warning: ...".
inline constexpr const char* kImportWarningMarker = "-- strata:import-warning";

struct AlembicImportOptions {
  std::string project;  // alembic.ini, or the script folder holding env.py
  std::filesystem::path out;
  SqlDialect dialect = SqlDialect::kPostgres;
};

struct ImportedRevision {
  std::string id;
  std::string message;
  std::string alembic_path;  // the Alembic revision's .py file
  std::string path;          // the strata file written (or that would be)
  bool unchanged = false;    // the file was there already with this content
  bool transactional = true;
  bool has_downgrade = true;
  // What the offline SQL is missing, "upgrade: ..." / "downgrade: ...": one import-warning each.
  std::vector<std::string> warnings;
};

struct ImportReport {
  std::string alembic_version;
  std::string dialect;                      // "postgresql" | "sqlite"
  std::vector<ImportedRevision> revisions;  // oldest first
  size_t warned() const;                    // revisions with warnings
};

// The interpreter the bridge runs under: $STRATA_ALEMBIC_PYTHON, else /usr/bin/python3.
std::string AlembicPython();

// Reads the project with Alembic and writes the files into `out` (created when missing), all or
// nothing: every file is rendered and checked first. Fails with kUsage when the project cannot
// be read by Alembic (its message), the interpreter cannot run or Alembic is missing (naming
// what to install); kInvalidScripts when an Alembic revision id or label is not valid for strata,
// or when `out` holds a different file for one of the revisions (naming it: remove it or import
// elsewhere). Warnings are not failures: ImportStatus turns them into exit 6.
Result<ImportReport> ImportAlembic(const AlembicImportOptions& options);

// kPending (exit 6) naming each revision with warnings; Ok when there are none.
Status ImportStatus(const ImportReport& report);

struct ImportDifference {
  std::string revision;
  std::string direction;  // "upgrade" | "downgrade"
  std::string path;       // the strata file
  std::string message;    // one line
  // first = Alembic's schema, second = strata's.
  std::vector<ObjectDifference> differences;
};

inline constexpr const char* kAlembicLabel = "after Alembic";
inline constexpr const char* kStrataLabel = "after strata";

struct ImportVerifyReport {
  std::string dialect;
  std::vector<std::string> checked;  // revisions upgraded (and downgraded) on both sides
  std::vector<ImportDifference> differences;
  std::vector<std::string> kept;  // redacted URLs of scratch databases left behind
};

// Replays `project` with Alembic (online, one revision at a time) and `converted` with strata on
// two scratch databases (options as verify.h's), comparing snapshots after each upgrade in
// history order and after each downgrade in reverse order. Fails (before or while replaying)
// with kMigrationFailed naming the revision when a step fails on either side (the replay cannot
// go on past it), kConnection when a scratch database cannot be made, kMigrationFailed
// ("interrupted") when the observer says to stop; differences come back in an ok result.
Result<ImportVerifyReport> VerifyImport(const std::string& project, const RevisionGraph& converted,
                                        const ScratchOptions& options, ReplayObserver* observer);

// kPending (exit 6) naming every revision that differs; Ok when none does.
Status ImportVerifyStatus(const ImportVerifyReport& report);

}  // namespace strata

#endif  // STRATA_IMPORT_H_
