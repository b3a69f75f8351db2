#include "driver/postgres/step_notices.h"

#include <fmt/format.h>

#include "driver/sql_text.h"
#include "driver/step_failure.h"
#include "strata/url.h"

namespace strata::pg {

StepNotices::StepNotices(Session& session, const DriverOptions& options, const Step& step)
    : session_(session), options_(options), step_(step), lines_(step.section()) {
  if (options_.on_notice) {
    session_.SetNoticeHandler([this](const PGresult* notice) { Report(notice); });
  }
}

StepNotices::~StepNotices() { session_.SetNoticeHandler(nullptr); }

std::optional<SqlStatement> StepNotices::Current() const {
  if (pipeline_ != nullptr && statements_ != nullptr) {
    int item = pipeline_->reading();
    if (item < 0) return std::nullopt;
    int tag = pipeline_->tag(item);
    if (tag < 0 || static_cast<size_t>(tag) >= statements_->size()) return std::nullopt;
    return (*statements_)[static_cast<size_t>(tag)];
  }
  return statement_;
}

void StepNotices::Report(const PGresult* notice) {
  const char* severity = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
  const char* message = PQresultErrorField(notice, PG_DIAG_MESSAGE_PRIMARY);
  if (message == nullptr) return;
  const Revision& revision = *step_.revision;
  const SqlSection& section = step_.section();
  // A notice about no statement of the revision (its BEGIN, the bookkeeping rows) is placed at
  // the section's first line.
  std::optional<SqlStatement> statement = Current();
  int line = statement.has_value()
                 ? lines_.LineOf(statement->offset + SkipBlanksAndComments(statement->text, 0))
                 : section.first_line;
  std::string text =
      fmt::format("{}:{}: {} {}: {}: {}", revision.path.empty() ? revision.id : revision.path, line,
                  DirectionText(step_.direction), revision.id,
                  severity != nullptr ? severity : "NOTICE", message);
  if (const char* detail = PQresultErrorField(notice, PG_DIAG_MESSAGE_DETAIL)) {
    text += fmt::format(" ({})", detail);
  }
  options_.on_notice(severity != nullptr ? severity : "NOTICE",
                     RedactSecrets(text, session_.url()));
}

}  // namespace strata::pg
