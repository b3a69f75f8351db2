// Ctrl-C (SIGINT) and SIGTERM during a migration: the running statement is cancelled, its
// transaction rolls back, and the migrator stops before the next step. A second signal gets
// the default behaviour (the process ends at once).
#ifndef STRATA_CLI_INTERRUPT_H_
#define STRATA_CLI_INTERRUPT_H_

#include <atomic>

#include "strata/migrator.h"

namespace strata::cli {

// Installs the handlers for its lifetime. One at a time per process.
class InterruptScope {
 public:
  explicit InterruptScope(Migrator& migrator);
  // Only records the signal, for work that polls Interrupted() between steps (verify, diff).
  InterruptScope();
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

  // True when a signal arrived while the scope was active.
  static bool Interrupted();
  // The flag behind Interrupted(), for work that polls it on other threads (fleet runs).
  static const std::atomic<bool>* Flag();

 private:
  static void Install();
};

}  // namespace strata::cli

#endif  // STRATA_CLI_INTERRUPT_H_
