// How a revision step that failed in the database reads: one wording, built here, for both
// drivers and both directions, so that a user sees the same message on SQLite and PostgreSQL.
//
//   <file>:<line>: upgrade 3f2a9c1b7d4e failed: <database error>; statement 2: `<excerpt>`
//     (its transaction was rolled back and alembic_version is unchanged; fix the upgrade section
//     of <file> and run `strata upgrade` again)
//
// file:line is carried by the Status (WithLocation) and printed once, by Status::ToString.
// Pure; thread-safe.
#ifndef STRATA_DRIVER_STEP_FAILURE_H_
#define STRATA_DRIVER_STEP_FAILURE_H_

#include <string>
#include <string_view>

#include "strata/plan.h"
#include "strata/status.h"

namespace strata {

// "upgrade" / "downgrade". (Not DirectionName(): the PostgreSQL module links no planner code.)
const char* DirectionText(Direction direction);

// The ids a `strata stamp` takes to mean `ids`: "base" when empty.
std::string StampTarget(const std::vector<std::string>& ids);

// One statement of a step's section that the database refused.
struct StatementFailure {
  const Step* step = nullptr;
  ErrorKind kind = ErrorKind::kMigrationFailed;  // of the database's error
  std::string error;                             // the database's message, secrets masked
  std::string_view statement;                    // the statement's text
  int index = 0;                                 // 0-based among the section's statements
  int line = 0;                                  // the file line it starts on (or fails at)
  bool interrupted = false;                      // cancelled by Ctrl-C, not refused
};

// The part every failure shares: "<direction> <rev> failed: <error>; statement N: `<excerpt>`",
// located at the revision's file and the statement's line.
Status StatementFailed(const StatementFailure& failure);

// A transactional step: everything was rolled back. Adds the next step as the hint.
Status TransactionalStepFailed(const StatementFailure& failure, std::string_view version_table);

// A Transactional: false step that failed part way: the statements before it stay applied
// (kNeedsPerson, exit 7). `leftovers` names what else the failure left behind (PostgreSQL:
// INVALID indexes), `undo_first` what to run before stamping back (e.g. "`DROP INDEX …;`, ");
// both may be empty.
Status PartialStepFailed(const StatementFailure& failure, std::string_view version_table,
                         std::string_view leftovers, std::string_view undo_first);

// What a partial failure's strata_log row holds in its `error` column: file:line, message and
// the next step.
std::string PartialFailureLogText(const Status& partial);

// `partial` with a note that writing its strata_log row failed too (when `logged` is an error).
Status NoteLogFailure(Status partial, const Status& logged);

}  // namespace strata

#endif  // STRATA_DRIVER_STEP_FAILURE_H_
