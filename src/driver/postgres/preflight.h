// Pre-flight and lock-wait diagnostics for PostgreSQL: which tables a migration statement
// locks, and which other sessions hold (or wait for) locks on them or sit idle in a
// transaction. Used by PostgresDriver::Preflight before the first step of a plan, and after a
// statement fails with lock_not_available (55P03) to name the blockers in the retry message.
//
// Which statements take a strong lock is decided from PostgreSQL's own parse tree
// (libpg_query's JSON output, PostgreSQL 15 grammar), kept deliberately simple:
//   ALTER TABLE/INDEX/SEQUENCE/VIEW (and ... SET SCHEMA, ... RENAME), CREATE INDEX without
//   CONCURRENTLY, DROP TABLE/INDEX/VIEW/MATERIALIZED VIEW/SEQUENCE/FOREIGN TABLE (DROP INDEX
//   CONCURRENTLY excepted), TRUNCATE, REINDEX without CONCURRENTLY, CLUSTER, VACUUM FULL,
//   CREATE TRIGGER, CREATE RULE, LOCK, REFRESH MATERIALIZED VIEW without CONCURRENTLY, and
//   CREATE TABLE (for its parent, partition parent and referenced tables).
// The relations such a statement locks are every relation its tree names (so ALTER TABLE ...
// REFERENCES u also checks u), plus, for an index, the index's table, each with the mode the
// statement takes (ACCESS EXCLUSIVE for most; SHARE for CREATE INDEX and REINDEX; SHARE ROW
// EXCLUSIVE for CREATE TRIGGER and foreign-key targets; SHARE UPDATE EXCLUSIVE for ALTER TABLE
// ... VALIDATE CONSTRAINT and the like). Only sessions whose locks conflict with that mode are
// in the way: an open SELECT blocks ALTER TABLE but not CREATE INDEX. Relations that do not
// exist yet (created earlier in the plan) are skipped. Statements hidden in DO blocks or
// functions are not seen. Sessions are matched on relation locks in pg_locks, not on row locks.
//
// Pure parsing is thread-safe; the lookups use the caller's Session (not thread-safe).
#ifndef STRATA_DRIVER_POSTGRES_PREFLIGHT_H_
#define STRATA_DRIVER_POSTGRES_PREFLIGHT_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "driver/postgres/session.h"
#include "driver/postgres/split_cache.h"
#include "strata/driver.h"
#include "strata/plan.h"
#include "strata/status.h"

namespace strata::pg {

// A relation a statement locks, and in which mode.
struct LockTarget {
  std::string relation;  // quoted, schema-qualified when written so
  std::string mode;      // as pg_locks.mode ("AccessExclusiveLock"); "" = not known
};

// What one statement of a section locks.
struct LockingStatement {
  std::string kind;                   // "ALTER TABLE", "CREATE INDEX", ...
  std::vector<LockTarget> relations;  // one entry per relation, its strongest mode
};

// The statements of `sql` that take a strong lock, in order. Empty when `sql` does not parse
// (the server has the last word on such a section) or takes no strong lock. The section is split
// by statement_split.h and only statements whose first word can start such a statement (ALTER,
// CREATE, DROP, ...) are parsed, one at a time: a data migration of a million INSERTs costs a
// split, and no parse tree outlives its statement.
std::vector<LockingStatement> StrongLockStatements(std::string_view sql);
// The same, from a split already made.
std::vector<LockingStatement> StrongLockStatements(const Result<StatementList>& statements);

// Every relation one statement names, with the mode where StrongLockStatements knows it and
// "" otherwise (for naming who blocked a statement that timed out). Empty when it does not
// parse.
std::vector<LockTarget> RelationsNamedBy(std::string_view statement);

// Another server session in the way.
struct Blocker {
  int pid = 0;
  std::string application_name;
  std::string user;
  std::string state;                   // pg_stat_activity.state
  double transaction_age_s = -1;       // now - xact_start; -1 when no transaction is open
  double state_age_s = -1;             // now - state_change
  std::string locks;                   // "AccessShareLock on t, ..." ("(waiting)" when not granted)
  std::vector<std::string> relations;  // which of the names asked about it locks
  std::string query;                   // the session's last query, whitespace folded, truncated
};

// Sessions of this database other than ours that hold or wait for a lock on any of `targets`
// in a mode that conflicts with the target's (any mode when it is ""; an index counts with its
// table), and, when idle_threshold >= 0, sessions idle in a transaction for longer than
// idle_threshold. Sorted by pid. Fails as Session::Exec does.
Result<std::vector<Blocker>> FindBlockers(Session& session, const std::vector<LockTarget>& targets,
                                          std::chrono::milliseconds idle_threshold);

// "pid 4242 (application \"report\", user alice, idle in transaction for 12.0 s, transaction
// open 12.3 s, holds AccessShareLock on t; last query `SELECT * FROM t`)"
std::string DescribeBlocker(const Blocker& blocker);
// Every blocker described, joined by "; ", or "no other session holds a lock on <relations>
// now" when `blockers` is empty.
std::string DescribeBlockers(const std::vector<Blocker>& blockers);

// The pre-flight for a whole plan: reports every blocker through options.on_wait, naming the
// step and statement it is in the way of. Ok when nothing is in the way or when
// options.refuse_if_blocked is false; otherwise kLockTimeout naming the blockers, before
// anything has run. Lookup failures are reported through on_wait and do not stop the run
// (the pre-flight is advice; the statement lock timeout is the guard).
// The sections it splits are kept in `splits`, for the steps.
Status RunPreflight(Session& session, const Plan& plan, const DriverOptions& options,
                    SplitCache& splits);

}  // namespace strata::pg

#endif  // STRATA_DRIVER_POSTGRES_PREFLIGHT_H_
