// One wording for a failed revision step (step_failure.h).
#include "driver/step_failure.h"

#include <fmt/format.h>

#include "driver/sql_text.h"

namespace strata {

const char* DirectionText(Direction direction) {
  return direction == Direction::kUpgrade ? "upgrade" : "downgrade";
}

std::string StampTarget(const std::vector<std::string>& ids) {
  return ids.empty() ? "base" : fmt::format("{}", fmt::join(ids, " "));
}

namespace {

std::string FileOf(const Revision& revision) {
  return revision.path.empty() ? revision.id : revision.path;
}

std::string TookEffect(int index) {
  if (index == 0) return "no earlier statement took effect";
  if (index == 1) return "statement 1 took effect";
  return fmt::format("statements 1-{} took effect", index);
}

}  // namespace

Status StatementFailed(const StatementFailure& f) {
  const Revision& revision = *f.step->revision;
  return Status::Error(f.kind, fmt::format("{} {} {}: {}; statement {}: `{}`",
                                           DirectionText(f.step->direction), revision.id,
                                           f.interrupted ? "interrupted" : "failed", f.error,
                                           f.index + 1, StatementExcerpt(f.statement)))
      .WithLocation(revision.path, f.line)
      .WithRevision(revision.id);
}

Status TransactionalStepFailed(const StatementFailure& f, std::string_view version_table) {
  const char* direction = DirectionText(f.step->direction);
  return StatementFailed(f).WithHint(
      fmt::format("its transaction was rolled back and {} is unchanged; fix the {} section of {} "
                  "and run `strata {}` again",
                  version_table, direction, FileOf(*f.step->revision), direction));
}

Status PartialStepFailed(const StatementFailure& f, std::string_view version_table,
                         std::string_view leftovers, std::string_view undo_first) {
  const Step& step = *f.step;
  Status failed = StatementFailed(f);
  std::string undo(undo_first);
  if (f.index > 0) {
    undo += f.index == 1 ? "undo what statement 1 did, "
                         : fmt::format("undo what statements 1-{} did, ", f.index);
  }
  return Status::NeedsPerson(
             fmt::format("{}; {}{}; {} was not changed (a Transactional: false revision runs "
                         "statement by statement and cannot be rolled back)",
                         failed.message(), TookEffect(f.index), leftovers, version_table))
      .WithLocation(failed.file(), failed.line())
      .WithRevision(step.revision->id)
      .WithHint(fmt::format(
          "either finish the remaining statements by hand and run `strata stamp {}`, or {}run "
          "`strata stamp {}`, fix the revision and run strata again",
          StampTarget(step.to_ids), undo.empty() ? "" : "first " + undo,
          StampTarget(step.from_ids)));
}

std::string PartialFailureLogText(const Status& partial) {
  return fmt::format("{}:{}: {} (to resolve: {})", partial.file(), partial.line(),
                     partial.message(), partial.hint());
}

Status NoteLogFailure(Status partial, const Status& logged) {
  if (logged.ok()) return partial;
  return Status::Error(partial.kind(),
                       fmt::format("{}; recording the failure in strata_log failed too: {}",
                                   partial.message(), logged.message()))
      .WithLocation(partial.file(), partial.line())
      .WithRevision(partial.revision())
      .WithHint(partial.hint());
}

}  // namespace strata
