// Finding PostgreSQL's client programs (pg_dump, pg_restore, psql) that fit a server.
//
// An older pg_dump aborts against a newer server, so the tool's major version must be at least
// the server's, and the user must learn that before a migration, not after. Pure apart from
// running `<tool> --version`; thread-safe.
#ifndef STRATA_BACKUP_PG_TOOLS_H_
#define STRATA_BACKUP_PG_TOOLS_H_

#include <string>

#include "strata/driver.h"
#include "strata/status.h"

namespace strata::backup {

struct PgTool {
  std::string path;
  std::string version;  // "15.4"
  int major = 0;
};

// "pg_dump (PostgreSQL) 15.4 (Debian 15.4-1.pgdg120+1)" -> "15.4"; empty when unrecognised.
std::string ParseToolVersion(const std::string& output);
// "15.4" -> 15, "9.6.24" -> 9; 0 when unrecognised.
int MajorVersion(const std::string& version);

// `tool` ("pg_dump", "pg_restore", "psql") whose major version is at least `server_major`.
// With `configured` (strata.toml's pg_dump_path: the pg_dump itself or its folder) only that
// folder is used: a path someone chose is not quietly replaced. Otherwise the newest fitting
// /usr/lib/postgresql/<major>/bin, then PATH. kBackupFailed naming what was found and the
// package to install when none fits.
Result<PgTool> FindPgTool(const std::string& tool, int server_major, const std::string& configured);

}  // namespace strata::backup

#endif  // STRATA_BACKUP_PG_TOOLS_H_
