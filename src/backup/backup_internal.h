// Helpers shared by the files of src/backup; not part of the public API.
#ifndef STRATA_BACKUP_BACKUP_INTERNAL_H_
#define STRATA_BACKUP_BACKUP_INTERNAL_H_

#include <nlohmann/json.hpp>
#include <string>

#include "strata/backup.h"

namespace strata {

nlohmann::json ManifestJson(const BackupManifest& m);
// sha256 of a file, or of a folder's files' relative names and digests; *size gets the bytes.
Result<std::string> BackupDigest(const std::string& path, int64_t* size);
// Writes m.manifest_path under a temporary name, renamed when complete, mode 0600.
Status WriteManifest(const BackupManifest& m);

namespace backup {
// SQLite's online backup API: copies the database `from` into `to` (created or replaced) in one
// step, so the copy is one consistent state even while others write. kBackupFailed naming both.
Status SqliteCopy(const std::string& from, const std::string& to);
}  // namespace backup

}  // namespace strata

#endif  // STRATA_BACKUP_BACKUP_INTERNAL_H_
