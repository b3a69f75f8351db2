// Reading a database's migration state without changing it: which applied revisions' files
// changed since they ran (checksums in strata_log), whether the schema changed since strata last
// recorded it (schema hashes in strata_log), and everything `strata status` shows.
//
// Read-only: takes no lock and creates no table, so it is safe on a production database while
// a migration runs (it then sees the state before or after each step). Not thread-safe (it
// uses the caller's Driver).
#ifndef STRATA_INSPECT_H_
#define STRATA_INSPECT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "strata/driver.h"
#include "strata/graph.h"
#include "strata/status.h"

namespace strata {

// An applied revision whose upgrade section no longer has the checksum it was applied with.
struct ChangedRevision {
  std::string revision;
  std::string path;              // the file now defining it
  std::string applied_checksum;  // from the newest upgrade or accept row in strata_log
  std::string file_checksum;     // SectionChecksum of the file's upgrade section now
  std::string applied_at;        // that row's started_at
};

// Applied revisions (`current` and their ancestors) whose newest successful strata_log upgrade
// or accept row records another checksum than the file's upgrade section has now, in history
// order (oldest first). Revisions with no such row (applied by Alembic, or stamped) are never
// "changed"; a stamp of the revision newer than those rows takes the file as it is.
// Fails as Driver::ReadLog does.
Result<std::vector<ChangedRevision>> ChangedRevisions(Driver& driver, const RevisionGraph& graph,
                                                      const std::vector<std::string>& current);

// The kInvalidScripts error `upgrade` returns for changed revisions (exit 3), naming each with
// its file and the way out.
Status ChangedRevisionsError(const std::vector<ChangedRevision>& changed);

// Whether the schema is still what the newest step (or stamp) recorded in strata_log: drift is
// any change made outside strata since then (by hand, by another tool, by a failed
// non-transactional step). `strata diff` names the objects.
struct SchemaDrift {
  enum class State {
    kUnknown,    // no step recorded a schema hash (no strata_log rows, or an older strata's)
    kUnchanged,  // the schema hash now equals the recorded one
    kDrifted,    // it differs
  };
  State state = State::kUnknown;
  std::string hash;                        // the schema's hash now
  std::optional<RecordedSchema> recorded;  // the newest step or stamp; its hash may be empty
  // InspectDatabase only: why the schema could not be read (state kUnknown), e.g. a server
  // older than the catalog statement needs. Status still reports everything else.
  std::string error;
};

// "unknown" | "unchanged" | "drifted", as `status --format json` prints it.
const char* SchemaDriftStateName(SchemaDrift::State state);

// Compares the schema now (Driver::SchemaHash) with the hash the newest step or stamp recorded
// (Driver::LastRecordedSchema). Read-only. Fails as those do.
Result<SchemaDrift> CheckSchemaDrift(Driver& driver);

struct DatabaseStatus {
  std::vector<std::string> current;        // the version table's rows, sorted
  std::vector<std::string> unknown_heads;  // rows no file defines (then `pending` is empty)
  std::vector<std::string> heads;          // the files' heads
  std::vector<const Revision*> pending;    // in the order `upgrade heads` would apply them
  std::vector<LogEntry> recent_runs;       // newest first
  std::optional<int64_t> database_size;    // bytes
  std::vector<ChangedRevision> changed;
  std::vector<LogEntry> unresolved_failures;
  SchemaDrift drift;
  std::vector<StandbyState> standbys;  // PostgreSQL: streaming standbys and their replay lag
};

// Everything `strata status` reports; `runs` caps recent_runs. A version table naming unknown
// revisions is reported in unknown_heads rather than failing, so status works when it is most
// needed. Fails when the database cannot be read.
Result<DatabaseStatus> InspectDatabase(Driver& driver, const RevisionGraph& graph, int runs);

}  // namespace strata

#endif  // STRATA_INSPECT_H_
