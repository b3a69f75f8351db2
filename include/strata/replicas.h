// Standbys that keep up (DESIGN §10): after a migration commits on a primary, wait until every
// streaming standby has replayed it, so an application reading from a standby never sees the old
// schema after `upgrade` returned. Built on pg_stat_replication; drivers without replication
// (SQLite) report no standbys and the wait returns at once.
//
// Not thread-safe (uses the caller's Driver), except that `interrupted` may be set from any
// thread or a signal handler.
#ifndef STRATA_REPLICAS_H_
#define STRATA_REPLICAS_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "strata/driver.h"
#include "strata/status.h"

namespace strata {

// Whether a standby counts for the wait: it replays WAL (pg_basebackup's and pg_receivewal's
// WAL senders have no replay position and are not waited for).
bool ReplaysWal(const StandbyState& standby);

// "name (127.0.0.1): 1234 bytes behind, replay lag 0.8 s" for progress lines and errors.
std::string StandbyLagText(const StandbyState& standby);

struct ReplicaWait {
  std::chrono::milliseconds timeout{0};
  // How often pg_stat_replication is read again.
  std::chrono::milliseconds poll_interval{100};
  // Called after each read with the standbys still behind (never empty): the CLI prints it.
  std::function<void(const std::vector<StandbyState>& behind)> on_progress;
  // Set (from another thread or a signal handler) to stop waiting; the wait then fails with
  // kReplicaLag like a timeout.
  const std::atomic<bool>* interrupted = nullptr;
};

// Waits until every standby that replays WAL has replayed `lsn` (Driver::CurrentWalLsn taken
// after the migration's last commit). Ok at once when there are none. kReplicaLag (exit 8) when
// `wait.timeout` runs out, naming each standby that lags and by how much, and saying that the
// migration itself is committed; fails as Driver::Standbys when pg_stat_replication cannot be
// read.
Status WaitForStandbys(Driver& driver, const std::string& lsn, const ReplicaWait& wait);

// The check `upgrade`, `downgrade` and `stamp` make before anything runs: kConnection naming the
// URL when the server is a standby in recovery (read-only), with the way out.
Status RefuseStandby(Driver& driver);

}  // namespace strata

#endif  // STRATA_REPLICAS_H_
