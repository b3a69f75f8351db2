// `strata import alembic`: an Alembic history converted into revision files (import.h, DESIGN
// §9), optionally replayed side by side with Alembic to prove the conversion (--verify).
#include "strata/import.h"

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/replay_progress.h"
#include "strata/script.h"
#include "strata/url.h"

namespace strata::cli {
namespace {

nlohmann::json ImportedJson(const ImportedRevision& r) {
  return {{"revision", r.id},
          {"message", r.message},
          {"alembic_path", r.alembic_path},
          {"path", r.path},
          {"unchanged", r.unchanged},
          {"transactional", r.transactional},
          {"downgrade", r.has_downgrade},
          {"warnings", r.warnings}};
}

nlohmann::json ImportVerifyJson(const ImportVerifyReport& r) {
  nlohmann::json differences = nlohmann::json::array();
  for (const ImportDifference& d : r.differences) {
    nlohmann::json objects = nlohmann::json::array();
    for (const ObjectDifference& o : d.differences) {
      objects.push_back(DifferenceJson(o, "alembic", "strata"));
    }
    differences.push_back({{"revision", d.revision},
                           {"direction", d.direction},
                           {"path", d.path},
                           {"message", d.message},
                           {"differences", objects}});
  }
  return {{"ok", r.differences.empty()},
          {"dialect", r.dialect},
          {"checked", r.checked},
          {"differences", differences},
          {"kept", r.kept}};
}

std::string VerifyText(const ImportVerifyReport& r) {
  std::string out;
  for (const ImportDifference& d : r.differences) {
    out += fmt::format("{}: {}\n", d.path, d.message);
    out += DifferenceLines(d.differences, kAlembicLabel, kStrataLabel);
  }
  for (const std::string& url : r.kept) out += fmt::format("Kept scratch database {}\n", url);
  if (r.differences.empty()) {
    out += fmt::format(
        "Verified: {} revision(s) upgraded and downgraded with Alembic and with strata on {}, "
        "the schemas the same after every step\n",
        r.checked.size(), r.dialect);
  }
  return out;
}

}  // namespace

Status RunImportAlembic(const Context& ctx, const ImportOptions& o) {
  std::string project = o.project.empty() ? "alembic.ini" : o.project;
  std::filesystem::path out = o.out.empty() ? ctx.settings().dir : o.out;
  if (!o.scratch_url.empty() && !o.verify && !o.verify_only) {
    return Status::Usage("--scratch-url only applies with --verify or --verify-only");
  }
  SqlDialect dialect = SqlDialect::kPostgres;
  std::string scratch_url = o.scratch_url;
  if (!o.dialect.empty()) {
    Result<SqlDialect> parsed = ParseSqlDialect(o.dialect);
    if (!parsed.ok()) return parsed.status();
    dialect = *parsed;
  } else if (!o.scratch_url.empty()) {
    dialect = SqlDialect::kPostgres;
  } else {
    Result<DatabaseUrl> url = ParseDatabaseUrl(ctx.settings().url);
    if (!url.ok()) return url.status();
    dialect = url->kind == DatabaseKind::kSqlite ? SqlDialect::kSqlite : SqlDialect::kPostgres;
  }

  if (dialect == SqlDialect::kSqlite && !o.scratch_url.empty()) {
    return Status::Usage(
               "--scratch-url names a PostgreSQL server; with --dialect sqlite the "
               "scratch databases are temporary files")
        .WithHint("leave --scratch-url out, or import for --dialect postgresql");
  }
  nlohmann::json doc = {{"command", "import alembic"}, {"project", project}, {"out", out.string()}};
  Status result = Status::Ok();
  std::string text;
  if (!o.verify_only) {
    AlembicImportOptions options;
    options.project = project;
    options.out = out;
    options.dialect = dialect;
    Result<ImportReport> report = ImportAlembic(options);
    if (!report.ok()) return report.status();
    nlohmann::json revisions = nlohmann::json::array();
    for (const ImportedRevision& r : report->revisions) {
      revisions.push_back(ImportedJson(r));
      text += fmt::format("{} {} -> {}{}\n", r.unchanged ? "Unchanged" : "Wrote", r.alembic_path,
                          r.path, r.warnings.empty() ? "" : "  (import-warning)");
    }
    doc["alembic"] = report->alembic_version;
    doc["dialect"] = report->dialect;
    doc["revisions"] = revisions;
    doc["warned"] = report->warned();
    text += fmt::format("{} revision(s) converted for {}; {} with incomplete SQL\n",
                        report->revisions.size(), report->dialect, report->warned());
    result = ImportStatus(*report);
  }
  if (o.verify || o.verify_only) {
    Result<RevisionGraph> graph = LoadScriptDirectory(out, ctx.settings().max_revision_size);
    if (!graph.ok()) return graph.status();
    ScratchOptions scratch = ScratchOptionsFor(ctx, scratch_url, o.keep);
    if (scratch_url.empty()) {
      // Without --scratch-url the scratch databases follow the dialect: temporary SQLite files,
      // or databases on the configured PostgreSQL server.
      Result<DatabaseUrl> url = ParseDatabaseUrl(ctx.settings().url);
      bool configured_pg = url.ok() && url->kind == DatabaseKind::kPostgres;
      if (dialect == SqlDialect::kPostgres && !configured_pg) {
        return Status::Usage("--verify for PostgreSQL needs a server to make scratch databases on")
            .WithHint(
                "pass --scratch-url postgresql://USER@HOST/DB (a role that may CREATE "
                "DATABASE), or --dialect sqlite");
      }
      if (dialect == SqlDialect::kSqlite) scratch.database_url = "sqlite:strata-import.db";
    }
    ReplayProgress progress(ctx);
    Result<ImportVerifyReport> verified = VerifyImport(project, *graph, scratch, &progress);
    if (!verified.ok()) return verified.status();
    doc["verify"] = ImportVerifyJson(*verified);
    text += VerifyText(*verified);
    if (result.ok()) result = ImportVerifyStatus(*verified);
  }
  if (ctx.json()) {
    doc["ok"] = result.ok();
    PrintJson(doc);
  } else if (!ctx.quiet() || !result.ok()) {
    Print(text);
  }
  return result;
}

}  // namespace strata::cli
