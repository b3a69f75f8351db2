// Replaying the migrations on scratch databases (DESIGN §8).
//
// Verify: on a fresh scratch database, for each revision in history order: snapshot, upgrade,
// snapshot, downgrade, compare with the snapshot before the upgrade, upgrade again, compare with
// the snapshot after the first upgrade; then compare the heads reached that way with a straight
// `upgrade heads` on a second scratch database. It names every revision whose downgrade does not
// restore the schema, with the objects that differ. Run it in CI before merging a revision
// (docs/verify.md).
//
// Diff: replays the files up to a database's current heads on a scratch database and names the
// objects in which the database differs from what its migrations produce (drift).
//
// Scratch databases are a temporary SQLite file, or a temporary PostgreSQL database created on
// the scratch server and dropped afterwards (both kept with `keep`). Neither function changes
// the database it is compared with: Diff only reads it.
//
// Not thread-safe: each call uses its own connections, but the observer is called from the
// calling thread only.
#ifndef STRATA_VERIFY_H_
#define STRATA_VERIFY_H_

#include <string>
#include <string_view>
#include <vector>

#include "strata/driver.h"
#include "strata/graph.h"
#include "strata/snapshot.h"
#include "strata/status.h"

namespace strata {

struct ScratchOptions {
  // Where scratch databases are made: a PostgreSQL URL whose role may CREATE DATABASE (a
  // temporary database is created on that server). Empty: decided by `database_url`, the
  // configured database: PostgreSQL gives a temporary database on the same server, SQLite a
  // temporary file (under $TMPDIR). A SQLite URL here is refused (kUsage): SQLite scratch
  // databases are always temporary files.
  std::string scratch_url;
  std::string database_url;
  // The version table, its schema and the lock settings the scratch databases are migrated
  // with, so that they look like the real one.
  DriverOptions driver;
  // Leave the scratch databases behind and report their (redacted) URLs, to look into them.
  bool keep = false;
};

// Receives one line per thing done ("Checking revision 3f2a9c1b7d4e (2 of 7)"). The CLI prints
// them as progress.
class ReplayObserver {
 public:
  virtual ~ReplayObserver() = default;
  virtual void OnProgress(const std::string& /*line*/) {}
  // Polled before each step: true stops the replay there (Ctrl-C). The statement running then
  // finishes first; scratch databases are small and their statements quick.
  virtual bool Stopped() { return false; }
};

struct VerifyFinding {
  enum class Kind {
    kDowngradeFailed,   // the downgrade failed on the scratch database (rolled back)
    kDowngradeDiffers,  // after upgrade + downgrade the schema is not what it was before
    kReupgradeFailed,   // upgrading again after the downgrade failed; verify stopped there
    kReupgradeDiffers,  // upgrading again gave another schema than the first upgrade
    kHeadsDiffer,       // round-tripping every revision ends elsewhere than `upgrade heads`
  };
  Kind kind;
  std::string revision;  // empty for kHeadsDiffer
  std::string path;      // the revision's file
  std::string message;   // one line saying what was found
  // The objects that differ; `first_label` and `second_label` say what each side is.
  std::vector<ObjectDifference> differences;
  std::string first_label;
  std::string second_label;
};

// "downgrade-failed", "downgrade-differs", "reupgrade-failed", "reupgrade-differs",
// "heads-differ", as `verify --format json` prints it.
const char* VerifyFindingKindName(VerifyFinding::Kind kind);

struct VerifyReport {
  std::string dialect;                    // of the scratch databases
  std::vector<std::string> checked;       // revisions upgraded, downgraded and upgraded again
  std::vector<std::string> irreversible;  // in the range but without a downgrade section
  std::vector<VerifyFinding> findings;    // empty: every checked downgrade restores the schema
  std::string heads_hash;                 // the schema hash at the heads (straight upgrade)
  std::vector<std::string> kept;          // redacted URLs of scratch databases left behind
  bool stopped = false;                   // a re-upgrade failed: later revisions not checked
};

// Verifies the revisions in `range` (history's "START:END" syntax, empty = all; revisions
// outside it are upgraded but not round-tripped). kMigrationFailed ("interrupted") when the
// observer says to stop; the scratch databases are removed all the same (unless kept). Fails
// before anything runs with kUsage for a
// bad range or scratch URL, kInvalidScripts for an ambiguous prefix; with kConnection when a
// scratch database cannot be made or reached; with kMigrationFailed, naming the revision, when
// an upgrade fails on the scratch database (the history cannot be replayed past it). What
// verify is for (downgrades that fail or leave another schema, heads that differ) comes back as
// findings in an ok result.
Result<VerifyReport> Verify(const RevisionGraph& graph, std::string_view range,
                            const ScratchOptions& options, ReplayObserver* observer);

// kPending (exit 6) naming the findings, one per line after the first; Ok when there are none.
Status VerifyStatus(const VerifyReport& report);

struct DiffReport {
  std::vector<std::string> heads;  // the database's heads, which the files were replayed to
  SchemaSnapshot migrations;       // the schema the migrations produce
  SchemaSnapshot database;         // the database's schema now
  // first = the migrations, second = the database.
  std::vector<ObjectDifference> differences;
  std::vector<std::string> kept;  // redacted URLs of scratch databases left behind
};

// What DescribeDifference calls the two sides of DiffReport::differences.
inline constexpr const char* kMigrationsLabel = "in the migrations";
inline constexpr const char* kDatabaseLabel = "in the database";

// Compares `database` (only read) with its migrations replayed up to its heads. Fails with
// kNeedsPerson when the version table names a revision no file defines, kUsage when the scratch
// URL is of another kind of database than `database`, otherwise as Verify.
Result<DiffReport> DiffWithMigrations(Driver& database, const RevisionGraph& graph,
                                      const ScratchOptions& options, ReplayObserver* observer);

// kPending (exit 6) naming the drifted objects; Ok when there are none.
Status DiffStatus(const DiffReport& report);

}  // namespace strata

#endif  // STRATA_VERIFY_H_
