// StepNotices: while a revision step runs, routes what the server says about its statements
// (NOTICE, WARNING, ...) to DriverOptions::on_notice, each line prefixed with the revision's
// file, the line of the statement it is about, the direction and the revision id. psql shows
// these (`schema "x" does not exist, skipping`); a migration tool that drops them hides a
// revision that did less than its author thought.
//
// Installs itself as the session's notice handler for its lifetime (RAII). Not thread-safe:
// the notices arrive on the session's thread, inside libpq calls.
#ifndef STRATA_DRIVER_POSTGRES_STEP_NOTICES_H_
#define STRATA_DRIVER_POSTGRES_STEP_NOTICES_H_

#include <optional>
#include <string>

#include "driver/postgres/pipeline.h"
#include "driver/postgres/session.h"
#include "driver/postgres/statement_split.h"
#include "driver/sql_text.h"
#include "strata/driver.h"

namespace strata::pg {

class StepNotices {
 public:
  StepNotices(Session& session, const DriverOptions& options, const Step& step);
  ~StepNotices();
  StepNotices(const StepNotices&) = delete;
  StepNotices& operator=(const StepNotices&) = delete;

  // The statement whose notices come next (statement-by-statement runs).
  void At(const SqlStatement& statement) { statement_ = statement; }
  // Notices come from `pipeline` (one batch of a step's statements), whose items tagged >= 0
  // are indexes into `statements`.
  void Following(const Pipeline* pipeline, const StatementList* statements) {
    pipeline_ = pipeline;
    statements_ = statements;
  }

 private:
  void Report(const PGresult* notice);
  std::optional<SqlStatement> Current() const;

  Session& session_;
  const DriverOptions& options_;
  const Step& step_;
  std::optional<SqlStatement> statement_;
  const Pipeline* pipeline_ = nullptr;
  const StatementList* statements_ = nullptr;
  // Statements run in order, so their lines are counted on from the previous notice's.
  LineCounter lines_;
};

}  // namespace strata::pg

#endif  // STRATA_DRIVER_POSTGRES_STEP_NOTICES_H_
