#include "driver/postgres/migration_lock.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>
#include <vector>

#include "core/bookkeeping_sql.h"
#include "driver/postgres/pg_handles.h"
#include "strata/url.h"

namespace strata::pg {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kReportEvery = std::chrono::seconds(5);
constexpr auto kFirstLockPollWait = std::chrono::milliseconds(20);
constexpr auto kMaxLockPollWait = std::chrono::milliseconds(500);

}  // namespace

std::string MigrationLock::LockName() const {
  std::string name = schema_.empty() ? table_ : schema_ + "." + table_;
  return "\"" + name + "\"";
}

Status MigrationLock::Acquire(const DriverOptions& options, const std::atomic<bool>& interrupted) {
  if (held_) return Status::Ok();
  if (schema_.empty()) {
    auto r = session_.Exec("reading the current schema", "SELECT coalesce(current_schema(), '')");
    if (!r.ok()) return r.status();
    schema_ = CellText(r->get(), 0, 0);
  }
  key_ = MigrationLockKey(schema_, table_);
  const Params params = {std::to_string(key_)};
  const auto start = Clock::now();
  const auto deadline = start + options.lock_timeout;
  auto backoff = kFirstLockPollWait;
  auto next_report = start;
  std::minstd_rand jitter(static_cast<unsigned>(std::random_device{}()));
  std::string holder;
  while (true) {
    auto r = session_.Exec("taking the migration lock",
                           "SELECT pg_try_advisory_lock($1::bigint), pg_backend_pid()", params);
    if (!r.ok()) return r.status();
    if (CellText(r->get(), 0, 0) == "t") {
      held_ = true;
      backend_pid_ = std::atoi(CellText(r->get(), 0, 1).c_str());
      return Status::Ok();
    }
    const auto now = Clock::now();
    if (now >= deadline || interrupted.load()) {
      holder = DescribeHolder();
      auto waited = std::chrono::duration_cast<std::chrono::seconds>(now - start).count();
      return Status::LockTimeout(
                 fmt::format("the migration lock on {} was not had {}: held by {}; nothing was "
                             "changed, try again later",
                             LockName(),
                             interrupted.load() ? "(interrupted while waiting)"
                                                : fmt::format("within {} s", waited),
                             holder))
          .WithHint(
              "another strata run is migrating this database; wait for it, or raise "
              "lock_timeout");
    }
    if (now >= next_report && options.on_wait) {
      auto waited = std::chrono::duration_cast<std::chrono::seconds>(now - start).count();
      options.on_wait(fmt::format("waiting for the migration lock on {}, held by {} ({} s of {} s)",
                                  LockName(), DescribeHolder(), waited,
                                  options.lock_timeout.count()));
      next_report = now + kReportEvery;
    }
    // Jitter spreads many waiters' polls so they do not arrive together.
    auto sleep = backoff + std::chrono::milliseconds(jitter() % (backoff.count() / 2 + 1));
    sleep = std::min<std::chrono::milliseconds>(
        sleep, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) +
                   std::chrono::milliseconds(1));
    std::this_thread::sleep_for(sleep);
    backoff = std::min<std::chrono::milliseconds>(backoff * 3 / 2, kMaxLockPollWait);
  }
}

Status MigrationLock::Release() {
  if (!held_) return Status::Ok();
  held_ = false;
  auto r = session_.Exec("releasing the migration lock",
                         "SELECT pg_advisory_unlock($1::bigint), pg_backend_pid()",
                         {std::to_string(key_)});
  if (!r.ok()) return r.status();
  if (CellText(r->get(), 0, 0) != "t") {
    return SessionMovedError(backend_pid_, CellText(r->get(), 0, 1), RedactUrl(session_.url()));
  }
  return Status::Ok();
}

std::string MigrationLock::DescribeHolder() {
  uint64_t bits = static_cast<uint64_t>(key_);
  // pg_locks shows a bigint advisory key as classid (high half), objid (low half), objsubid 1.
  auto r = session_.Exec(
      "looking up the migration lock's holder",
      "SELECT l.pid, coalesce(a.usename::text, ''), coalesce(a.application_name, ''), "
      "coalesce(host(a.client_addr), CASE WHEN a.backend_start IS NOT NULL THEN 'local socket' "
      "END, ''), coalesce(to_char(a.backend_start AT TIME ZONE 'UTC', "
      "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), coalesce(a.state, '') "
      "FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
      "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::oid "
      "AND l.objid = $2::oid AND l.objsubid = 1 "
      "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      {std::to_string(bits >> 32), std::to_string(bits & 0xffffffffu)});
  if (!r.ok() || PQntuples(r->get()) == 0) return "another session";
  const PGresult* res = r->get();
  std::string out = "pid " + CellText(res, 0, 0);
  std::vector<std::string> parts;
  if (auto v = CellText(res, 0, 1); !v.empty()) parts.push_back("user " + v);
  if (auto v = CellText(res, 0, 2); !v.empty()) parts.push_back("application " + v);
  if (auto v = CellText(res, 0, 3); !v.empty()) parts.push_back("client " + v);
  if (auto v = CellText(res, 0, 4); !v.empty()) parts.push_back("connected since " + v);
  if (auto v = CellText(res, 0, 5); !v.empty()) parts.push_back(v);
  if (parts.empty()) parts.push_back("details not visible to this role");
  return fmt::format("{} ({})", out, fmt::join(parts, ", "));
}

Status SessionMovedError(int lock_pid, std::string_view now_pid, std::string_view redacted_url) {
  return Status::NeedsPerson(
             fmt::format("the server session changed during the run (the migration lock was "
                         "taken by backend pid {}, this statement ran in pid {}): {} goes "
                         "through a transaction-mode connection pooler such as PgBouncer, which "
                         "cannot keep a session-level lock",
                         lock_pid, now_pid.empty() ? "unknown" : now_pid, redacted_url))
      .WithHint(fmt::format(
          "migrate over a direct connection to PostgreSQL, not through a transaction-mode "
          "pooler (or use a session-mode pool); the lock may stay held by backend {} until "
          "the pooler closes that server connection (SELECT pg_terminate_backend({}) over a "
          "direct connection frees it)",
          lock_pid, lock_pid));
}

}  // namespace strata::pg
