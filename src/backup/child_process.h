// Running pg_dump, pg_restore and psql as child processes.
//
// The child gets this process's environment plus `env` (how a password reaches it: never
// argv), a umask of 077 (so what it writes is private from the first byte), and dies with us
// (PR_SET_PDEATHSIG), so a killed strata leaves no dump running. Thread-safe.
#ifndef STRATA_BACKUP_CHILD_PROCESS_H_
#define STRATA_BACKUP_CHILD_PROCESS_H_

#include <string>
#include <utility>
#include <vector>

#include "strata/status.h"

namespace strata::backup {

struct ChildResult {
  int exit_code = -1;  // 128 + signal when killed
  std::string output;  // stdout and stderr, interleaved, at most the last 64 KiB
};

// Runs argv[0] (a path) with argv and waits for it. kBackupFailed when it cannot be started.
Result<ChildResult> RunChild(const std::vector<std::string>& argv,
                             const std::vector<std::pair<std::string, std::string>>& env = {});

}  // namespace strata::backup

#endif  // STRATA_BACKUP_CHILD_PROCESS_H_
