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
};
// Exit 6 (kPending) when a finding of severity error remains; warnings alone exit 0. Exit 3 for
// unreadable or malformed revision files.
Status RunLint(const Context& ctx, const LintOptions& o);

struct MigrateOptions {
  std::string target;          // with --sql also "FROM:TO"
  bool sql = false;            // print the script instead of running it (offline.h)
  std::string dialect;         // --dialect for --sql; empty = from the URL's scheme
  bool allow_changed = false;  // upgrade although applied files changed
  bool wait_replicas = false;  // --wait-replicas[=T]: wait for standbys (T in the settings)
};
Status RunUpgrade(const Context& ctx, const MigrateOptions& o);
Status RunDowngrade(const Context& ctx, const MigrateOptions& o);

struct StampOptions {
  std::string target;
  bool purge = false;
};
Status RunStamp(const Context& ctx, const StampOptions& o);

Status RunCheck(const Context& ctx);

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

// `strata __revisions` (for shell completion): revision ids, branch labels and the keywords
// head, heads, base, one a line, from the migrations folder only.
Status RunRevisionIds(const Context& ctx);

}  // namespace strata::cli

#endif  // STRATA_CLI_COMMANDS_H_
