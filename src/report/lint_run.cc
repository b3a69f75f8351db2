// LintFiles (lint_run.h): what `strata lint` and strata.lint() lint, with which rules, and which
// revisions are pending in the database.
#include "strata/lint_run.h"

#include <fmt/format.h>

#include <filesystem>
#include <map>

#include "driver/server_version.h"
#include "strata/migrator.h"
#include "strata/plan.h"
#include "strata/script.h"
#include "strata/snapshot.h"
#include "strata/url.h"

namespace strata {
namespace {
namespace fs = std::filesystem;

// Revisions linted together, oldest first, sharing one history model.
struct Unit {
  const RevisionGraph* graph = nullptr;  // null for loose files that do not form a graph
  std::vector<const Revision*> order;
  std::optional<std::set<std::string>> selected;  // nullopt = report every revision
  bool bodies_dropped = false;  // a folder's graph, loaded without its SQL: read each again
};

// Reads a revision of a folder loaded without its SQL again, as the linter reaches it (so that
// the folder's SQL is not all in memory at once); refuses a file that no longer holds it.
RevisionReader ReadAgain(uint64_t max_revision_size) {
  return [max_revision_size](const Revision& r) -> Result<Revision> {
    Result<Revision> again = ReadRevisionFile(r.path, max_revision_size);
    if (again.ok() && again->id != r.id) {
      return Status::InvalidScripts(
                 fmt::format("{} changed while it was linted: its Revision ID is now {}", r.path,
                             again->id))
          .WithLocation(r.path);
    }
    return again;
  };
}

std::string Canonical(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(p, ec);
  return ec ? p.lexically_normal().string() : c.string();
}

// The database named with --url, when lint is asked to read it: one connection for the whole
// run. `driver` is null when not asked, and for a SQLite file that does not exist yet (lint
// creates no database; one that does not exist is at base).
struct LintDatabase {
  bool asked = false;
  std::unique_ptr<Driver> driver;
};

Result<LintDatabase> OpenLintDatabase(const LintRequest& o, const DatabaseUrl& url) {
  LintDatabase db;
  db.asked = o.use_database;
  if (!db.asked) return db;
  bool missing_sqlite_file = url.kind == DatabaseKind::kSqlite && url.sqlite_path != ":memory:" &&
                             !fs::exists(url.sqlite_path);
  if (missing_sqlite_file) return db;
  Result<std::unique_ptr<Driver>> driver = OpenDriver(url, o.driver);
  if (!driver.ok()) return driver.status();
  db.driver = std::move(driver).value();
  return db;
}

// The revisions not yet applied to the database, per graph. nullopt when no URL was given on
// the command line: lint does not connect to a database by itself.
Result<std::optional<std::set<std::string>>> PendingIds(const LintDatabase& db,
                                                        const RevisionGraph& graph) {
  if (!db.asked) return std::optional<std::set<std::string>>();
  std::vector<std::string> current;
  if (db.driver != nullptr) {
    Migrator migrator(*db.driver, graph, nullptr);
    Result<std::vector<std::string>> heads = migrator.Current();
    if (!heads.ok()) return heads.status();
    current = *heads;
  }
  Result<std::vector<const Revision*>> pending = PendingRevisions(graph, current);
  if (!pending.ok()) return pending.status();
  std::set<std::string> ids;
  for (const Revision* r : *pending) ids.insert(r->id);
  return std::optional<std::set<std::string>>(std::move(ids));
}

// The live catalog's column and function definitions, for the history model (LintConfig::catalog),
// when the database to look at is PostgreSQL. Empty otherwise.
Result<std::vector<std::string>> LiveCatalog(const LintDatabase& db, const DatabaseUrl& url) {
  std::vector<std::string> out;
  if (db.driver == nullptr || url.kind != DatabaseKind::kPostgres) return out;
  Result<SchemaSnapshot> snapshot = db.driver->Snapshot();
  if (!snapshot.ok()) return snapshot.status();
  for (SchemaObject& o2 : snapshot->objects) {
    if (o2.kind == "column" || o2.kind == "function") out.push_back(std::move(o2.definition));
  }
  return out;
}

// What the PostgreSQL server named with --url says about the sessions a migration will run in:
// its major version (when --pg-version does not say) and whether a statement_timeout is already
// in force for them (set on the role, the database, the server or in the URL's options).
struct ServerFacts {
  int major = 0;
  bool statement_timeout = false;
};

Result<ServerFacts> ReadServerFacts(const LintDatabase& db, const DatabaseUrl& url,
                                    bool need_version) {
  ServerFacts facts;
  if (db.driver == nullptr || url.kind != DatabaseKind::kPostgres) return facts;
  if (need_version) {
    Result<ServerVersion> version = ReadServerVersion(*db.driver);
    if (!version.ok()) return version.status();
    facts.major = version->major;
  }
  Result<Driver::Rows> rows =
      db.driver->Query("SELECT current_setting('statement_timeout') <> '0'");
  if (!rows.ok()) return rows.status();
  facts.statement_timeout =
      !rows->empty() && !rows->front().empty() && rows->front()[0] && *rows->front()[0] == "t";
  return facts;
}

nlohmann::json FindingJson(const LintFinding& f) {
  return {{"rule", f.rule},
          {"severity", LintSeverityName(f.severity)},
          {"file", f.file},
          {"line", f.line},
          {"revision", f.revision},
          {"section", f.section},
          {"detail", f.detail},
          {"risk", f.risk},
          {"safe_pattern", f.safe_pattern}};
}
}  // namespace

Result<LintRun> LintFiles(const LintRequest& o) {
  const Settings& settings = o.settings;
  Result<DatabaseUrl> url = ParseDatabaseUrl(settings.url);
  if (!url.ok()) return url.status();
  LintConfig config;
  config.statement_lock_timeout_set = settings.statement_lock_timeout.count() > 0;
  config.statement_timeout_set = settings.statement_timeout.count() > 0;
  config.allow = settings.lint_allow;
  config.enable = settings.lint_enable;
  for (const std::string& id : config.allow) {
    if (FindLintRule(id) == nullptr) {
      return Status::InvalidScripts(fmt::format("[lint] allow names an unknown rule '{}'", id))
          .WithLocation(settings.config_file)
          .WithHint("docs/lint.md lists the rule ids");
    }
  }
  for (const std::string& id : config.enable) {
    const LintRule* rule = FindLintRule(id);
    if (rule == nullptr || !rule->opt_in) {
      return Status::InvalidScripts(
                 fmt::format("[lint] enable names '{}', which is not an opt-in rule", id))
          .WithLocation(settings.config_file)
          .WithHint("docs/lint.md lists the opt-in rules (require-table-schema)");
    }
  }

  // What to lint. Graphs and loose revisions live here for the whole run.
  std::vector<std::unique_ptr<RevisionGraph>> graphs;
  std::vector<Revision> loose;
  std::vector<Unit> units;
  std::vector<Status> problems;

  if (o.paths.empty()) {
    Result<RevisionGraph> graph =
        LoadScriptDirectory(settings.dir, settings.max_revision_size, SqlBodies::kDrop);
    if (!graph.ok()) return graph.status();
    graphs.push_back(std::make_unique<RevisionGraph>(std::move(graph).value()));
  }
  std::vector<fs::path> files;
  for (const std::string& p : o.paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      Result<RevisionGraph> graph =
          LoadScriptDirectory(p, settings.max_revision_size, SqlBodies::kDrop);
      if (!graph.ok()) {
        problems.push_back(graph.status());
        continue;
      }
      graphs.push_back(std::make_unique<RevisionGraph>(std::move(graph).value()));
    } else if (fs::is_regular_file(p, ec)) {
      files.emplace_back(p);
    } else {
      problems.push_back(
          Status::InvalidScripts(fmt::format("cannot read {}: no such file or folder", p))
              .WithLocation(p));
    }
  }
  for (const auto& g : graphs) units.push_back({g.get(), UpgradeOrder(*g), std::nullopt, true});

