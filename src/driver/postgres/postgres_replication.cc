// PostgresDriver's replication queries (driver.h, replicas.h): pg_is_in_recovery, the WAL
// insert position and pg_stat_replication.
#include <libpq-fe.h>

#include <string>
#include <vector>

#include "driver/postgres/pg_handles.h"
#include "driver/postgres/postgres_driver.h"

namespace strata::pg {
namespace {}  // namespace

Result<bool> PostgresDriver::IsStandby() {
  auto r = session_->Exec("asking whether the server is a standby", "SELECT pg_is_in_recovery()");
  if (!r.ok()) return r.status();
  return CellText(r->get(), 0, 0) == "t";
}

Result<std::string> PostgresDriver::CurrentWalLsn() {
  // The insert position, not the flushed one: with synchronous_commit = off the commit record
  // may not be flushed yet, and a standby must replay up to its end all the same.
  auto r = session_->Exec("reading the WAL position", "SELECT pg_current_wal_insert_lsn()::text");
  if (!r.ok()) return r.status();
  return CellText(r->get(), 0, 0);
}

Result<std::vector<StandbyState>> PostgresDriver::Standbys(const std::string& lsn) {
  // Every WAL sender's client; the ones that do not replay (pg_basebackup, pg_receivewal) have no
  // replay_lsn and are listed with an empty one. behind_bytes is clamped at 0: a standby may be
  // ahead of the LSN asked about (later commits by others).
  auto r = session_->Exec(
      "reading pg_stat_replication",
      "SELECT coalesce(application_name, ''), coalesce(host(client_addr), 'local'), "
      "coalesce(state, ''), coalesce(replay_lsn::text, ''), "
      "CASE WHEN replay_lsn IS NULL THEN 0 ELSE greatest(0, pg_wal_lsn_diff("
      "coalesce(nullif($1, '')::pg_lsn, pg_current_wal_insert_lsn()), replay_lsn))::bigint END, "
      "extract(epoch FROM replay_lag)::float8 "
      "FROM pg_stat_replication ORDER BY application_name, pid",
      {lsn});
  if (!r.ok()) return r.status();
  std::vector<StandbyState> out;
  const PGresult* res = r->get();
  for (int i = 0; i < PQntuples(res); ++i) {
    StandbyState s;
    s.name = CellText(res, i, 0);
    s.client_addr = CellText(res, i, 1);
    s.state = CellText(res, i, 2);
    s.replay_lsn = CellText(res, i, 3);
    s.behind_bytes = std::stoll(CellText(res, i, 4));
    if (!PQgetisnull(res, i, 5)) s.replay_lag_seconds = std::stod(CellText(res, i, 5));
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace strata::pg
