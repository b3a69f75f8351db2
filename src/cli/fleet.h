// `--targets FILE|-` / `--targets-query SQL` on upgrade, downgrade, current, check and status:
// the command over a fleet (fleet.h). This file only reads the list, prints the progress bar,
// the JSON lines and the summary table; the loop is the library's.
#ifndef STRATA_CLI_FLEET_H_
#define STRATA_CLI_FLEET_H_

#include <string>

#include "cli/commands.h"
#include "strata/fleet.h"

namespace strata::cli {

struct FleetCliOptions {
  std::string targets;        // a file of URLs, or "-" for stdin
  std::string targets_query;  // SQL run on --url returning the URLs
  int parallel = 4;
  int per_host = 0;
  int canary = 0;
  std::string on_error = "continue";  // or "stop"
  bool active() const { return !targets.empty() || !targets_query.empty(); }
};

// Runs `command` over the targets. The exit code is the worst target's (DESIGN §3).
// `migrate` holds upgrade/downgrade's options (null for the others), `status_runs` status's -n.
Status RunFleetCommand(const Context& ctx, FleetCommand command, const std::string& target,
                       const FleetCliOptions& fleet, const MigrateOptions* migrate);

}  // namespace strata::cli

#endif  // STRATA_CLI_FLEET_H_
