// Offline SQL (Alembic's `--sql`): the script that `upgrade`/`downgrade` would run, printed for
// review instead of run. Nothing here touches a database; the caller decides where the plan
// starts (base, or the FROM of "FROM:TO"), since no version table is read.
//
// The script holds, in order: the migration lock (PostgreSQL: the same session advisory lock a
// live run takes; SQLite: BEGIN IMMEDIATE around each revision), CREATE TABLE IF NOT EXISTS for
// the version table and strata_log (the drivers' own DDL), then per revision a comment naming
// it, BEGIN, the section's SQL, the version-table change, a strata_log row carrying the
// section's checksum, COMMIT. A non-transactional revision's statements run outside any
// transaction and its bookkeeping follows in a transaction of its own, as in a live run.
//
// Pure; thread-safe.
#ifndef STRATA_OFFLINE_H_
#define STRATA_OFFLINE_H_

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "strata/graph.h"
#include "strata/plan.h"
#include "strata/status.h"

namespace strata {

enum class SqlDialect { kPostgres, kSqlite };

// "postgresql"/"postgres" or "sqlite"; kUsage otherwise.
Result<SqlDialect> ParseSqlDialect(std::string_view name);

struct OfflineOptions {
  SqlDialect dialect = SqlDialect::kPostgres;
  std::string version_table = "alembic_version";
  // PostgreSQL only. Empty = search_path; the lock key then assumes schema "public" (a live run
  // asks the server for current_schema()), which the script says in a comment.
  std::string version_schema;
  // PostgreSQL `lock_timeout` set for each revision's statements; 0 = unset.
  std::chrono::milliseconds statement_lock_timeout{0};
  // PostgreSQL `statement_timeout` set for each revision's statements; 0 = unset.
  std::chrono::milliseconds statement_timeout{0};
};

// Plans an offline run. `range` is "TO" or "FROM:TO" (Alembic's form). FROM is "base", "head",
// "heads", a revision or prefix; without it an upgrade starts from base. A downgrade needs FROM
// (kUsage naming the form, as Alembic does). TO is any target PlanUpgrade/PlanDowngrade takes.
// Fails as the planner does for a bad target.
Result<Plan> PlanOffline(const RevisionGraph& graph, Direction direction, std::string_view range);

// The script for `plan` (see the file comment). Each statement ends with ';', so the output can
// be fed to `psql -X -v ON_ERROR_STOP=1 -f` or `sqlite3 -bail DB < FILE` as is.
std::string RenderOfflineScript(const Plan& plan, const OfflineOptions& options);

}  // namespace strata

#endif  // STRATA_OFFLINE_H_
