#include "cli/interrupt.h"

#include <atomic>
#include <csignal>

namespace strata::cli {
namespace {

std::atomic<Migrator*> g_migrator{nullptr};
std::atomic<bool> g_interrupted{false};
struct sigaction g_old_int, g_old_term;

// Async-signal-safe: Migrator::Interrupt only sets an atomic flag and calls the driver's
// Interrupt, which is sqlite3_interrupt or PQcancel; both are documented as safe here.
extern "C" void OnSignal(int sig) {
  g_interrupted.store(true);
  // The next signal kills the process the usual way.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigaction(sig, &dfl, nullptr);
  if (Migrator* m = g_migrator.load()) m->Interrupt();
}

}  // namespace

// The migrator, when there is one, is known before the first signal can arrive.
InterruptScope::InterruptScope(Migrator& migrator) {
  g_migrator.store(&migrator);
  Install();
}

InterruptScope::InterruptScope() { Install(); }

void InterruptScope::Install() {
  g_interrupted.store(false);
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &g_old_int);
  sigaction(SIGTERM, &sa, &g_old_term);
}

InterruptScope::~InterruptScope() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
  g_migrator.store(nullptr);
}

bool InterruptScope::Interrupted() { return g_interrupted.load(); }

const std::atomic<bool>* InterruptScope::Flag() { return &g_interrupted; }

}  // namespace strata::cli
