// The backup step shared by `strata backup` and `strata upgrade --backup`.
#ifndef STRATA_CLI_BACKUP_RUN_H_
#define STRATA_CLI_BACKUP_RUN_H_

#include "cli/commands.h"
#include "strata/backup.h"

namespace strata::cli {

// Takes a backup with the configured backup_dir, retention and pg_dump_path, printing progress
// (text mode). Fails as TakeBackup.
Result<BackupResult> TakeConfiguredBackup(const Context& ctx, Driver& driver,
                                          const BackupCommandOptions& o);
// The "Backup written: ..." and retention lines, in text mode only.
void PrintBackupSummary(const Context& ctx, const BackupResult& result);

}  // namespace strata::cli

#endif  // STRATA_CLI_BACKUP_RUN_H_