  if (!files.empty()) {
    // Files of the migrations folder are linted with its whole history, reporting only on them.
    std::error_code ec;
    std::string dir = Canonical(settings.dir);
    bool any_in_dir = false;
    for (const fs::path& f : files) any_in_dir |= Canonical(f.parent_path()) == dir;
    std::map<std::string, const Revision*> by_path;
    if (any_in_dir) {
      Result<RevisionGraph> graph =
          LoadScriptDirectory(settings.dir, settings.max_revision_size, SqlBodies::kDrop);
      if (!graph.ok()) return graph.status();
      graphs.push_back(std::make_unique<RevisionGraph>(std::move(graph).value()));
      for (const Revision* r : graphs.back()->NewestFirst()) by_path[Canonical(r->path)] = r;
    }
    Unit in_dir{any_in_dir ? graphs.back().get() : nullptr, {}, std::set<std::string>(), true};
    for (const fs::path& f : files) {
      auto it = by_path.find(Canonical(f));
      if (it != by_path.end()) {
        in_dir.selected->insert(it->second->id);
        continue;
      }
      Result<Revision> rev = ReadRevisionFile(f, settings.max_revision_size);
      if (!rev.ok()) {
        problems.push_back(rev.status());
        continue;
      }
      loose.push_back(std::move(rev).value());
    }
    if (in_dir.graph != nullptr) {
      in_dir.order = UpgradeOrder(*in_dir.graph);
      units.push_back(std::move(in_dir));
    }
    if (!loose.empty()) {
      // Loose files that form a graph by themselves are linted in upgrade order; otherwise
      // (e.g. one file whose parent is elsewhere) in the order given.
      Result<RevisionGraph> graph = RevisionGraph::Build(loose);
      Unit u;
      if (graph.ok()) {
        graphs.push_back(std::make_unique<RevisionGraph>(std::move(graph).value()));
        u.graph = graphs.back().get();
        u.order = UpgradeOrder(*u.graph);
      } else {
        for (const Revision& r : loose) u.order.push_back(&r);
      }
      units.push_back(std::move(u));
    }
  }
  if (!problems.empty()) return Combine(problems);

