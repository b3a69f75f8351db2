// Readiness, liveness and metrics of a database for probes (DESIGN §7): what `strata serve`
// answers on /health, /ready and /metrics, and what `strata check --wait` polls.
//
// ReadReadiness reads one consistent-enough picture of the database through a Driver (read-only:
// no lock taken, nothing created). ProbeServer serves it over HTTP with a bounded pool of worker
// threads, reading the database at most about once per `cache_ttl` whatever the request rate, so
// a probe storm does not become a connection storm. ProbeServer is thread-safe; ReadReadiness
// uses the caller's Driver and is not.
#ifndef STRATA_SERVE_H_
#define STRATA_SERVE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/driver.h"
#include "strata/graph.h"
#include "strata/status.h"

namespace strata {

struct LockHolder {
  int pid = 0;
  std::string application_name;
  double held_seconds = 0;  // upper bound: the holder's session age (pg_stat_activity)
};

struct Readiness {
  std::vector<std::string> current;  // the version table's rows
  std::vector<std::string> heads;    // the files' heads
  std::vector<std::string> pending;  // revisions in the files not applied, oldest first
  // Rows no file defines. With `ahead` they are revisions strata applied from a newer build
  // (strata_log says so): the database is ahead of these files, which is compatible.
  std::vector<std::string> unknown_heads;
  bool ahead = false;
  std::vector<std::string> dirty;  // non-transactional revisions that failed part way
  std::optional<LockHolder> lock_holder;
  bool lock_held_too_long = false;
  std::optional<double> last_migration_unix;  // when the newest upgrade/downgrade ended
  std::optional<double> last_migration_duration_seconds;
  std::optional<int64_t> database_size_bytes;

  // 200 on /ready: nothing pending, nothing dirty, no unknown revision, no lock held too long.
  bool ready() const;
  // What `check` asks: every revision in the files is applied (the database may be ahead).
  bool at_head() const { return pending.empty() && (unknown_heads.empty() || ahead); }
  // "ready" | "pending" | "dirty" | "unknown" | "locked".
  std::string state() const;
  // One line for people: what is wrong and what to do.
  std::string reason() const;
};

// Reads the database's readiness against `graph`. `lock_threshold`: how long the migration lock
// may be held before the database counts as not ready. Fails as the driver does (kConnection
// when the database does not answer).
Result<Readiness> ReadReadiness(Driver& driver, const RevisionGraph& graph,
                                const std::string& version_table, const std::string& version_schema,
                                std::chrono::seconds lock_threshold);

// `check --wait`: reads the database's readiness once a second (through drivers from `open`,
// reopened after a failure: the database may be starting) until it is at head or `limit` has
// passed. `readiness` is the last reading (nullopt when the database never answered; then
// `last_error` says why).
struct WaitForHeadResult {
  std::optional<Readiness> readiness;
  Status last_error;
  int polls = 0;
};
WaitForHeadResult WaitForHead(const std::function<Result<std::unique_ptr<Driver>>()>& open,
                              const RevisionGraph& graph, const std::string& version_table,
                              const std::string& version_schema, std::chrono::milliseconds limit);

// One Prometheus metric family, rendered by hand (no client library is packaged).
struct MetricSample {
  std::string labels;  // `version="0.1.0"`, without braces; empty for none
  double value = 0;
};
struct MetricFamily {
  std::string name;  // strata_pending_revisions
  std::string help;
  std::string type;  // "gauge" | "counter"
  std::vector<MetricSample> samples;
};
// The Prometheus text exposition format (version 0.0.4).
std::string RenderPrometheus(const std::vector<MetricFamily>& families);
// Escapes a label value (backslash, double quote, newline).
std::string EscapeLabelValue(const std::string& value);

struct ServeOptions {
  std::string url;  // with its password: never printed or served
  DriverOptions driver_options;
  std::string backup_dir;  // for strata_backup_last_success_timestamp_seconds
  std::chrono::seconds lock_threshold{300};
  std::chrono::milliseconds cache_ttl{1000};
  int threads = 4;  // worker threads answering requests
  // More metrics, appended after strata's own (e.g. standby replay lag). Called with the
  // server's connection while it refreshes its reading (under its lock), may be empty.
  std::vector<std::function<std::vector<MetricFamily>(Driver* driver)>> extra_metrics;
};

// The HTTP server. Construct, Bind, then Run (blocks) on one thread and Stop from any other.
class ProbeServer {
 public:
  // `graph` is the migrations folder read at start-up: the files belong to the build.
  ProbeServer(ServeOptions options, RevisionGraph graph);
  ~ProbeServer();
  ProbeServer(const ProbeServer&) = delete;
  ProbeServer& operator=(const ProbeServer&) = delete;

  // Binds `host`:`port` (port 0 = any free one). kUsage when it cannot bind.
  Status Bind(const std::string& host, int port);
  int port() const;
  // Serves until Stop(). kUsage when Bind was not called.
  Status Run();
  // Thread-safe, async-signal-unsafe: call from a thread, not a signal handler.
  void Stop();

  // The bodies the endpoints serve, with their status codes (for tests and other front ends).
  struct Response {
    int status = 200;
    std::string content_type;
    std::string body;
  };
  Response Health();
  Response Ready();
  Response Metrics();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Standby replay lag as metrics (replicas.h): strata_standbys, and per standby
// strata_standby_replay_lag_bytes and strata_standby_replay_lag_seconds (labels standby,
// client_addr). ProbeServer serves them on /metrics with every reading.
std::vector<MetricFamily> StandbyMetrics(const std::vector<StandbyState>& standbys);

// Parses "ADDR:PORT", "[::1]:PORT" or ":PORT" (all addresses). kUsage naming the text.
Status ParseListenAddress(const std::string& text, std::string* host, int* port);

}  // namespace strata

#endif  // STRATA_SERVE_H_
