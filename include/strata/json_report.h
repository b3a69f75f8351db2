// The JSON documents commands report (`--format json`), built in one place so that the CLI and
// the Python module (which turns them into dicts) give the same fields.
//
// Pure functions of their arguments; thread-safe.
#ifndef STRATA_JSON_REPORT_H_
#define STRATA_JSON_REPORT_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "strata/backup.h"
#include "strata/graph.h"
#include "strata/inspect.h"
#include "strata/migrator.h"
#include "strata/plan.h"
#include "strata/revision.h"
#include "strata/snapshot.h"
#include "strata/verify.h"

namespace strata {

// Which revisions to mark "current": the database's heads, when known.
using CurrentSet = std::set<std::string>;

// revision, parents, message, head, branchpoint, mergepoint, branch_labels, depends_on, path
// (+ current when `current` is given; + children, create_date, explanation, transactional,
// has_downgrade when verbose).
nlohmann::json RevisionJson(const RevisionGraph& graph, const Revision& rev, bool verbose,
                            const CurrentSet& current = {});

// `current`: {"database", "current": [RevisionJson of each revision the database is at]}.
nlohmann::json CurrentJson(const RevisionGraph& graph, const std::string& redacted_url,
                           const std::vector<std::string>& current, bool verbose);

// An applied revision whose file changed (status) or was accepted as changed (upgrade
// --allow-changed): revision, path, applied_at, applied_checksum, file_checksum.
nlohmann::json ChangedRevisionJson(const ChangedRevision& changed);

// A schema difference: {"kind", "name", "<first_key>": definition or null, "<second_key>": ...}.
nlohmann::json DifferenceJson(const ObjectDifference& d, const char* first_key,
                              const char* second_key);

// One step run: revision, direction, from, to, message, duration_ms.
nlohmann::json StepJson(const Step& step, int64_t duration_ms);

// `upgrade`, `downgrade`, `stamp`: command, target, database (redacted), heads_before,
// heads_after, steps (StepJson each), and for upgrade accepted (ChangedRevisionJson each).
nlohmann::json RunJson(const char* command, const std::string& target,
                       const std::string& redacted_url, const RunResult& result,
                       const nlohmann::json& steps);

// `check`: database, current, heads, pending, up_to_date.
nlohmann::json CheckJson(const RevisionGraph& graph, const std::string& redacted_url,
                         const std::vector<std::string>& current,
                         const std::vector<const Revision*>& pending);

// `verify`: command, ok, dialect, range, checked, irreversible, findings, stopped, heads_hash,
// kept.
nlohmann::json VerifyJson(const VerifyReport& report, const std::string& range);

// `status`: database, dialect, current, unknown_revisions, heads, up_to_date, pending,
// recent_runs, database_size_bytes, changed, unresolved_failures, schema.
// Streaming standbys and their replay lag, as `status` reports them (empty without any).
nlohmann::json StandbysJson(const std::vector<StandbyState>& standbys);

nlohmann::json StatusJson(const DatabaseStatus& status, const std::string& redacted_url,
                          const char* dialect);

// A backup's manifest, as `backup list` shows each: name, path, format, dialect, database,
// created_at, heads, server_version, pg_dump_version, size_bytes, sha256, duration_ms,
// strata_version, table_rows.
nlohmann::json BackupManifestJson(const BackupManifest& m);

// `backup`, and `upgrade --backup`'s "backup": backup (the manifest), removed,
// kept_for_revision.
nlohmann::json BackupResultJson(const BackupResult& r);

}  // namespace strata

#endif  // STRATA_JSON_REPORT_H_