  // The rules: as --dialect says; else as a configured URL says; else as the files say (the
  // default URL is SQLite, but that says nothing about what a history was written for).
  std::string dialect_reason;
  if (!o.dialect.empty()) {
    config.dialect = o.dialect == "sqlite" ? LintDialect::kSqlite : LintDialect::kPostgres;
    dialect_reason = "--dialect";
  } else if (settings.url_source != "default") {
    config.dialect =
        url->kind == DatabaseKind::kPostgres ? LintDialect::kPostgres : LintDialect::kSqlite;
    dialect_reason = fmt::format("the database URL from {} is {}", settings.url_source,
                                 url->kind == DatabaseKind::kPostgres ? "PostgreSQL" : "SQLite");
  } else {
    std::vector<const Revision*> every;
    for (const Unit& u : units) every.insert(every.end(), u.order.begin(), u.order.end());
    LintDialectGuess guess = GuessLintDialect(every, ReadAgain(settings.max_revision_size));
    config.dialect = guess.dialect;
    dialect_reason = std::move(guess.reason);
  }

  Result<LintDatabase> db = OpenLintDatabase(o, *url);
  if (!db.ok()) return db.status();
  Result<std::vector<std::string>> catalog = LiveCatalog(*db, *url);
  if (!catalog.ok()) return catalog.status();
  config.catalog = std::move(catalog).value();
  Result<ServerFacts> server = ReadServerFacts(*db, *url, o.pg_version == 0);
  if (!server.ok()) return server.status();
  LintPgVersion version = ChooseLintPgVersion(o.pg_version, server->major);
  config.pg_version = version.major;
  config.statement_timeout_set |= server->statement_timeout;

  LintReport all;
  bool from_database = false;
  for (const Unit& u : units) {
    LintConfig unit_config = config;
    if (u.graph != nullptr) {
      Result<std::optional<std::set<std::string>>> pending = PendingIds(*db, *u.graph);
      if (!pending.ok()) return pending.status();
      unit_config.pending = *pending;
      from_database |= pending->has_value();
    }
    LintReport r =
        LintRevisions(u.order, unit_config, u.selected ? &*u.selected : nullptr,
                      u.bodies_dropped ? ReadAgain(settings.max_revision_size) : nullptr);
    all.findings.insert(all.findings.end(), r.findings.begin(), r.findings.end());
    all.notes.insert(all.notes.end(), r.notes.begin(), r.notes.end());
    all.skipped_rules = r.skipped_rules;
    all.revisions += r.revisions;
    all.statements += r.statements;
    all.not_checked += r.not_checked;
    all.silenced += r.silenced;
  }
  if (units.empty()) {
    all.skipped_rules = LintRevisions({}, config).skipped_rules;
  }

  LintRun run;
  run.report = std::move(all);
  run.dialect = config.dialect == LintDialect::kPostgres ? "postgresql" : "sqlite";
  run.dialect_reason = std::move(dialect_reason);
  run.from_database = from_database;
  run.pg_version = version.major;
  run.pg_version_source = std::move(version.source);
  return run;
}

LintPgVersion ChooseLintPgVersion(int requested, int server) {
  if (requested > 0) return {requested, "--pg-version"};
  if (server > 0) return {server, "the server's version"};
  return {};
}

nlohmann::json LintJson(const LintRun& run) {
  const LintReport& all = run.report;
  nlohmann::json findings = nlohmann::json::array();
  for (const LintFinding& f : all.findings) findings.push_back(FindingJson(f));
  nlohmann::json notes = nlohmann::json::array();
  for (const LintNote& n : all.notes) {
    notes.push_back(
        {{"file", n.file}, {"line", n.line}, {"revision", n.revision}, {"message", n.message}});
  }
  return {{"findings", findings},
          {"notes", notes},
          {"skipped_rules", all.skipped_rules},
          {"summary",
           {{"errors", all.errors()},
            {"warnings", all.warnings()},
            {"silenced", all.silenced},
            {"revisions", all.revisions},
            {"statements", all.statements},
            {"not_checked", all.not_checked},
            {"dialect", run.dialect},
            {"dialect_reason", run.dialect_reason},
            {"pg_version", run.pg_version > 0 ? nlohmann::json(run.pg_version) : nlohmann::json()},
            {"pg_version_source", run.pg_version_source},
            {"history", run.from_database ? "database" : "files"}}}};
}

Status LintStatus(const LintRun& run) {
  int errors = run.report.errors();
  if (errors == 0) return Status::Ok();
  return Status::Pending(fmt::format("lint found {} error{}", errors, errors == 1 ? "" : "s"))
      .WithHint(
          "fix them, or silence a deliberate one with `-- strata:allow RULE` on the line before "
          "the statement");
}

}  // namespace strata
