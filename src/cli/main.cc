// strata's command line: binds options into each command's options struct (this file and
// cli_docs/cli_model, which read the definition back for the man page and completion, are the
// only ones that include CLI11), resolves settings, runs the command and turns its Status into an
// exit code (DESIGN §4) and one error line on stderr.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/cli_docs.h"
#include "cli/commands.h"
#include "cli/fleet.h"
#include "cli/format.h"
#include "strata/migrator.h"

namespace strata::cli {
namespace {

bool UseColor(const GlobalOptions& g) {
  return !g.no_color && std::getenv("NO_COLOR") == nullptr && ::isatty(STDERR_FILENO);
}

void ReportError(const GlobalOptions& g, const Status& status, bool json) {
  if (json && !JsonPrinted()) PrintJson(ErrorJson(status));
  const char* prefix = UseColor(g) ? "\033[31mstrata: error:\033[0m" : "strata: error:";
  std::fprintf(stderr, "%s %s\n", prefix, status.ToString().c_str());
}

// CLI11 reads "-1" as an option; `downgrade -1` and `history -r -3:` must take it as a value.
// Arguments that look like negative numbers are therefore passed after a "--" when they stand
// where a positional argument is expected.
std::vector<std::string> ProtectNegativeTargets(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto negative_number = [](const std::string& s) {
    return s.size() > 1 && s[0] == '-' && s.find_first_not_of("0123456789", 1) == std::string::npos;
  };
  for (size_t i = 1; i < args.size(); ++i) {
    if (negative_number(args[i]) && args[i - 1] == "downgrade") {
      args.insert(args.begin() + static_cast<long>(i), "--");
      break;
    }
  }
  return args;
}

// `--wait-replicas[=T]`: CLI11 would take a bare option's next argument (the TARGET) as its
// value, so the `=T` form is split off into a hidden option here.
void SplitWaitReplicas(std::vector<std::string>& args) {
  constexpr std::string_view kPrefix = "--wait-replicas=";
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") break;
    if (args[i].rfind(kPrefix, 0) == 0) {
      std::string value = args[i].substr(kPrefix.size());
      args[i] = "--wait-replicas";
      args.insert(args.begin() + static_cast<long>(i) + 1, {"--wait-replicas-timeout", value});
      i += 2;
    }
  }
}

// The fleet options of upgrade, downgrade, current, check and status (cli/fleet.h).
void AddFleetOptions(CLI::App* c, FleetCliOptions& f) {
  c->add_option("--targets", f.targets, "run over a fleet: a file of database URLs, - for stdin");
  c->add_option("--targets-query", f.targets_query,
                "run over a fleet: SQL run on --url that returns the database URLs");
  c->add_option("--parallel", f.parallel, "fleet: targets at once (default 4)");
  c->add_option("--per-host", f.per_host, "fleet: targets at once on one server (default no cap)");
  c->add_option("--canary", f.canary,
                "fleet: run the first N targets alone first; the rest only if all succeeded");
  c->add_option("--on-error", f.on_error, "fleet: continue (default) or stop after a failure")
      ->check(CLI::IsMember({"continue", "stop"}));
}

int Main(int argc, char** argv) {
  CLI::App app{"strata: schema migrations for PostgreSQL and SQLite, Alembic-compatible"};
  app.name("strata");
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", std::string("strata ") + StrataVersion());

  GlobalOptions g;
  std::string url, dir, config;
  app.add_option("--url", url, "database URL (default sqlite:strata.db)");
  app.add_option("-d,--dir", dir, "migrations folder (default migrations)");
  app.add_option("-c,--config", config, "config file (default ./strata.toml)");
  app.add_option("--format", g.format, "output format: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag("-q,--quiet", g.quiet, "print only results and errors");
  app.add_flag("-v", g.verbose, "more detail");
  app.add_flag("--no-color", g.no_color, "no colours in messages");
  // Lock waits on PostgreSQL (upgrade, downgrade); also accepted after the command.
  std::string statement_lock_timeout;
  int retries = -1;
  app.add_option("--statement-lock-timeout", statement_lock_timeout,
                 "PostgreSQL lock_timeout per statement, e.g. 2s, 500ms (strata.toml's)");
  app.add_option("--retries", retries, "retries of a revision whose lock wait timed out")
      ->check(CLI::NonNegativeNumber);
  std::string statement_timeout;
  app.add_option("--statement-timeout", statement_timeout,
                 "PostgreSQL statement_timeout per statement, e.g. 5min (strata.toml's)");
  app.add_flag("--refuse-if-blocked", g.overrides.refuse_if_blocked,
               "exit 5 before running anything when other sessions hold locks in the way");

  std::string wait_replicas_timeout;
  FleetCliOptions fleet;

  Status result;
  // Each command records what to run once parsing succeeded.
  std::function<Status(const Context&)> run;

  InitOptions init;
  auto* c_init = app.add_subcommand("init", "create the migrations folder and strata.toml");
  c_init->add_option("DIR", init.dir, "migrations folder to create");
  c_init->callback([&] { run = [&](const Context& ctx) { return RunInit(ctx, init); }; });

  RevisionOptions rev;
  auto* c_rev = app.add_subcommand("revision", "write a new revision file on top of the head");
  c_rev->add_option("-m,--message", rev.message, "what the revision does")->required();
  c_rev->add_option("--head", rev.heads,
                    "parent revision (default: the single head; 'base' for a new root)");
  c_rev->add_option("--branch-label", rev.branch_labels, "label for a new branch");
  c_rev->add_option("--depends-on", rev.depends_on, "revisions this one depends on");
  c_rev->add_option("--rev-id", rev.rev_id, "revision id to use instead of a random one");
  c_rev->add_flag("--no-transaction", rev.no_transaction,
                  "run outside a transaction (Transactional: false)");
  c_rev->add_flag("--splice", rev.splice, "allow --head to name a revision that is not a head");
  c_rev->callback([&] { run = [&](const Context& ctx) { return RunRevision(ctx, rev); }; });

  MergeOptions merge;
  auto* c_merge =
      app.add_subcommand("merge", "write a merge revision joining two or more revisions");
  c_merge->add_option("REVISIONS", merge.revisions, "revisions to merge, or 'heads'")->required();
  c_merge->add_option("-m,--message", merge.message, "what the merge is")->required();
  c_merge->add_option("--branch-label", merge.branch_labels, "label for the merge revision");
  c_merge->add_option("--rev-id", merge.rev_id, "revision id to use instead of a random one");
  c_merge->callback([&] { run = [&](const Context& ctx) { return RunMerge(ctx, merge); }; });

  CurrentOptions current;
  auto* c_current = app.add_subcommand("current", "show the database's revision(s)");
  c_current->add_flag("-v,--verbose", current.verbose, "show each revision in full");
  AddFleetOptions(c_current, fleet);
  c_current->callback([&] {
    run = [&](const Context& ctx) {
      if (fleet.active()) return RunFleetCommand(ctx, FleetCommand::kCurrent, "", fleet, nullptr);
      return RunCurrent(ctx, current);
    };
  });

  HeadsOptions heads;
  auto* c_heads = app.add_subcommand("heads", "show the heads of the revision files");
  c_heads->add_flag("-v,--verbose", heads.verbose, "show each revision in full");
  c_heads->add_flag("--single", heads.single, "exit 6 when there is more than one head");
  c_heads->callback([&] { run = [&](const Context& ctx) { return RunHeads(ctx, heads); }; });

  BranchesOptions branches;
  auto* c_branches = app.add_subcommand("branches", "show the branch points of the revision files");
  c_branches->add_flag("-v,--verbose", branches.verbose, "show each revision in full");
  c_branches->callback(
      [&] { run = [&](const Context& ctx) { return RunBranches(ctx, branches); }; });

  HistoryOptions history;
  auto* c_history = app.add_subcommand("history", "list revisions, newest first");
  c_history->add_option("-r,--rev-range", history.range,
                        "START:END, e.g. base:head, 1975:, current:");
  c_history->add_flag("-v,--verbose", history.verbose, "show each revision in full");
  c_history->callback([&] { run = [&](const Context& ctx) { return RunHistory(ctx, history); }; });

  ShowOptions show;
  auto* c_show = app.add_subcommand("show", "show one revision in full");
  c_show->add_option("REV", show.revision, "revision id or prefix")->required();
  c_show->callback([&] { run = [&](const Context& ctx) { return RunShow(ctx, show); }; });

  LintOptions lint;
  auto* c_lint = app.add_subcommand("lint", "check revision files for unsafe migrations");
  c_lint->add_option("PATHS", lint.paths, "revision files or folders (default: the migrations)");
  c_lint->add_option("--dialect", lint.dialect, "postgresql or sqlite (default: the URL's)")
      ->check(CLI::IsMember({"postgresql", "postgres", "sqlite"}));
  c_lint->add_option("--pg-version", lint.pg_version,
                     "the target PostgreSQL major version (newer syntax than 15 is a note)")
      ->check(CLI::Range(9, 99));
  c_lint->callback([&] { run = [&](const Context& ctx) { return RunLint(ctx, lint); }; });

  MigrateOptions up;
  auto* c_up = app.add_subcommand("upgrade", "apply revisions up to TARGET (default head)");
  c_up->add_option("TARGET", up.target, "head, heads, REV, +N, LABEL@head; FROM:TO with --sql");
  c_up->add_flag("--sql", up.sql, "print the SQL script instead of running it (no database)");
  c_up->add_option("--dialect", up.dialect, "postgresql or sqlite, for --sql (default: URL's)");
  c_up->add_flag(
      "--allow-changed", up.allow_changed,
      "accept applied revisions' edited files as they are now (logged in strata_log) and "
      "upgrade");
  c_up->add_flag("--backup", up.backup,
                 "take a backup first when there is something to apply; no migration if it fails "
                 "(exit 8)");
  c_up->add_flag("--wait-replicas", up.wait_replicas,
                 "--wait-replicas[=T]: after the last commit, wait up to T (default "
                 "wait_replicas, else 60s) until every standby replayed it; exit 8 if not");
  c_up->add_option("--wait-replicas-timeout", wait_replicas_timeout)->group("");
  AddFleetOptions(c_up, fleet);
  c_up->callback([&] {
    run = [&](const Context& ctx) {
      if (fleet.active()) {
        return RunFleetCommand(ctx, FleetCommand::kUpgrade, up.target.empty() ? "head" : up.target,
                               fleet, &up);
      }
      return RunUpgrade(ctx, up);
    };
  });

  MigrateOptions down;
  auto* c_down = app.add_subcommand("downgrade", "undo revisions down to TARGET");
  c_down->add_option("TARGET", down.target, "-N, REV, base; FROM:TO with --sql")->required();
  c_down->add_flag("--sql", down.sql, "print the SQL script instead of running it (no database)");
  c_down->add_option("--dialect", down.dialect, "postgresql or sqlite, for --sql (default: URL's)");
  AddFleetOptions(c_down, fleet);
  c_down->callback([&] {
    run = [&](const Context& ctx) {
      if (fleet.active()) {
        return RunFleetCommand(ctx, FleetCommand::kDowngrade, down.target, fleet, &down);
      }
      return RunDowngrade(ctx, down);
    };
  });

  StampOptions stamp;
  auto* c_stamp = app.add_subcommand("stamp", "set the version table without running migrations");
  c_stamp->add_option("TARGET", stamp.target, "head, heads, REV, base")->required();
  c_stamp->add_flag("--purge", stamp.purge, "empty the version table first");
  c_stamp->callback([&] { run = [&](const Context& ctx) { return RunStamp(ctx, stamp); }; });

  CheckOptions check;
  auto* c_check = app.add_subcommand(
      "check", "exit 0 when the database is at head, 6 when revisions are pending");
  c_check->add_option(
      "--wait", check.wait,
      "poll until the database is at (or ahead of) head, up to DURATION (30s, 5min)");
  AddFleetOptions(c_check, fleet);
  c_check->callback([&] {
    run = [&](const Context& ctx) {
      if (fleet.active()) {
        if (!check.wait.empty()) return Status::Usage("check --wait does not apply with --targets");
        return RunFleetCommand(ctx, FleetCommand::kCheck, "", fleet, nullptr);
      }
      return RunCheck(ctx, check);
    };
  });

  StatusOptions status;
  auto* c_status = app.add_subcommand(
      "status", "current, heads, pending, recent runs, size, changed files, failures");
  c_status->add_option("-n,--runs", status.runs, "recent runs to show (default 10)");
  AddFleetOptions(c_status, fleet);
  c_status->callback([&] {
    run = [&](const Context& ctx) {
      if (fleet.active()) return RunFleetCommand(ctx, FleetCommand::kStatus, "", fleet, nullptr);
      return RunStatus(ctx, status);
    };
  });

  SchemaOptions schema;
  auto* c_schema = app.add_subcommand("schema", "print the database's normalised schema");
  c_schema
      ->add_option("--format", schema.format, "sql or json (default: sql, or the global --format)")
      ->check(CLI::IsMember({"sql", "json", "text"}));
  c_schema->callback([&] { run = [&](const Context& ctx) { return RunSchema(ctx, schema); }; });

  VerifyOptions verify;
  auto* c_verify = app.add_subcommand(
      "verify",
      "upgrade, downgrade and upgrade every revision on a scratch database, comparing "
      "schemas (exit 6 when a downgrade does not restore it)");
  c_verify->add_option("--scratch-url", verify.scratch_url,
                       "PostgreSQL server to make scratch databases on (default: the URL's own "
                       "server; a temporary file for SQLite)");
  c_verify->add_option("-r,--rev-range", verify.range, "START:END, the revisions to check");
  c_verify->add_flag("--keep", verify.keep, "keep the scratch databases and print their URLs");
  c_verify->callback([&] { run = [&](const Context& ctx) { return RunVerify(ctx, verify); }; });

  DiffOptions diff;
  auto* c_diff = app.add_subcommand(
      "diff", "the objects in which the database differs from what its migrations produce");
  c_diff->add_option("--scratch-url", diff.scratch_url,
                     "PostgreSQL server to replay the migrations on (default: the URL's own)");
  c_diff->add_flag("--keep", diff.keep, "keep the scratch database and print its URL");
  c_diff->callback([&] { run = [&](const Context& ctx) { return RunDiff(ctx, diff); }; });

  BackupCommandOptions backup;
  auto* c_backup =
      app.add_subcommand("backup", "back up the database (pg_dump, SQLite backup API)");
  c_backup->add_option("--out", backup.out_dir, "folder for the backup (default backup_dir)");
  c_backup->add_option("--format", backup.format, "custom (default), plain or directory")
      ->check(CLI::IsMember({"custom", "plain", "directory"}));
  c_backup->add_option("--jobs", backup.jobs, "parallel pg_dump jobs (--format directory)")
      ->check(CLI::PositiveNumber);
  auto* c_backup_list = c_backup->add_subcommand("list", "list the backups and their manifests");
  c_backup_list->callback(
      [&] { run = [&](const Context& ctx) { return RunBackupList(ctx, backup); }; });
  c_backup->callback([&] {
    if (!c_backup_list->parsed()) {
      run = [&](const Context& ctx) { return RunBackup(ctx, backup); };
    }
  });

  RestoreCommandOptions restore;
  auto* c_restore = app.add_subcommand("restore", "restore a backup taken by `strata backup`");
  c_restore->add_option("FILE", restore.file, "the backup file or folder")->required();
  c_restore->add_flag("--yes", restore.yes, "restore although the target database is not empty");
  c_restore->add_option("--into", restore.into, "restore into this database URL instead");
  c_restore->add_flag("--verify", restore.verify,
                      "restore into a temporary database, compare with the manifest, drop it");
  c_restore->callback([&] { run = [&](const Context& ctx) { return RunRestore(ctx, restore); }; });

  ServeCommandOptions serve;
  auto* c_serve = app.add_subcommand("serve", "answer /health, /ready and /metrics over HTTP");
  c_serve->add_option("--listen", serve.listen, "ADDR:PORT (default 127.0.0.1:8080; port 0: any)");
  c_serve->add_option("--lock-threshold", serve.lock_threshold,
                      "/ready fails while the migration lock is held longer (default 300s)");
  c_serve->add_option("--threads", serve.threads, "worker threads (default 4)")
      ->check(CLI::Range(1, 64));
  c_serve->callback([&] { run = [&](const Context& ctx) { return RunServe(ctx, serve); }; });

  ImportOptions import_alembic;
  auto* c_import = app.add_subcommand("import", "convert another tool's history into revisions");
  c_import->require_subcommand(1);
  auto* c_import_alembic = c_import->add_subcommand(
      "alembic", "convert an Alembic history into revision files (exit 6 when SQL is incomplete)");
  c_import_alembic->add_option("PROJECT", import_alembic.project,
                               "alembic.ini or the script folder (default ./alembic.ini)");
  c_import_alembic->add_option("--out", import_alembic.out,
                               "folder to write (default: the migrations folder)");
  c_import_alembic
      ->add_option("--dialect", import_alembic.dialect, "postgresql or sqlite (default: the URL's)")
      ->check(CLI::IsMember({"postgresql", "postgres", "sqlite"}));
  c_import_alembic->add_flag("--verify", import_alembic.verify,
                             "replay Alembic's history and the conversion on scratch databases "
                             "and compare their schemas after every step");
  c_import_alembic->add_flag("--verify-only", import_alembic.verify_only,
                             "compare the conversion already in --out, writing nothing");
  c_import_alembic->add_option("--scratch-url", import_alembic.scratch_url,
                               "PostgreSQL server to make scratch databases on");
  c_import_alembic->add_flag("--keep", import_alembic.keep,
                             "keep the scratch databases and print their URLs");
  c_import_alembic->callback(
      [&] { run = [&](const Context& ctx) { return RunImportAlembic(ctx, import_alembic); }; });

  // Written from this very definition, so they cannot drift from it. These need no settings.
  std::function<int()> print_only;
  std::string completion_shell;
  auto* c_completion = app.add_subcommand("completion", "print the shell completion script");
  c_completion->add_option("SHELL", completion_shell, "bash, zsh or fish")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  c_completion->callback([&] {
    print_only = [&] {
      Print(CompletionScript(app, completion_shell));
      return 0;
    };
  });
  auto* c_man = app.add_subcommand("__man", "print the man page (roff)")->group("");
  c_man->callback([&] {
    print_only = [&] {
      Print(ManPage(app));
      return 0;
    };
  });
  auto* c_ids = app.add_subcommand("__revisions", "revision ids for completion")->group("");
  c_ids->callback([&] { run = [&](const Context& ctx) { return RunRevisionIds(ctx); }; });

  std::vector<std::string> args = ProtectNegativeTargets(argc, argv);
  SplitWaitReplicas(args);
  std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::fprintf(stderr, "strata: error: %s\nRun 'strata --help' for usage.\n", e.what());
    return static_cast<int>(ErrorKind::kUsage);
  }

  if (print_only) return print_only();
  if (!url.empty()) g.overrides.url = url;
  if (!dir.empty()) g.overrides.dir = dir;
  if (!config.empty()) g.overrides.config = config;
  if (!statement_lock_timeout.empty()) g.overrides.statement_lock_timeout = statement_lock_timeout;
  if (retries >= 0) g.overrides.retries = retries;
  if (!statement_timeout.empty()) g.overrides.statement_timeout = statement_timeout;
  if (!wait_replicas_timeout.empty()) g.overrides.wait_replicas = wait_replicas_timeout;
  if (schema.format == "json") g.format = "json";  // `schema --format json`: errors as JSON too
  bool json = g.format == "json";

  Result<Context> ctx = Context::Create(g);
  if (!ctx.ok()) {
    ReportError(g, ctx.status(), json);
    return ctx.status().exit_code();
  }
  result = run(*ctx);
  if (!result.ok()) {
    ReportError(g, result, json);
    return result.exit_code();
  }
  return 0;
}

}  // namespace
}  // namespace strata::cli

int main(int argc, char** argv) {
  try {
    return strata::cli::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "strata: internal error: %s\n", e.what());
    return 70;
  }
}
