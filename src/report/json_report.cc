#include "strata/json_report.h"

#include "strata/replicas.h"

namespace strata {
namespace {

std::vector<std::string> ChildIds(const RevisionGraph& graph, const Revision& rev) {
  std::vector<std::string> ids;
  for (const Revision* c : graph.Children(rev.id)) ids.push_back(c->id);
  return ids;
}

nlohmann::json FindingJson(const VerifyFinding& f) {
  nlohmann::json differences = nlohmann::json::array();
  for (const ObjectDifference& d : f.differences) {
    differences.push_back(DifferenceJson(d, "first", "second"));
  }
  return {{"kind", VerifyFindingKindName(f.kind)},
          {"revision", f.revision.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.revision)},
          {"path", f.path},
          {"message", f.message},
          {"first", f.first_label},
          {"second", f.second_label},
          {"differences", differences}};
}

nlohmann::json LogJson(const LogEntry& e) {
  nlohmann::json j = {{"revision", e.revision},
                      {"direction", e.direction},
                      {"status", e.status},
                      {"started_at", e.started_at},
                      {"duration_ms", e.duration_ms},
                      {"applied_by", e.applied_by},
                      {"strata_version", e.strata_version}};
  if (!e.error.empty()) j["error"] = e.error;
  return j;
}

nlohmann::json DriftJson(const SchemaDrift& drift) {
  nlohmann::json recorded = nullptr;
  if (drift.recorded) {
    recorded = {{"revision", drift.recorded->revision},
                {"direction", drift.recorded->direction},
                {"started_at", drift.recorded->started_at},
                {"hash", drift.recorded->hash.empty() ? nlohmann::json(nullptr)
                                                      : nlohmann::json(drift.recorded->hash)}};
  }
  nlohmann::json j = {
      {"state", SchemaDriftStateName(drift.state)}, {"hash", drift.hash}, {"recorded", recorded}};
  if (!drift.error.empty()) j["error"] = drift.error;
  return j;
}

}  // namespace

nlohmann::json StandbysJson(const std::vector<StandbyState>& standbys) {
  nlohmann::json list = nlohmann::json::array();
  for (const StandbyState& s : standbys) {
    list.push_back(
        {{"name", s.name},
         {"client_addr", s.client_addr},
         {"state", s.state},
         {"replay_lsn",
          s.replay_lsn.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.replay_lsn)},
         {"replay_lag_bytes", s.behind_bytes},
         {"replay_lag_seconds",
          s.replay_lag_seconds ? nlohmann::json(*s.replay_lag_seconds) : nlohmann::json(nullptr)}});
  }
  return list;
}

nlohmann::json StatusJson(const DatabaseStatus& s, const std::string& redacted_url,
                          const char* dialect) {
  nlohmann::json pending = nlohmann::json::array();
  for (const Revision* r : s.pending) {
    pending.push_back({{"revision", r->id}, {"message", r->message}, {"path", r->path}});
  }
  nlohmann::json runs = nlohmann::json::array();
  for (const LogEntry& e : s.recent_runs) runs.push_back(LogJson(e));
  nlohmann::json changed = nlohmann::json::array();
  for (const ChangedRevision& c : s.changed) changed.push_back(ChangedRevisionJson(c));
  nlohmann::json failures = nlohmann::json::array();
  for (const LogEntry& e : s.unresolved_failures) failures.push_back(LogJson(e));
  return {{"database", redacted_url},
          {"dialect", dialect},
          {"current", s.current},
          {"unknown_revisions", s.unknown_heads},
          {"heads", s.heads},
          {"up_to_date", s.unknown_heads.empty() && s.pending.empty()},
          {"pending", pending},
          {"recent_runs", runs},
          {"database_size_bytes",
           s.database_size ? nlohmann::json(*s.database_size) : nlohmann::json(nullptr)},
          {"changed", changed},
          {"unresolved_failures", failures},
          {"schema", DriftJson(s.drift)},
          {"standbys", StandbysJson(s.standbys)}};
}

