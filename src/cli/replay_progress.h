// Progress of `verify` and `diff` (verify.h's ReplayObserver) printed as Context::Progress lines,
// and the ScratchOptions both build from the settings.
#ifndef STRATA_CLI_REPLAY_PROGRESS_H_
#define STRATA_CLI_REPLAY_PROGRESS_H_

#include <string>

#include "cli/context.h"
#include "cli/interrupt.h"
#include "strata/verify.h"

namespace strata::cli {

// Ctrl-C stops the replay between two steps, so the scratch databases are still dropped.
class ReplayProgress : public ReplayObserver {
 public:
  explicit ReplayProgress(const Context& ctx) : ctx_(ctx) {}
  void OnProgress(const std::string& line) override { ctx_.Progress(line); }
  bool Stopped() override { return InterruptScope::Interrupted(); }

 private:
  const Context& ctx_;
  InterruptScope interrupt_;
};

// Scratch databases made as the options say, migrated with the configured version table.
ScratchOptions ScratchOptionsFor(const Context& ctx, const std::string& scratch_url, bool keep);

}  // namespace strata::cli

#endif  // STRATA_CLI_REPLAY_PROGRESS_H_
