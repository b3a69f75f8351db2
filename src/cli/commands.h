// One options struct and one run function per command. main.cc (the only file that includes
// CLI11) binds command-line options into these structs; each command lives in its own file.
// Run functions return the Status whose kind is the exit code (DESIGN §4).
#ifndef STRATA_CLI_COMMANDS_H_
#define STRATA_CLI_COMMANDS_H_

#include <string>
#include <vector>

#include "cli/context.h"
#include "strata/status.h"

namespace strata::cli {

struct InitOptions {
  std::string dir;  // empty = the configured dir
};
Status RunInit(const Context& ctx, const InitOptions& o);

struct RevisionOptions {
  std::string message;
  std::vector<std::string> heads;  // --head (repeatable; "base" starts a new root)
  std::vector<std::string> branch_labels;
  std::vector<std::string> depends_on;
  std::string rev_id;
  bool no_transaction = false;
  bool splice = false;
};
Status RunRevision(const Context& ctx, const RevisionOptions& o);

struct MergeOptions {
  std::vector<std::string> revisions;  // "heads" = every head
  std::string message;
  std::vector<std::string> branch_labels;
  std::string rev_id;
};
Status RunMerge(const Context& ctx, const MergeOptions& o);

struct CurrentOptions {
  bool verbose = false;
};
Status RunCurrent(const Context& ctx, const CurrentOptions& o);

struct HeadsOptions {
  bool verbose = false;
  bool single = false;  // exit 6 when there is more than one head
};
Status RunHeads(const Context& ctx, const HeadsOptions& o);

struct BranchesOptions {
  bool verbose = false;
};
Status RunBranches(const Context& ctx, const BranchesOptions& o);

struct HistoryOptions {
  std::string range;
  bool verbose = false;
};
Status RunHistory(const Context& ctx, const HistoryOptions& o);

struct ShowOptions {
  std::string revision;
};
Status RunShow(const Context& ctx, const ShowOptions& o);

struct LintOptions {
  std::vector<std::string> paths;  // revision files or folders; empty = the migrations folder
  std::string dialect;             // "postgresql" | "sqlite"; empty = from the URL's scheme
  int pg_version = 0;              // --pg-version: the target server's major version; 0 = unknown
};
// Exit 6 (kPending) when a finding of severity error remains; warnings alone exit 0. Exit 3 for
// unreadable or malformed revision files.
Status RunLint(const Context& ctx, const LintOptions& o);

struct MigrateOptions {
  std::string target;          // with --sql also "FROM:TO"
  bool sql = false;            // print the script instead of running it (offline.h)
  std::string dialect;         // --dialect for --sql; empty = from the URL's scheme
  bool allow_changed = false;  // upgrade although applied files changed
  bool backup = false;         // --backup: take a backup first when there is something to apply
};
Status RunUpgrade(const Context& ctx, const MigrateOptions& o);
Status RunDowngrade(const Context& ctx, const MigrateOptions& o);

struct StampOptions {
  std::string target;
  bool purge = false;
};
Status RunStamp(const Context& ctx, const StampOptions& o);

struct CheckOptions {
  std::string wait;  // --wait DURATION: poll until at head; empty = check once
};
Status RunCheck(const Context& ctx, const CheckOptions& o);

struct StatusOptions {
  int runs = 10;  // how many recent strata_log rows to show
};
// Also reports schema drift (inspect.h's SchemaDrift); exits 0 whatever it finds.
Status RunStatus(const Context& ctx, const StatusOptions& o);

struct SchemaOptions {
  std::string format;  // "sql" | "json"; empty = from --format (text = sql)
};
// Prints the database's schema snapshot (snapshot.h).
Status RunSchema(const Context& ctx, const SchemaOptions& o);

struct VerifyOptions {
  std::string scratch_url;  // empty: derived from the URL (verify.h's ScratchOptions)
  std::string range;        // -r START:END; empty = every revision
  bool keep = false;        // keep the scratch databases
};
// Exit 6 when a downgrade does not restore the schema (verify.h), 1 when an upgrade fails on the
// scratch database.
Status RunVerify(const Context& ctx, const VerifyOptions& o);

struct DiffOptions {
  std::string scratch_url;
  bool keep = false;
};
// Exit 6 when the database differs from what its migrations produce.
Status RunDiff(const Context& ctx, const DiffOptions& o);

struct BackupCommandOptions {
  std::string out_dir;  // empty = backup_dir
  std::string format = "custom";
  int jobs = 0;
};
// Exit 8 when the backup fails (nothing is deleted then).
Status RunBackup(const Context& ctx, const BackupCommandOptions& o);
// `backup list`: the manifests in backup_dir (or --out), oldest first.
Status RunBackupList(const Context& ctx, const BackupCommandOptions& o);

struct RestoreCommandOptions {
  std::string file;
  bool yes = false;
  std::string into;  // restore into this URL instead of the configured one
  bool verify = false;
};
// Exit 8 when the digest does not match, the target is not empty without --yes, the restore
// fails, or (--verify) the restored database differs from the manifest.
Status RunRestore(const Context& ctx, const RestoreCommandOptions& o);

struct ServeCommandOptions {
  std::string listen = "127.0.0.1:8080";
  std::string lock_threshold = "300";  // a duration
  int threads = 4;
};
// Serves until SIGTERM or SIGINT, then exits 0. Exit 2 when it cannot listen, 3 for bad
// revision files.
Status RunServe(const Context& ctx, const ServeCommandOptions& o);

struct ImportOptions {
  std::string project;       // alembic.ini or the script folder; empty = ./alembic.ini
  std::string out;           // empty = the configured migrations folder
  std::string dialect;       // empty = the URL's (postgresql with --scratch-url)
  bool verify = false;       // replay both histories and compare (import.h's VerifyImport)
  bool verify_only = false;  // compare an existing conversion in `out`, write nothing
  std::string scratch_url;
  bool keep = false;
};
// Exit 6 when a revision's offline SQL is incomplete (import-warning) or --verify finds a step
// whose schema differs from Alembic's.
Status RunImportAlembic(const Context& ctx, const ImportOptions& o);

// `strata __revisions` (for shell completion): revision ids, branch labels and the keywords
// head, heads, base, one a line, from the migrations folder only.
Status RunRevisionIds(const Context& ctx);

}  // namespace strata::cli

#endif  // STRATA_CLI_COMMANDS_H_
