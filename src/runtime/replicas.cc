// Waiting for standbys to replay a migration (replicas.h).
#include "strata/replicas.h"

#include <fmt/format.h>

#include <thread>

namespace strata {

bool ReplaysWal(const StandbyState& standby) { return !standby.replay_lsn.empty(); }

std::string StandbyLagText(const StandbyState& standby) {
  std::string out =
      fmt::format("{} ({}): {} bytes behind", standby.name.empty() ? "?" : standby.name,
                  standby.client_addr, standby.behind_bytes);
  if (standby.replay_lag_seconds)
    out += fmt::format(", replay lag {:.1f} s", *standby.replay_lag_seconds);
  if (standby.state != "streaming") out += ", " + standby.state;
  return out;
}

Status WaitForStandbys(Driver& driver, const std::string& lsn, const ReplicaWait& wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait.timeout;
  for (;;) {
    Result<std::vector<StandbyState>> standbys = driver.Standbys(lsn);
    if (!standbys.ok()) return standbys.status();
    std::vector<StandbyState> behind;
    for (const StandbyState& s : *standbys) {
      if (ReplaysWal(s) && s.behind_bytes > 0) behind.push_back(s);
    }
    if (behind.empty()) return Status::Ok();
    bool stop = wait.interrupted != nullptr && wait.interrupted->load();
    if (stop || std::chrono::steady_clock::now() >= deadline) {
      std::string names;
      for (const StandbyState& s : behind) names += (names.empty() ? "" : "; ") + StandbyLagText(s);
      std::string why = stop ? "interrupted while waiting"
                             : fmt::format("not replayed within {} ms", wait.timeout.count());
      return Status::ReplicaLag(
                 fmt::format("{} standby(s) have not replayed the migration (WAL {}): "
                             "{}; {}",
                             behind.size(), lsn, why, names))
          .WithHint(
              "the migration itself is committed on the primary; check the standbys' replay "
              "(pg_stat_replication, pg_is_wal_replay_paused()) or raise wait_replicas");
    }
    if (wait.on_progress) wait.on_progress(behind);
    // Polling is how pg_stat_replication is watched: the server has no notification for it.
    auto left = deadline - std::chrono::steady_clock::now();
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(wait.poll_interval, left));
  }
}

Status RefuseStandby(Driver& driver) {
  Result<bool> standby = driver.IsStandby();
  if (!standby.ok()) return standby.status();
  if (!*standby) return Status::Ok();
  return Status::Connection(
             "the server is a standby in recovery (read-only): migrations run on the primary; "
             "nothing was run")
      .WithHint(
          "point --url at the primary (libpq's target_session_attrs=read-write picks it "
          "from a list of hosts)");
}

}  // namespace strata
