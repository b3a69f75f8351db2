// `strata status`: where the database is and how it got there, in one screen (DESIGN §3).
// Exits 0 whenever the state could be read, whatever it is: `check` is the command that turns
// "pending" into an exit code, and a status that fails when things are wrong would hide them
// exactly when a person needs to look.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/format.h"
#include "strata/inspect.h"
#include "strata/replicas.h"

namespace strata::cli {
namespace {

std::string HumanSize(int64_t bytes) {
  if (bytes < 1024) return fmt::format("{} bytes", bytes);
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes) / 1024;
  int unit = 0;
  while (v >= 1024 && unit < 3) {
    v /= 1024;
    ++unit;
  }
  return fmt::format("{:.1f} {} ({} bytes)", v, kUnits[unit], bytes);
}

std::string IdsOrNone(const std::vector<std::string>& ids, const RevisionGraph& graph) {
  if (ids.empty()) return "<base>";
  std::string out;
  for (const std::string& id : ids) {
    out += (out.empty() ? "" : ", ") + id;
    if (graph.Find(id) != nullptr && graph.Children(id).empty()) out += " (head)";
  }
  return out;
}

std::string DriftText(const SchemaDrift& drift) {
  if (!drift.error.empty()) return fmt::format("Schema:   not checked: {}\n", drift.error);
  std::string step;
  if (drift.recorded) {
    step = fmt::format("{} {} at {}", drift.recorded->direction,
                       drift.recorded->revision.empty() ? "-" : drift.recorded->revision,
                       drift.recorded->started_at);
  }
  switch (drift.state) {
    case SchemaDrift::State::kUnchanged:
      return fmt::format("Schema:   unchanged since {} (sha256 {})\n", step,
                         drift.hash.substr(0, 12));
    case SchemaDrift::State::kDrifted:
      return fmt::format(
          "Schema:   DRIFTED: changed outside strata since {} (sha256 {} then, {} now);\n"
          "          `strata diff` names the objects\n",
          step, drift.recorded->hash.substr(0, 12), drift.hash.substr(0, 12));
    case SchemaDrift::State::kUnknown:
      break;
  }
  return fmt::format(
      "Schema:   drift not tracked yet: {}; strata records one with each run from now on "
      "(sha256 now {})\n",
      drift.recorded ? "the last step (" + step + ") recorded no schema hash (an older strata)"
                     : std::string("no step recorded a schema hash"),
      drift.hash.substr(0, 12));
}

// Only when the server has standbys: a line per standby with its replay lag.
std::string StandbysText(const std::vector<StandbyState>& standbys) {
  if (standbys.empty()) return "";
  std::string out =
      fmt::format("Standbys: {} streaming from this server, replay lag:\n", standbys.size());
  for (const StandbyState& s : standbys) {
    out += "  " +
           (ReplaysWal(s) ? StandbyLagText(s)
                          : s.name + " (" + s.client_addr + "): does not replay WAL") +
           "\n";
  }
  return out;
}

}  // namespace

Status RunStatus(const Context& ctx, const StatusOptions& o) {
  Result<RevisionGraph> graph = ctx.LoadGraph();
  if (!graph.ok()) return graph.status();
  Result<std::unique_ptr<Driver>> db = ctx.OpenDatabase();
  if (!db.ok()) return db.status();
  Result<DatabaseStatus> s = InspectDatabase(**db, *graph, o.runs);
  if (!s.ok()) return s.status();

  if (ctx.json()) {
    PrintJson(StatusJson(*s, ctx.redacted_url(), (*db)->dialect()));
    return Status::Ok();
  }

  std::string out = fmt::format("Database: {}\n", ctx.redacted_url());
  out += fmt::format("Current:  {}\n", IdsOrNone(s->current, *graph));
  out += fmt::format("Heads:    {}\n", IdsOrNone(s->heads, *graph));
  if (!s->unknown_heads.empty()) {
    out += "Unknown:  the version table names revision(s) no file defines: ";
    for (size_t i = 0; i < s->unknown_heads.size(); ++i) {
      out += (i ? ", " : "") + s->unknown_heads[i];
    }
    out += "\n          (check --dir; `strata stamp --purge REV` rewrites the version table)\n";
  } else if (s->pending.empty()) {
    out += "Pending:  none, the database is up to date\n";
  } else {
    out += fmt::format("Pending:  {} revision(s), `strata upgrade heads` applies them:\n",
                       s->pending.size());
    for (const Revision* r : s->pending) out += fmt::format("  {}, {}\n", r->id, r->message);
  }
  if (s->database_size) out += fmt::format("Size:     {}\n", HumanSize(*s->database_size));
  if (s->changed.empty()) {
    out += "Changed:  no applied revision's file changed since it ran\n";
  } else {
    out += fmt::format(
        "Changed:  {} applied revision(s) whose file changed since it ran "
        "(`upgrade` refuses until restored, or --allow-changed):\n",
        s->changed.size());
    for (const ChangedRevision& c : s->changed) {
      out +=
          fmt::format("  {} {} (applied {}, sha256 {} now {})\n", c.revision, c.path, c.applied_at,
                      c.applied_checksum.substr(0, 12), c.file_checksum.substr(0, 12));
    }
  }
  out += DriftText(s->drift);
  out += StandbysText(s->standbys);
  if (s->unresolved_failures.empty()) {
    out += "Failures: none unresolved\n";
  } else {
    out += fmt::format(
        "Failures: {} non-transactional step(s) failed part way and need a person "
        "(finish or undo by hand, then `strata stamp`):\n",
        s->unresolved_failures.size());
    for (const LogEntry& e : s->unresolved_failures) {
      out += fmt::format("  {} {} at {}: {}\n", e.direction, e.revision, e.started_at, e.error);
    }
  }
  if (s->recent_runs.empty()) {
    out += "Runs:     none recorded in strata_log\n";
  } else {
    out += fmt::format("Runs:     last {}, newest first:\n", s->recent_runs.size());
    for (const LogEntry& e : s->recent_runs) {
      out += fmt::format("  {}  {:<9} {:<12} {:>7} ms  {}{}\n", e.started_at, e.direction,
                         e.revision.empty() ? "-" : e.revision, e.duration_ms, e.applied_by,
                         e.status == "done" ? "" : "  [" + e.status + "]");
    }
  }
  Print(out);
  return Status::Ok();
}

}  // namespace strata::cli