nlohmann::json RevisionJson(const RevisionGraph& graph, const Revision& rev, bool verbose,
                            const CurrentSet& current) {
  std::vector<std::string> children = ChildIds(graph, rev);
  nlohmann::json j = {
      {"revision", rev.id},
      {"parents", rev.parents},
      {"message", rev.message},
      {"head", children.empty()},
      {"branchpoint", children.size() > 1},
      {"mergepoint", rev.parents.size() > 1},
      {"branch_labels", rev.branch_labels},
      {"depends_on", rev.depends_on},
      {"path", rev.path},
  };
  if (!current.empty()) j["current"] = current.count(rev.id) > 0;
  if (verbose) {
    j["children"] = children;
    j["create_date"] = rev.create_date;
    j["explanation"] = rev.explanation;
    j["transactional"] = rev.transactional;
    j["has_downgrade"] = rev.downgrade.has_value();
  }
  return j;
}

nlohmann::json CurrentJson(const RevisionGraph& graph, const std::string& redacted_url,
                           const std::vector<std::string>& current, bool verbose) {
  nlohmann::json list = nlohmann::json::array();
  for (const std::string& id : current)
    list.push_back(RevisionJson(graph, *graph.Find(id), verbose));
  return {{"database", redacted_url}, {"current", list}};
}

nlohmann::json ChangedRevisionJson(const ChangedRevision& changed) {
  return {{"revision", changed.revision},
          {"path", changed.path},
          {"applied_at", changed.applied_at},
          {"applied_checksum", changed.applied_checksum},
          {"file_checksum", changed.file_checksum}};
}

nlohmann::json DifferenceJson(const ObjectDifference& d, const char* first_key,
                              const char* second_key) {
  auto side = [](const std::optional<std::string>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  return {
      {"kind", d.kind}, {"name", d.name}, {first_key, side(d.first)}, {second_key, side(d.second)}};
}

nlohmann::json StepJson(const Step& step, int64_t duration_ms) {
  return {{"revision", step.revision->id},
          {"direction", DirectionName(step.direction)},
          {"from", step.from_ids},
          {"to", step.to_ids},
          {"message", step.revision->message},
          {"duration_ms", duration_ms}};
}

nlohmann::json RunJson(const char* command, const std::string& target,
                       const std::string& redacted_url, const RunResult& result,
                       const nlohmann::json& steps) {
  nlohmann::json doc = {{"command", command},
                        {"target", target},
                        {"database", redacted_url},
                        {"heads_before", result.heads_before},
                        {"heads_after", result.heads_after},
                        {"steps", steps}};
  if (std::string_view(command) == "upgrade") {
    doc["accepted"] = nlohmann::json::array();
    for (const ChangedRevision& c : result.accepted)
      doc["accepted"].push_back(ChangedRevisionJson(c));
  }
  return doc;
}

nlohmann::json CheckJson(const RevisionGraph& graph, const std::string& redacted_url,
                         const std::vector<std::string>& current,
                         const std::vector<const Revision*>& pending) {
  nlohmann::json list = nlohmann::json::array();
  for (const Revision* r : pending) list.push_back(r->id);
  nlohmann::json heads = nlohmann::json::array();
  for (const Revision* h : graph.Heads()) heads.push_back(h->id);
  return {{"database", redacted_url},
          {"current", current},
          {"heads", heads},
          {"pending", list},
          {"up_to_date", pending.empty()}};
}

nlohmann::json VerifyJson(const VerifyReport& r, const std::string& range) {
  nlohmann::json findings = nlohmann::json::array();
  for (const VerifyFinding& f : r.findings) findings.push_back(FindingJson(f));
  return {{"command", "verify"},  {"ok", r.findings.empty()}, {"dialect", r.dialect},
          {"range", range},       {"checked", r.checked},     {"irreversible", r.irreversible},
          {"findings", findings}, {"stopped", r.stopped},     {"heads_hash", r.heads_hash},
          {"kept", r.kept}};
}

nlohmann::json BackupManifestJson(const BackupManifest& m) {
  return {{"name", m.name},
          {"path", m.path},
          {"format", m.format},
          {"dialect", m.dialect},
          {"database", m.database},
          {"created_at", m.created_at},
          {"heads", m.heads},
          {"server_version", m.server_version},
          {"pg_dump_version", m.pg_dump_version},
          {"size_bytes", m.size_bytes},
          {"sha256", m.sha256},
          {"duration_ms", m.duration_ms},
          {"strata_version", m.strata_version},
          {"table_rows", m.table_rows}};
}

nlohmann::json BackupResultJson(const BackupResult& r) {
  return {{"backup", BackupManifestJson(r.manifest)},
          {"removed", r.retention.removed},
          {"kept_for_revision", r.retention.kept_for_revision}};
}

}  // namespace strata
