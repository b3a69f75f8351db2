// Fleets: one command run over many databases (a database per tenant or shard, on several
// servers), DESIGN §3 "Fleets". The loop lives here; the CLI and the Python module only print.
//
// A target is a database URL. Each target runs exactly as a single run would (its own
// connection, its own migration lock, the same exit codes), on a pool of worker threads:
// at most `parallel` at once, at most `per_host` at once against one server; the first `canary`
// targets run first, alone, and the rest only when every canary succeeded; after a failure,
// `on_error = stop` starts no further target (running ones finish), `continue` runs them all.
// `upgrade`/`downgrade` skip a target whose plan is empty after a read-only look at its version
// table, without taking its lock: resuming a partial fleet run costs one query per finished
// target.
//
// Thread-safety: RunFleet blocks its caller and calls the observer from worker threads, one call
// at a time (the calls are serialised). Interrupt() may be called from any thread, not from a
// signal handler (set FleetOptions::stop_requested there instead).
#ifndef STRATA_FLEET_H_
#define STRATA_FLEET_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "strata/driver.h"
#include "strata/graph.h"
#include "strata/replicas.h"
#include "strata/status.h"

namespace strata {

// One database of a fleet.
struct FleetTarget {
  std::string url;      // as given (may hold a password: show only `display`)
  std::string display;  // RedactUrl(url)
  std::string host;     // the server it runs on, for per_host: "host:port", or "sqlite"
  int line = 0;         // where it came from (1-based line of the list), 0 for a query's rows
};

// Parses a target list: one URL a line; blank lines and lines starting with '#' are skipped,
// surrounding blanks trimmed. kUsage naming `source`:line for a line that is not a database URL
// and for a URL listed twice (two runs on one database would only wait for each other's lock);
// every bad line is reported at once. An empty list is an error too (nothing to run is almost
// always a wrong file). Pure; no recursion, linear in the text's size.
Result<std::vector<FleetTarget>> ParseTargetList(std::string_view text, std::string_view source);

// The same for URLs returned by a query (--targets-query), named "row N".
Result<std::vector<FleetTarget>> TargetsFromUrls(const std::vector<std::string>& urls,
                                                 std::string_view source);

// Runs `sql` on `catalog_url` and returns the URLs in its first column (--targets-query).
// kConnection when the catalog cannot be reached, kMigrationFailed when the query fails.
Result<std::vector<std::string>> QueryTargetUrls(const std::string& catalog_url,
                                                 const std::string& sql,
                                                 const DriverOptions& options);

// The server a URL's database lives on: "host:port" for PostgreSQL (libpq's defaults filled in
// for what the URL leaves out), "sqlite" for every SQLite file (they share one disk).
std::string TargetHost(const std::string& url);

enum class FleetCommand { kUpgrade, kDowngrade, kCurrent, kCheck, kStatus };
const char* FleetCommandName(FleetCommand command);

struct FleetOptions {
  int parallel = 4;  // >= 1
  int per_host = 0;  // 0: no cap beyond `parallel`
  int canary = 0;    // the first N targets run alone first
  bool stop_on_error = false;
  // Polled by RunFleet about ten times a second: when set (a signal handler may set it), it
  // behaves as Interrupt().
  const std::atomic<bool>* stop_requested = nullptr;
};

// What one target did. Printed as one JSON line per target by the CLI.
struct TargetResult {
  enum class State {
    kDone,     // the command ran (exit_code may still say what it found: 6 for check)
    kSkipped,  // upgrade/downgrade: already there, nothing to do (no lock taken)
    kFailed,   // the command failed on this target (exit_code > 0, error says why)
    kNotRun,   // never started: a canary failed, or on_error = stop after a failure, or stopped
  };
  size_t index = 0;    // position in the target list
  std::string target;  // the redacted URL
  std::string host;
  State state = State::kNotRun;
  std::vector<std::string> heads_before;
  std::vector<std::string> heads_after;  // current, check, status: the current heads
  std::vector<std::string> steps;        // "upgrade <rev>" for each step applied
  std::vector<std::string> pending;      // check, status: revisions not applied
  int64_t duration_ms = 0;
  int exit_code = 0;  // DESIGN §4; for kNotRun 0 (it did nothing)
  std::string error;  // one line, passwords masked; why it did not run for kNotRun
  // status: standbys of this server, with their lag behind its WAL position now.
  std::vector<StandbyState> standbys;
  // status: unresolved partial failures and schema drift ("unknown", "unchanged", "drifted").
  int unresolved_failures = 0;
  std::string drift;
};
const char* TargetStateName(TargetResult::State state);

struct FleetSummary {
  std::vector<TargetResult> results;  // in target-list order, one per target
  int worst_exit_code = 0;            // the aggregate exit code: the worst target's
  int done = 0, skipped = 0, failed = 0, not_run = 0;
  bool canary_failed = false;
  bool stopped = false;  // on_error = stop after a failure, or interrupted
  int64_t duration_ms = 0;
};

// Receives each target's start and result, serialised (never two calls at once), from worker
// threads; the CLI prints a progress bar and JSON lines with it.
class FleetObserver {
 public:
  virtual ~FleetObserver() = default;
  virtual void OnTargetStart(const FleetTarget& /*target*/, size_t /*index*/) {}
  virtual void OnTargetDone(const TargetResult& /*result*/, size_t /*finished*/, size_t /*total*/) {
  }
};

// The command and settings every target runs with.
struct FleetRequest {
  FleetCommand command = FleetCommand::kCurrent;
  std::string target = "head";           // upgrade/downgrade target
  const RevisionGraph* graph = nullptr;  // shared read-only by the workers
  DriverOptions driver_options;          // its callbacks are dropped: workers print nothing
  bool allow_changed = false;
  ReplicaWait wait_replicas;  // upgrade: timeout 0 = no wait
  int status_runs = 0;        // status: strata_log rows to read (none are reported)
};

// The scheduler alone: runs `work` for each target under `options`' rules and returns the
// results in list order. `work` runs on worker threads and must be thread-safe; it receives a
// slot to register an interrupt function in while it runs (may be ignored). Used by RunFleet and
// by tests with work of their own.
using InterruptSlot = std::function<void(std::function<void()>)>;
using FleetWork =
    std::function<TargetResult(const FleetTarget&, size_t index, const InterruptSlot& slot)>;

class FleetRunner {
 public:
  FleetRunner(FleetOptions options, FleetObserver* observer);
  FleetSummary Run(const std::vector<FleetTarget>& targets, const FleetWork& work);
  // Stops the fleet: no further target starts and running ones are interrupted (a migration
  // rolls back its running step). Thread-safe.
  void Interrupt();

 private:
  struct Shared;
  FleetOptions options_;
  FleetObserver* observer_;
  std::shared_ptr<Shared> shared_;
};

// One target's command, as a single run would do it (used by RunFleet's workers).
TargetResult RunTargetCommand(const FleetRequest& request, const FleetTarget& target,
                              const InterruptSlot& slot);

// Runs `request` over `targets`. Never fails as a whole: each target's failure is in its result.
FleetSummary RunFleet(const FleetRequest& request, const std::vector<FleetTarget>& targets,
                      const FleetOptions& options, FleetObserver* observer);

}  // namespace strata

#endif  // STRATA_FLEET_H_
