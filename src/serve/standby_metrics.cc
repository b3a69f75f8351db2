// Standby replay lag on /metrics (serve.h's StandbyMetrics).
#include <string>
#include <vector>

#include "strata/replicas.h"
#include "strata/serve.h"

namespace strata {

std::vector<MetricFamily> StandbyMetrics(const std::vector<StandbyState>& standbys) {
  MetricFamily count{
      "strata_standbys", "Standbys streaming from this server that replay WAL", "gauge", {}};
  MetricFamily bytes{"strata_standby_replay_lag_bytes",
                     "WAL bytes a standby has not replayed yet (pg_stat_replication)",
                     "gauge",
                     {}};
  MetricFamily seconds{"strata_standby_replay_lag_seconds",
                       "A standby's replay lag as the server measures it (replay_lag)",
                       "gauge",
                       {}};
  double replaying = 0;
  for (const StandbyState& s : standbys) {
    if (!ReplaysWal(s)) continue;
    ++replaying;
    std::string labels = "standby=\"" + EscapeLabelValue(s.name) + "\",client_addr=\"" +
                         EscapeLabelValue(s.client_addr) + "\"";
    bytes.samples.push_back({labels, static_cast<double>(s.behind_bytes)});
    if (s.replay_lag_seconds) seconds.samples.push_back({labels, *s.replay_lag_seconds});
  }
  count.samples.push_back({"", replaying});
  std::vector<MetricFamily> out{count};
  if (!bytes.samples.empty()) out.push_back(bytes);
  if (!seconds.samples.empty()) out.push_back(seconds);
  return out;
}

}  // namespace strata
