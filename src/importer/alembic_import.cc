// ImportAlembic (import.h): the bridge's description of the project turned into revision files.
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "importer/alembic_bridge.h"
#include "script/synced_file.h"
#include "strata/import.h"
#include "strata/revision.h"
#include "strata/script.h"

namespace strata {
namespace fs = std::filesystem;
namespace {

std::vector<std::string> Strings(const nlohmann::json& value) {
  std::vector<std::string> out;
  if (value.is_array()) {
    for (const auto& v : value) out.push_back(v.get<std::string>());
  }
  return out;
}

std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

// The section's SQL with one import-warning line per finding first.
std::string WithWarnings(const std::vector<std::string>& warnings, const std::string& sql) {
  std::string out;
  for (const std::string& w : warnings) out += fmt::format("{}: {}\n", kImportWarningMarker, w);
  if (!out.empty() && !sql.empty()) out += '\n';
  return out + sql;
}

Result<nlohmann::json> ReadProject(const AlembicImportOptions& options) {
  const char* dialect = options.dialect == SqlDialect::kSqlite ? "sqlite" : "postgresql";
  Result<std::unique_ptr<ChildProcess>> child =
      StartAlembicBridge({"read", options.project, dialect}, {});
  if (!child.ok()) return child.status();
  Result<std::pair<std::string, int>> done = (*child)->Finish();
  if (!done.ok()) return done.status();
  const auto& [out, code] = *done;
  // The document is the last line (env.py may print to stdout before it).
  std::string_view text = out;
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  size_t nl = text.rfind('\n');
  std::string_view last = nl == std::string_view::npos ? text : text.substr(nl + 1);
  nlohmann::json doc = nlohmann::json::parse(last, nullptr, /*allow_exceptions=*/false);
  if (doc.is_object() && doc.contains("error")) {
    return Status::InvalidScripts(doc["error"].get<std::string>())
        .WithLocation(options.project)
        .WithHint("fix the Alembic project so that `alembic history` works, then import again");
  }
  if (code != 0 || !doc.is_object() || !doc.contains("revisions")) {
    std::string tail = BridgeStderrTail(**child);
    return Status::Usage(fmt::format("the Alembic bridge ({}) failed with status {}{}",
                                     AlembicPython(), code, tail.empty() ? "" : ": " + tail))
        .WithHint(
            "check that `/usr/bin/python3 -c 'import alembic'` works (Debian: apt-get install "
            "python3-alembic), or set STRATA_ALEMBIC_PYTHON");
  }
  return doc;
}

Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidScripts("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

size_t ImportReport::warned() const {
  size_t n = 0;
  for (const ImportedRevision& r : revisions) n += r.warnings.empty() ? 0 : 1;
  return n;
}

Result<ImportReport> ImportAlembic(const AlembicImportOptions& options) {
  Result<nlohmann::json> doc = ReadProject(options);
  if (!doc.ok()) return doc.status();
  ImportReport report;
  report.alembic_version = doc->value("alembic", "");
  report.dialect = options.dialect == SqlDialect::kSqlite ? "sqlite" : "postgresql";

  std::vector<Revision> revisions;
  std::vector<std::string> texts;
  std::vector<Status> problems;
  try {
    for (const nlohmann::json& r : (*doc)["revisions"]) {
      Revision rev;
      ImportedRevision imported;
      rev.id = r.at("revision").get<std::string>();
      imported.id = rev.id;
      imported.alembic_path = r.value("path", "");
      if (!IsValidRevisionId(rev.id)) {
        problems.push_back(
            Status::InvalidScripts(
                fmt::format("Alembic revision id '{}' is not a strata revision id "
                            "(1-32 characters of [0-9A-Za-z_])",
                            rev.id))
                .WithLocation(imported.alembic_path)
                .WithHint("give the revision a valid id in Alembic (and in its database's "
                          "alembic_version) first"));
        continue;
      }
      rev.parents = Strings(r["parents"]);
      rev.branch_labels = Strings(r["branch_labels"]);
      rev.depends_on = Strings(r["depends_on"]);
      rev.message = OneLine(r.value("message", ""));
      rev.create_date = OneLine(r.value("create_date", ""));
      rev.explanation = r.value("explanation", "");
      rev.transactional =
          r.value("upgrade_transactional", true) && r.value("downgrade_transactional", true);
      std::vector<std::string> up_warnings, down_warnings;
      for (const std::string& w : Strings(r["upgrade_warnings"])) {
        up_warnings.push_back(OneLine(w));
        imported.warnings.push_back("upgrade: " + OneLine(w));
      }
      for (const std::string& w : Strings(r["downgrade_warnings"])) {
        down_warnings.push_back(OneLine(w));
        imported.warnings.push_back("downgrade: " + OneLine(w));
      }
      rev.upgrade.sql = WithWarnings(up_warnings, r.value("upgrade_sql", ""));
      if (r.contains("downgrade_sql") && r["downgrade_sql"].is_string()) {
        rev.downgrade = SqlSection{WithWarnings(down_warnings, r["downgrade_sql"]), 0};
      } else {
        imported.has_downgrade = false;
      }
      imported.message = rev.message;
      imported.transactional = rev.transactional;
      std::string slug = Slugify(rev.message);
      imported.path =
          (options.out / (slug.empty() ? rev.id + ".sql" : rev.id + "_" + slug + ".sql")).string();
      texts.push_back(RenderRevisionFile(rev));
      revisions.push_back(std::move(rev));
      report.revisions.push_back(std::move(imported));
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Usage(fmt::format("unexpected answer from the Alembic bridge: {}", e.what()));
  }
  if (!problems.empty()) return Combine(problems);
  // The same checks strata makes when it loads the folder (unknown parents, labels, cycles).
  Result<RevisionGraph> graph = RevisionGraph::Build(revisions);
  if (!graph.ok()) {
    return Status(graph.status())
        .WithHint("the Alembic history cannot be expressed as strata revisions as it is");
  }

  // Nothing is written unless every file can be: a file already there must be the same.
  for (size_t i = 0; i < report.revisions.size(); ++i) {
    ImportedRevision& imported = report.revisions[i];
    std::error_code ec;
    if (!fs::exists(imported.path, ec)) continue;
    Result<std::string> existing = ReadFile(imported.path);
    if (existing.ok() && *existing == texts[i]) {
      imported.unchanged = true;
      continue;
    }
    problems.push_back(
        Status::InvalidScripts(fmt::format("{} exists and differs from the conversion of {}",
                                           imported.path, imported.id))
            .WithRevision(imported.id)
            .WithHint("remove it (or import into another --out); to compare a hand-edited "
                      "conversion with Alembic, use --verify-only"));
  }
  if (!problems.empty()) return Combine(problems);

  std::error_code ec;
  fs::create_directories(options.out, ec);
  if (ec) {
    return Status::InvalidScripts(
        fmt::format("cannot create {}: {}", options.out.string(), ec.message()));
  }
  // Temporary files first, then renames: an error leaves no revision half-written.
  std::vector<std::pair<fs::path, fs::path>> moves;
  auto cleanup = [&] {
    for (const auto& [tmp, target] : moves) fs::remove(tmp, ec);
  };
  for (size_t i = 0; i < report.revisions.size(); ++i) {
    if (report.revisions[i].unchanged) continue;
    fs::path target = report.revisions[i].path;
    fs::path tmp = options.out / fmt::format(".{}.sql.tmp{}", report.revisions[i].id, ::getpid());
    moves.emplace_back(tmp, target);
    if (std::optional<WriteFailure> f = WriteSyncedFile(tmp, texts[i], /*exclusive=*/false)) {
      cleanup();
      return Status::InvalidScripts(
          fmt::format("cannot {} {}: {}", f->step, tmp.string(), std::strerror(f->error)));
    }
  }
  for (const auto& [tmp, target] : moves) {
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
      Status failed = Status::InvalidScripts(
          fmt::format("cannot write {}: {}", target.string(), std::strerror(errno)));
      cleanup();
      return failed;
    }
  }
  return report;
}

Status ImportStatus(const ImportReport& report) {
  if (report.warned() == 0) return Status::Ok();
  std::string message = fmt::format(
      "{} revision(s) converted with incomplete SQL ({} lines in the files):", report.warned(),
      kImportWarningMarker);
  for (const ImportedRevision& r : report.revisions) {
    for (const std::string& w : r.warnings) {
      message += fmt::format("\n  {} ({}): {}", r.id, r.path, w);
    }
  }
  return Status::Pending(std::move(message))
      .WithHint(
          "write the missing SQL into each marked section by hand (then remove the marker), and "
          "check the result with `strata import alembic --verify-only`");
}

}  // namespace strata
