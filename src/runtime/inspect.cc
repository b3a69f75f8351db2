// inspect.h: read-only views of a database's migration state.
#include "strata/inspect.h"

#include <algorithm>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include "strata/plan.h"

namespace strata {

Result<std::vector<ChangedRevision>> ChangedRevisions(Driver& driver, const RevisionGraph& graph,
                                                      const std::vector<std::string>& current) {
  std::vector<ChangedRevision> changed;
  if (current.empty()) return changed;
  // The whole log, newest first: one query per run, and a log has one row per applied step.
  Result<std::vector<LogEntry>> log = driver.ReadLog(std::numeric_limits<int>::max());
  if (!log.ok()) return log.status();
  // Per revision, the newest row that fixes its checksum: a successful upgrade (which records
  // the section's checksum), an accept (a person took the edited file as it is; it records the
  // new checksum) or a stamp (a person declared the state; it carries none).
  std::map<std::string, const LogEntry*> newest;
  for (const LogEntry& e : *log) {
    if (e.status != "done" || e.revision.empty()) continue;
    if (e.direction != "upgrade" && e.direction != "accept" && e.direction != "stamp") continue;
    newest.emplace(e.revision, &e);  // first seen is newest
  }
  if (newest.empty()) return changed;
  std::vector<const Revision*> applied = graph.AncestorsOf(current);  // newest first
  for (auto it = applied.rbegin(); it != applied.rend(); ++it) {
    const Revision* rev = *it;
    auto found = newest.find(rev->id);
    if (found == newest.end()) continue;
    const LogEntry& e = *found->second;
    if (e.direction == "stamp" || e.checksum.empty()) continue;
    std::string now = SectionChecksum(rev->upgrade.sql);
    if (now == e.checksum) continue;
    changed.push_back({rev->id, rev->path, e.checksum, now, e.started_at});
  }
  return changed;
}

Status ChangedRevisionsError(const std::vector<ChangedRevision>& changed) {
  std::string list;
  for (const ChangedRevision& c : changed) {
    list += (list.empty() ? "" : "; ") + c.revision + " (" +
            (c.path.empty() ? std::string("no file") : c.path) + ", applied " + c.applied_at + ")";
  }
  std::string what = changed.size() == 1
                         ? "the file of applied revision " + list + " changed since it was applied"
                         : std::to_string(changed.size()) +
                               " applied revisions' files changed since they were applied: " + list;
  Status status = Status::InvalidScripts(what + "; nothing was run");
  if (changed.size() == 1) {
    status = std::move(status).WithRevision(changed.front().revision);
    if (!changed.front().path.empty())
      status = std::move(status).WithLocation(changed.front().path);
  }
  return std::move(status).WithHint(
      "an applied revision is not run again, so its edits never reach this database: restore "
      "the file as it was applied (e.g. `git log -p` on it) and put the change in a new revision, "
      "or, when the edit changes nothing that ran (a comment, formatting), run `strata upgrade "
      "--allow-changed` once: it records the files as they are now in strata_log and later runs "
      "compare against that; `strata status` lists the changed files");
}

const char* SchemaDriftStateName(SchemaDrift::State state) {
  switch (state) {
    case SchemaDrift::State::kUnchanged:
      return "unchanged";
    case SchemaDrift::State::kDrifted:
      return "drifted";
    case SchemaDrift::State::kUnknown:
      break;
  }
  return "unknown";
}

Result<SchemaDrift> CheckSchemaDrift(Driver& driver) {
  SchemaDrift drift;
  Result<std::optional<RecordedSchema>> recorded = driver.LastRecordedSchema();
  if (!recorded.ok()) return recorded.status();
  drift.recorded = std::move(recorded).value();
  Result<std::string> hash = driver.SchemaHash();
  if (!hash.ok()) return hash.status();
  drift.hash = std::move(hash).value();
  if (drift.recorded && !drift.recorded->hash.empty()) {
    drift.state = drift.recorded->hash == drift.hash ? SchemaDrift::State::kUnchanged
                                                     : SchemaDrift::State::kDrifted;
  }
  return drift;
}

Result<DatabaseStatus> InspectDatabase(Driver& driver, const RevisionGraph& graph, int runs) {
  DatabaseStatus s;
  Result<std::vector<std::string>> versions = driver.ReadVersions();
  if (!versions.ok()) return versions.status();
  s.current = std::move(versions).value();
  std::sort(s.current.begin(), s.current.end());
  for (const std::string& id : s.current) {
    if (graph.Find(id) == nullptr) s.unknown_heads.push_back(id);
  }
  for (const Revision* h : graph.Heads()) s.heads.push_back(h->id);
  if (s.unknown_heads.empty()) {
    Result<std::vector<const Revision*>> pending = PendingRevisions(graph, s.current);
    if (!pending.ok()) return pending.status();
    s.pending = std::move(pending).value();
    Result<std::vector<ChangedRevision>> changed = ChangedRevisions(driver, graph, s.current);
    if (!changed.ok()) return changed.status();
    s.changed = std::move(changed).value();
  }
  Result<std::vector<LogEntry>> log = driver.ReadLog(std::max(runs, 0));
  if (!log.ok()) return log.status();
  s.recent_runs = std::move(log).value();
  Result<std::optional<int64_t>> size = driver.DatabaseSize();
  if (!size.ok()) return size.status();
  s.database_size = *size;
  // Standbys and their replay lag behind the primary's WAL position now (none on SQLite, nor on
  // a server with none). A role that may not read pg_stat_replication's details still sees the
  // rows, with empty positions.
  Result<std::vector<StandbyState>> standbys = driver.Standbys("");
  if (!standbys.ok()) return standbys.status();
  s.standbys = std::move(standbys).value();
  Result<std::vector<LogEntry>> failures = driver.UnresolvedFailures();
  if (!failures.ok()) return failures.status();
  s.unresolved_failures = std::move(failures).value();
  // Drift is one line of status among many: a schema that cannot be read (an unsupported server
  // version, a catalog the role may not see) is reported there rather than failing the rest.
  Result<SchemaDrift> drift = CheckSchemaDrift(driver);
  if (drift.ok()) {
    s.drift = std::move(drift).value();
  } else if (drift.status().kind() == ErrorKind::kConnection) {
    return drift.status();
  } else {
    s.drift.error = drift.status().message();
  }
  return s;
}

}  // namespace strata
