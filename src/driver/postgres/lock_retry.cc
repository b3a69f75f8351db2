// PostgresDriver's lock-timeout retries and pre-flight (postgres_driver.h, preflight.h).
//
// A statement that waits longer than statement_lock_timeout for a table lock fails with
// lock_not_available (55P03). Its transaction is rolled back (a transactional step), or, in
// autocommit, the statement took no effect; either way the step can run again from the start.
// Before each retry strata names who held it up: one connection cannot ask pg_blocking_pids
// while it waits, so right after the rollback it looks up the sessions holding (or queued for)
// locks on the tables the failed statement names.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "driver/postgres/postgres_driver.h"
#include "driver/postgres/preflight.h"
#include "driver/sql_text.h"

namespace strata::pg {
namespace {

constexpr auto kFirstBackoff = std::chrono::milliseconds(500);
constexpr auto kMaxBackoff = std::chrono::milliseconds(10000);
constexpr auto kSleepSlice = std::chrono::milliseconds(50);

}  // namespace

Status PostgresDriver::Preflight(const Plan& plan) {
  splits_.Clear();  // a new plan: nothing kept from an earlier one is wanted
  return RunPreflight(*session_, plan, options_, splits_);
}

std::string PostgresDriver::DescribeLockBlockers(std::string_view statement) {
  std::vector<LockTarget> relations = RelationsNamedBy(statement);
  if (relations.empty()) {
    last_blockers_ =
        "the blocking session is unknown (the statement names no table strata can see)";
    return last_blockers_;
  }
  // Idle-in-transaction sessions that lock other tables did not block this statement.
  auto blockers = FindBlockers(*session_, relations, std::chrono::milliseconds(-1));
  if (!blockers.ok()) {
    last_blockers_ = "the blocking session is unknown (" + blockers.status().message() + ")";
  } else if (blockers->empty()) {
    last_blockers_ = "the blocking session has released its locks since";
  } else {
    last_blockers_ = "blocked by " + DescribeBlockers(*blockers);
  }
  return last_blockers_;
}

void PostgresDriver::SleepBeforeRetry(int attempt, const std::string& what) {
  // Exponential backoff, capped, with "equal jitter" (half fixed, half random) so that several
  // waiting deploys do not come back at the same moment.
  auto ceiling =
      std::min<std::chrono::milliseconds>(kFirstBackoff * (1 << std::min(attempt, 5)), kMaxBackoff);
  static thread_local std::minstd_rand random(static_cast<unsigned>(std::random_device{}()));
  auto delay = ceiling / 2 + std::chrono::milliseconds(random() % (ceiling.count() / 2 + 1));
  if (options_.on_wait) {
    options_.on_wait(
        fmt::format("{}: a table lock was not had within statement_lock_timeout "
                    "({} ms), rolled back; {}; retry {} of {} in {} ms",
                    what, options_.statement_lock_timeout.count(),
                    last_blockers_.empty() ? "blocking session unknown" : last_blockers_,
                    attempt + 1, options_.retries, delay.count()));
  }
  const auto until = std::chrono::steady_clock::now() + delay;
  while (!interrupted_.load()) {
    auto left = until - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) break;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, kSleepSlice));
  }
}

bool PostgresDriver::LeftNewInvalidIndex(const std::vector<std::string>& before) {
  auto now = InvalidIndexes();
  if (!now.ok()) return true;  // unknown: do not retry blind
  for (const std::string& index : *now) {
    if (std::find(before.begin(), before.end(), index) == before.end()) return true;
  }
  return false;
}

}  // namespace strata::pg
